import { appendFileSync } from 'node:fs';

/**
 * Fault injection for the crash tests (issue 10, Proof): every write step of every stage passes a
 * named failpoint. `KFM_FAILPOINT=<step>[:<n>]` kills the process with SIGKILL — a real crash, no
 * finally block, no cleanup — the n-th time (default the first) it reaches that step;
 * `KFM_FAILPOINT_TRACE=<file>` appends every step reached, one per line, so a test learns which
 * steps a stage passes. Unset, a failpoint is one environment lookup.
 *
 * The one table of steps; `<type>` is any core event type, `<zone>` any zone.
 */
export const FAILPOINTS = {
  'lock/taken': 'the dataset lock file names this process; nothing else is done yet',
  'event/<type>/before': 'an event of <type> is about to be appended',
  'event/<type>/after': 'an event of <type> is committed',
  'write/<zone>/filled': 'a temp file in <zone> is written and fsynced, not yet renamed into place',
  'write/<zone>/renamed': 'a file in <zone> is renamed into place, its folder not yet fsynced',
  'publish/staged': 'a version is whole in its staging folder, not yet renamed into processed/',
  'publish/renamed': 'a version folder is renamed into processed/, version.published not yet appended',
} as const;

export type FailpointTemplate = keyof typeof FAILPOINTS;

/** A concrete step: a template with its `<type>` or `<zone>` filled in. */
export type Failpoint = string & { readonly __failpoint?: never };

let hits: Map<string, number> | undefined;

/** Passes step `step`: dies there if KFM_FAILPOINT names it (and this is its n-th pass). */
export function failpoint(step: Failpoint): void {
  const trace = process.env.KFM_FAILPOINT_TRACE;
  if (trace !== undefined && trace !== '') appendFileSync(trace, `${step}\n`);
  const target = process.env.KFM_FAILPOINT;
  if (target === undefined || target === '') return;
  const { step: wanted, n } = parseFailpoint(target);
  if (wanted !== step) return;
  hits ??= new Map();
  const count = (hits.get(step) ?? 0) + 1;
  hits.set(step, count);
  if (count === n) process.kill(process.pid, 'SIGKILL');
}

/** `<step>[:<n>]`; a step name never contains a colon, so the last one separates the count. */
export function parseFailpoint(value: string): { step: string; n: number } {
  const match = /^(.+?)(?::([1-9][0-9]*))?$/.exec(value);
  return { step: match?.[1] ?? value, n: match?.[2] === undefined ? 1 : Number(match[2]) };
}
