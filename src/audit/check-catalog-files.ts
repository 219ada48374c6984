import type { AuditFailure } from '../projections/audit-failure.js';
import type { ZoneLayout } from '../zones/zone-layout.js';
import { listTree, shownPath } from './list-tree.js';

/**
 * data/catalog/ holds only catalogs the ledger accounts for: a path some catalog.emitted records or
 * that the replay of the events renders (a promotion cut short after its version.published has
 * catalogs `kfm replay` writes but no catalog.emitted). Anything else — a DCAT dataset, STAC item or
 * PROV run nobody published — would be served and harvested as if it were part of the record.
 * `expected`: those paths, relative to the catalog zone.
 */
export async function checkCatalogFiles(
  layout: ZoneLayout,
  expected: ReadonlySet<string>,
): Promise<AuditFailure[]> {
  const failures: AuditFailure[] = [];
  for (const entry of await listTree(layout.catalog)) {
    if (entry.kind === 'file' && expected.has(entry.path)) continue;
    failures.push({
      path: shownPath(layout, 'catalog', entry.path),
      code: 'CATALOG_FILE_UNEXPECTED',
      message:
        entry.kind === 'file'
          ? 'no catalog.emitted records this file and no replay of the ledger renders it'
          : 'not a regular file (a symlink or special file): a catalog is never read through a link',
    });
  }
  return failures;
}
