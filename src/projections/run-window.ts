import { isType, type LedgerEvent } from './ledger-event.js';

export interface RunWindow {
  since?: string;
  until?: string;
}

/** The window a run was ingested for (its ingest run.started), `{}` when it had none. */
export function ingestWindowOf(runEvents: readonly LedgerEvent[]): RunWindow {
  const started = runEvents.find((e) => isType(e, 'run.started') && e.payload.stage === 'ingest');
  return (started?.payload as { window?: RunWindow } | undefined)?.window ?? {};
}
