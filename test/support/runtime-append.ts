import { openKfmSqliteLedger } from './kfm-ledgers.js';

/**
 * Appends drafts of any type through the ledger's own append (the stage runtime's door, which
 * `kfm append` no longer offers for core types): what a forger with write access to the ledger file
 * can do. Tests of what verify and the read API catch in such a history set it up with this.
 */
export async function appendAsRuntime(ledgerFile: string, drafts: readonly unknown[]): Promise<void> {
  const ledger = await openKfmSqliteLedger(ledgerFile, { actor: { tool: 'kfm', tool_version: '0.1.0' } });
  try {
    ledger.appendEvents(drafts);
  } finally {
    ledger.close();
  }
}
