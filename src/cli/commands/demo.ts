import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, KfmError } from '../../errors.js';
import { nodeSha256Hex } from '../../ledger/node-hasher.js';
import { utf8 } from '../../ledger/pure/event-hash.js';
import { specHash } from '../../ledger/pure/spec-hash.js';
import { type Cli, type CommandRun, type GlobalOptions, resolvePaths } from '../io.js';
import { withLedger } from '../ledger-access.js';
import { initRoot } from './init.js';
import { verifyLedgerChain } from './verify.js';

const MARKER = '.kfm-demo';

/** Only a folder the demo made itself (or an empty one) is ever wiped. */
function freshDemoRoot(root: string): void {
  if (!existsSync(root)) return;
  if (existsSync(join(root, MARKER))) rmSync(root, { recursive: true, force: true });
  else if (readdirSync(root).length > 0) {
    throw new KfmError(
      'USAGE',
      `${root} exists and is not a kfm demo root; pass --root <empty or new folder>`,
      {
        details: { file: root },
      },
    );
  }
}

/** A short example run, enough to show the chain: what the connector runtime will append. */
function exampleRun(runId: string) {
  const spec = { dataset_id: 'ks_mesonet_stations', source: 'file://fixtures/stations.geojson' };
  const bytes = utf8('{"type":"FeatureCollection","features":[]}\n');
  const common = { dataset_id: 'ks_mesonet_stations', run_id: runId };
  return [
    {
      ...common,
      type: 'run.started',
      payload: { stage: 'ingest', spec, spec_hash: specHash(spec, nodeSha256Hex), args: {}, dry_run: false },
    },
    {
      ...common,
      type: 'source.discovered',
      payload: { source_uri: spec.source, capabilities: { media_type: 'application/geo+json' } },
    },
    {
      ...common,
      type: 'raw.captured',
      payload: {
        capture_id: runId,
        path: `${runId}/stations.geojson`,
        sha256: nodeSha256Hex(bytes),
        bytes: bytes.byteLength,
        source_uri: spec.source,
      },
    },
    { ...common, type: 'run.completed', payload: { status: 'succeeded' } },
  ];
}

export function runDemo(options: GlobalOptions): CommandRun {
  return async (io) => {
    const root = resolve(options.root ?? 'demo-root');
    freshDemoRoot(root);
    const rootOptions = { ...options, root, json: false };
    await initRoot(rootOptions)({ ...io, stdout: () => {} });
    writeFileSync(join(root, MARKER), 'made by `kfm demo`; the next demo run may wipe this folder\n');
    const paths = resolvePaths(rootOptions);
    const { appended, report } = await withLedger(paths.ledger, { connector: 'demo' }, (ledger) => {
      const appended = ledger.appendEvents(exampleRun('demo_run_1'));
      return { appended, report: verifyLedgerChain(ledger) };
    });
    io.stdout(`demo root   ${root}\n`);
    io.stdout(
      `appended    ${appended.events.length} events of run demo_run_1 (seq ${appended.first_seq}..${appended.last_seq})\n`,
    );
    io.stdout(
      `verified    ${report.events} events, ${report.ok ? 'chain intact' : 'CHAIN BROKEN'}; head ${report.head.seq}:${report.head.hash}\n`,
    );
    io.stdout(`next        kfm --root ${root} log\n`);
    return report.ok ? EXIT.ok : EXIT.integrity;
  };
}

export function registerDemo(program: Command, cli: Cli): void {
  program
    .command('demo')
    .description('init a fresh demo root (default ./demo-root), append an example run and verify the chain')
    .action(() => cli.run(runDemo(cli.globals())));
}
