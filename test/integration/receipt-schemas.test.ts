import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfill, useBackfillRoots } from '../support/backfill-root.js';
import { useDemoRoots } from '../support/demo-root.js';
import { STATIONS } from '../support/examples.js';
import { kfmLog, stage } from '../support/kfm-cli.js';
import { editRegistry } from '../support/promote-root.js';
import {
  invalidReceipts,
  readReceipt,
  receiptFiles,
  receiptValidator,
} from '../support/receipt-validator.js';
import { http, startTestServer, type TestServer } from '../support/serve-http.js';

// Issue 17: every receipt a stage writes satisfies its published JSON Schema, checked with Ajv from
// the files in schemas/ alone (test/support/receipt-validator.ts), on real roots the built CLI made.

const demos = useDemoRoots('receipt-schemas');
const backfills = useBackfillRoots('receipt-schemas-backfill');
let demo: string;

beforeAll(async () => {
  demo = await demos.pristine();
}, 180_000);

describe('the receipts of kfm demo', () => {
  it('all satisfy their schemas: run receipts, raw manifests and registry entries', () => {
    const files = receiptFiles(demo);
    // Three datasets, each one run with all three receipts, a raw manifest and a registry entry.
    expect(files.map((f) => f.schema).sort()).toEqual(
      ['registry_entry', 'raw_manifest', 'run_manifest', 'run_record', 'validation_report']
        .flatMap((s) => [s, s, s])
        .sort(),
    );
    expect(invalidReceipts(demo)).toEqual([]);
  });

  it('are checked for real: a receipt with a field of the wrong type fails', () => {
    const validate = receiptValidator();
    const record = receiptFiles(demo).find((f) => f.schema === 'run_record')!;
    const doc = readReceipt(demo, record.path) as { stages: { dry_run: unknown }[] };
    doc.stages[0]!.dry_run = 'no';
    expect(validate('run_record', doc)).toEqual(['/stages/0/dry_run must be boolean']);
  });

  describe('served by kfm serve', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ root: demo });
    });
    afterAll(() => server?.close());

    it('answer GET …/provenance with a bundle that satisfies provenance_bundle', async () => {
      const validate = receiptValidator();
      const published = await kfmLog(demo, ['--type', 'version.published']);
      expect(published).toHaveLength(3);
      for (const event of published) {
        const { version_id } = event.payload as { version_id: string };
        const answer = await http(
          server.url,
          `/datasets/${event.dataset_id}/versions/${version_id}/provenance`,
        );
        expect(answer.status, answer.text).toBe(200);
        expect(validate('provenance_bundle', answer.json())).toEqual([]);
      }
    });
  });
});

describe('the receipts of runs that did not publish', () => {
  it('satisfy their schemas after a denied promotion and a failed validation', async () => {
    const root = demos.clone(demo);
    const ingest = await stage(root, ['ingest', STATIONS, '--run_id', 'denied-run']);
    await stage(root, ['validate', STATIONS, '--run_id', ingest.json.run_id]);
    editRegistry(root, STATIONS, (e) => e.delete('license'));
    await stage(root, ['promote', STATIONS, '--run_id', 'denied-run'], 3);
    await stage(root, ['ingest', STATIONS, '--run_id', 'failed-validation']);
    await stage(root, ['validate', STATIONS, '--run_id', 'failed-validation'], 3);

    const record = (run: string) =>
      readReceipt(root, `data/work/${STATIONS}/runs/${run}/run_record.json`) as {
        status: string;
        stages: { error: { code: string } | null }[];
      };
    expect(record('denied-run').status).toBe('denied');
    expect(record('denied-run').stages.at(-1)!.error).toEqual({
      code: 'PROMOTION_DENIED',
      message: 'promotion denied: LICENSE_MISSING',
    });
    expect(record('failed-validation').status).toBe('failed');
    const report = `data/work/${STATIONS}/runs/failed-validation/validation_report.json`;
    expect(readReceipt(root, report)).toMatchObject({ passed: false });
    expect(invalidReceipts(root)).toEqual([]);
  }, 120_000);
});

describe("a backfill's receipts", () => {
  it('satisfy their schemas, the parent run_record with its windows and already-completed stretches', async () => {
    const server = await backfills.upstream();
    const root = await backfills.root({ uri: server.base });
    expect((await backfill(root, '2026-03-01', '2026-03-03')).status).toBe(0);
    const again = await backfill(root, '2026-03-01', '2026-03-05', ['--json']);
    expect(again.status, again.stderr).toBe(0);
    const { run_id } = JSON.parse(again.stdout) as { run_id: string };
    const parent = readReceipt(root.dir, `data/work/ks_streamflow_daily/runs/${run_id}/run_record.json`) as {
      backfill: { windows: unknown[]; already_completed: unknown[] };
    };
    expect(parent.backfill.windows).toHaveLength(2);
    expect(parent.backfill.already_completed).toHaveLength(1);
    expect(invalidReceipts(root.dir)).toEqual([]);
  }, 120_000);
});
