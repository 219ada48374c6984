import { join } from 'node:path';
import type { AppendResult } from '../src/ledger/ledger-store.js';
import { type SqliteLedger, storedRowValues } from '../src/ledger/sqlite/sqlite-ledger.js';
import { openKfmSqliteLedger } from '../test/support/kfm-ledgers.js';
import { BENCH_ACTOR, DraftGenerator } from './bench-events.js';
import { type PlainRow, PlainTable } from './plain-table.js';

/**
 * Appends the same drafts, batch by batch, to the real ledger, to four ledger variants (without the
 * 0002 read indexes, without the linear-insert trigger, without either, without the 0003 projection
 * tables) and — the reference — plain better-sqlite3 inserts of the real ledger's rows into a
 * same-shaped table. All targets take their turn on every batch (the ledger variants in rotating
 * order), so machine noise hits them alike.
 */

export const VARIANTS = [
  'ledger_no_read_indexes',
  'ledger_no_linear_trigger',
  'ledger_bare',
  'ledger_no_projections',
] as const;
export type TargetName = 'ledger' | (typeof VARIANTS)[number];

export interface AppendPhaseOptions {
  dir: string;
  events: number;
  batch: number;
  /** How many of the events also go to the three variants (0: none); they cost what the ledger does. */
  variantEvents: number;
  /** Between batches, once the real ledger first holds at least each of these counts of events. */
  checkpointsAt: readonly number[];
  onCheckpoint: (events: number, ledgerPath: string) => void;
}

export interface AppendPhaseResult {
  events: number;
  batch: number;
  mean_body_bytes: number;
  ledger_path: string;
  /** Milliseconds inside `appendEvents` (ledgers) or the insert transaction (plain), summed. */
  ms: Record<TargetName | 'plain_insert', number>;
  /** The first `variant_events` events went to every variant: their times on those events alone. */
  variant_events: number;
  variant_ms: Record<TargetName, number>;
  variant_cpu_us: Record<TargetName, number>;
  /** CPU time (user + system) of the same calls, in µs: steadier than wall time on a shared machine. */
  cpu_us: Record<TargetName | 'plain_insert', number>;
}

const cpuOf = (usage: NodeJS.CpuUsage) => usage.user + usage.system;
/** Migration 0001's trigger that makes every INSERT extend the chain, and migration 0002's indexes. */
const LINEAR_TRIGGER = 'events_require_linear_insert';
const READ_INDEXES = ['events_by_dataset', 'events_by_run', 'events_by_type'];
/** The last migration before 0003 added the projection tables that every append keeps current. */
const LAST_BEFORE_PROJECTIONS = '0002_event_read_indexes';

/** The real ledger, migrated to the latest schema, minus exactly what the variant leaves out. */
async function openVariant(dir: string, name: TargetName): Promise<SqliteLedger> {
  // Schema as of 0002: no projection tables, so appends keep none current (SqliteLedger.projections null).
  const beforeProjections =
    name === 'ledger_no_projections' ? { migrate: { upTo: LAST_BEFORE_PROJECTIONS } } : {};
  const ledger = await openKfmSqliteLedger(join(dir, `${name}.sqlite`), {
    actor: BENCH_ACTOR,
    create: true,
    ...beforeProjections,
  });
  if (name === 'ledger_no_read_indexes' || name === 'ledger_bare') {
    for (const index of READ_INDEXES) ledger.db.exec(`DROP INDEX ${index}`);
  }
  if (name === 'ledger_no_linear_trigger' || name === 'ledger_bare') {
    ledger.db.exec(`DROP TRIGGER ${LINEAR_TRIGGER}`);
  }
  return ledger;
}

function plainRows(result: AppendResult): PlainRow[] {
  return result.events.map(storedRowValues);
}

export async function runAppendPhase(options: AppendPhaseOptions): Promise<AppendPhaseResult> {
  const names: TargetName[] = options.variantEvents > 0 ? ['ledger', ...VARIANTS] : ['ledger'];
  const ledgers = new Map<TargetName, SqliteLedger>();
  for (const name of names) ledgers.set(name, await openVariant(options.dir, name));
  const plain = new PlainTable(join(options.dir, 'plain.sqlite'));
  const ms = {
    ledger: 0,
    ledger_no_read_indexes: 0,
    ledger_no_linear_trigger: 0,
    ledger_bare: 0,
    ledger_no_projections: 0,
    plain_insert: 0,
  };
  const cpuUs = { ...ms };
  const variantMs = {
    ledger: 0,
    ledger_no_read_indexes: 0,
    ledger_no_linear_trigger: 0,
    ledger_bare: 0,
    ledger_no_projections: 0,
  };
  const variantCpuUs = { ...variantMs };
  let variantEvents = 0;
  const generator = new DraftGenerator();
  let appended = 0;
  let bodyBytes = 0;
  const checkpoints = [...options.checkpointsAt].sort((a, b) => a - b);
  const ledgerPath = join(options.dir, 'ledger.sqlite');

  for (let b = 0; appended < options.events; b++) {
    const drafts = generator.next(Math.min(options.batch, options.events - appended));
    const inWindow = appended < options.variantEvents;
    const targets = inWindow ? names : (['ledger'] as const);
    if (inWindow) variantEvents += drafts.length;
    for (let k = 0; k < targets.length; k++) {
      const name = targets[(b + k) % targets.length]!;
      const ledger = ledgers.get(name)!;
      const cpu = process.cpuUsage();
      const start = performance.now();
      const result = ledger.appendEvents(drafts);
      const took = performance.now() - start;
      const tookCpu = cpuOf(process.cpuUsage(cpu));
      ms[name] += took;
      cpuUs[name] += tookCpu;
      if (inWindow) {
        variantMs[name] += took;
        variantCpuUs[name] += tookCpu;
      }
      if (name !== 'ledger') continue;
      // The reference stores exactly the real ledger's rows, right after it.
      const rows = plainRows(result);
      for (const event of result.events) bodyBytes += event.body.byteLength;
      const plainCpu = process.cpuUsage();
      const plainStart = performance.now();
      plain.insert(rows);
      ms.plain_insert += performance.now() - plainStart;
      cpuUs.plain_insert += cpuOf(process.cpuUsage(plainCpu));
    }
    appended += drafts.length;
    if (checkpoints.length > 0 && appended >= checkpoints[0]!) {
      while (checkpoints.length > 0 && appended >= checkpoints[0]!) checkpoints.shift();
      options.onCheckpoint(appended, ledgerPath);
    }
  }
  for (const ledger of ledgers.values()) ledger.close();
  plain.close();
  return {
    events: appended,
    batch: options.batch,
    mean_body_bytes: bodyBytes / appended,
    ledger_path: ledgerPath,
    ms,
    cpu_us: cpuUs,
    variant_events: names.length > 1 ? variantEvents : 0,
    variant_ms: variantMs,
    variant_cpu_us: variantCpuUs,
  };
}
