import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { useDemoRoots } from '../support/demo-root.js';
import { SITES, STATIONS } from '../support/examples.js';
import { runKfm, runKfmJson } from '../support/kfm-cli.js';
import { receiptFiles } from '../support/receipt-validator.js';

// Issue 17: a receipt on disk that no longer satisfies its published schema. PROJECTION_DRIFT says
// its bytes differ from the replay; RECEIPT_SCHEMA_INVALID adds which field an outside reader can
// no longer rely on. Each case edits one receipt of its own copy of a real `kfm demo` root and runs
// the built CLI's `kfm verify --deep --json`.

interface Failure {
  path?: string;
  code: string;
  message: string;
  schema?: string;
  field?: string;
}

const roots = useDemoRoots('tamper-receipts');
let pristine: string;

beforeAll(async () => {
  pristine = await roots.pristine();
}, 180_000);

/** The path (relative to the root) of `dataset`'s receipt named `name`. */
const receiptOf = (dataset: string, name: string) =>
  receiptFiles(pristine).find((f) => f.path.includes(`/${dataset}/`) && f.path.endsWith(name))!.path;

/** A copy of the demo root with `path` rewritten by `edit`, and what verify --deep says of it. */
async function verifyAfter(path: string, edit: (text: string) => string) {
  const root = roots.clone(pristine);
  const file = join(root, path);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
  const run = await runKfmJson<{ ok: boolean; failures: Failure[] }>([
    '--root',
    root,
    '--json',
    'verify',
    '--deep',
  ]);
  return { status: run.status, failures: run.json.failures };
}

const editJson =
  (change: (doc: Record<string, unknown>) => void) =>
  (text: string): string => {
    const doc = JSON.parse(text) as Record<string, unknown>;
    change(doc);
    return `${JSON.stringify(doc, null, 2)}\n`;
  };

const schemaFinding = (path: string, schema: string, field: string) => ({
  path,
  code: 'RECEIPT_SCHEMA_INVALID',
  schema: `https://kfm.local/schemas/${schema}/v1.json`,
  field,
  message: expect.stringMatching(/^on disk, does not satisfy https:\/\/kfm\.local\/schemas\//),
});

describe('kfm verify --deep on a receipt that breaks its schema', () => {
  it('reports a run_record field of the wrong type after its PROJECTION_DRIFT, naming the field', async () => {
    const path = receiptOf(STATIONS, 'run_record.json');
    const { status, failures } = await verifyAfter(
      path,
      editJson((doc) => {
        (doc.stages as { dry_run: unknown }[])[1]!.dry_run = 'no';
      }),
    );
    expect(status).toBe(1);
    expect(failures).toEqual([
      expect.objectContaining({ path, code: 'PROJECTION_DRIFT' }),
      schemaFinding(path, 'run_record', 'stages.1.dry_run'),
    ]);
    expect(failures[1]!.message).toContain(
      'stages.1.dry_run: Invalid input: expected boolean, received string',
    );
  });

  it('reports a field the schema does not know, in run_manifest.json', async () => {
    const path = receiptOf(SITES, 'run_manifest.json');
    const { failures } = await verifyAfter(
      path,
      editJson((doc) => {
        doc.approved_by = 'someone';
      }),
    );
    expect(failures).toEqual([
      expect.objectContaining({ path, code: 'PROJECTION_DRIFT' }),
      schemaFinding(path, 'run_manifest', ''),
    ]);
    expect(failures[1]!.message).toContain('approved_by');
  });

  it('reports a raw manifest.yml whose capture lost its sha256 form', async () => {
    const path = receiptOf(STATIONS, 'manifest.yml');
    const { failures } = await verifyAfter(path, (text) => {
      const doc = parse(text) as { captures: { files: { sha256: string }[] }[] };
      doc.captures[0]!.files[0]!.sha256 = 'not-a-hash';
      return stringify(doc);
    });
    expect(failures).toEqual([
      expect.objectContaining({ path, code: 'PROJECTION_DRIFT' }),
      schemaFinding(path, 'raw_manifest', 'captures.0.files.0.sha256'),
    ]);
  });

  it('reports a receipt that is no longer JSON on the document itself', async () => {
    const path = receiptOf(STATIONS, 'validation_report.json');
    const { failures } = await verifyAfter(path, (text) => text.slice(0, 40));
    expect(failures).toEqual([
      expect.objectContaining({ path, code: 'PROJECTION_DRIFT' }),
      schemaFinding(path, 'validation_report', ''),
    ]);
    expect(failures[1]!.message).toContain('it is not JSON');
  });

  it('adds nothing to PROJECTION_DRIFT when the edited receipt still satisfies its schema', async () => {
    const path = receiptOf(STATIONS, 'validation_report.json');
    const { status, failures } = await verifyAfter(
      path,
      editJson((doc) => {
        doc.reported_at = '2020-01-01T00:00:00.000Z';
      }),
    );
    expect(status).toBe(1);
    expect(failures.map((f) => [f.path, f.code])).toEqual([[path, 'PROJECTION_DRIFT']]);
  });

  it('prints the finding with its path in the human report', async () => {
    const path = receiptOf(STATIONS, 'run_record.json');
    const root = roots.clone(pristine);
    writeFileSync(join(root, path), '[]\n');
    const run = await runKfm(['--root', root, 'verify', '--deep']);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      `${path}  RECEIPT_SCHEMA_INVALID  on disk, does not satisfy https://kfm.local/schemas/run_record/v1.json: (document): Invalid input: expected object, received array`,
    );
  });
});
