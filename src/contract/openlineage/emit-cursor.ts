import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { KfmError } from '../../errors.js';
import { writeAtomically } from '../../zones/atomic-write.js';

/**
 * Where `kfm openlineage --emit` stopped, per endpoint, namespace and dataset filter: the ledger is
 * the outbox and this file the only state beside it. It lives under data/work, never in the ledger,
 * so that emission stays a reader of the ledger; it is replaced atomically, so a crash leaves the old
 * cursor (and at most one event is sent again) or the new one, never a torn file.
 */
const CURSOR_FILE = join('data', 'work', '.openlineage-cursor.json');

interface CursorFile {
  cursors: Record<string, { seq: number }>;
}

export function cursorKey(endpoint: string, namespace: string, datasetId: string | undefined): string {
  return `${endpoint} ${namespace} ${datasetId ?? '*'}`;
}

async function readCursorFile(path: string): Promise<CursorFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { cursors: {} };
    throw error;
  }
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: refused below, with the same advice as any other wrong shape.
  }
  const cursors = (parsed as Partial<CursorFile> | null)?.cursors;
  const valid =
    typeof cursors === 'object' &&
    cursors !== null &&
    Object.values(cursors).every((c) => Number.isSafeInteger(c?.seq) && c.seq >= 0);
  if (!valid)
    throw new KfmError(
      'INVALID_INPUT',
      `${path}: not an OpenLineage cursor file; delete it to emit from the start`,
      {
        details: { path },
      },
    );
  return { cursors };
}

/** The last seq delivered for `key` (0 when nothing was). */
export async function readCursor(root: string, key: string): Promise<number> {
  return (await readCursorFile(join(root, CURSOR_FILE))).cursors[key]?.seq ?? 0;
}

export async function writeCursor(root: string, key: string, seq: number): Promise<void> {
  const path = join(root, CURSOR_FILE);
  await mkdir(dirname(path), { recursive: true });
  const file = await readCursorFile(path);
  // Only forward: two emitters that raced (two promotes ending together) may send an event twice,
  // but the slower one must not move the cursor back over what the faster one delivered.
  file.cursors[key] = { seq: Math.max(seq, file.cursors[key]?.seq ?? 0) };
  const bytes = new TextEncoder().encode(`${JSON.stringify(file, null, 2)}\n`);
  await writeAtomically('work', path, CURSOR_FILE, false, [], async (handle, hash) => {
    hash.update(bytes);
    await handle.write(bytes);
    return bytes.byteLength;
  });
}
