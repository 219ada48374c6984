import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { KfmError } from '../../errors.js';
import type { PayloadOf } from '../../events/index.js';
import { nodeSha256Hex } from '../../ledger/node-hasher.js';
import { isType, type LedgerEvent } from '../../projections/ledger-event.js';
import { renderReceipt } from '../../projections/render-receipt.js';
import { projectRunOutputs } from '../../projections/run-outputs.js';
import { projectRunRecord } from '../../projections/run-record.js';
import { ingestWindowOf } from '../../projections/run-window.js';
import { projectValidationReport } from '../../projections/validation-report.js';
import { sha256File } from '../../zones/file-digest.js';
import { catalogProjectionFiles } from '../projected-files.js';
import { planCatalogFiles, publishedBbox, validateCatalogFiles } from '../promotion/catalog-files.js';
import { contentHash, type VersionArtifact, versionIdOf } from '../promotion/content-hash.js';
import { catalogEntryOf } from '../promotion/entry-catalogs.js';
import { evaluateGate, type GateReason, type Rehashed } from '../promotion/evaluate-gate.js';
import { publishVersion } from '../promotion/publish-version.js';
import { publishedTimeSpan } from '../promotion/time-span.js';
import type { StageResult, StageScope } from '../stage-scope.js';
import { readRecords } from '../validation/read-records.js';

type Published = LedgerEvent & { payload: PayloadOf<'version.published'> };

async function rehash(dir: string, files: readonly { path: string; sha256: string }[]): Promise<Rehashed[]> {
  return Promise.all(
    files.map(async (f) => ({
      path: f.path,
      expected: f.sha256,
      found: await sha256File(join(dir, f.path)).then(
        (d) => d.sha256,
        () => null,
      ),
    })),
  );
}

/** The receipts on disk must still be exactly what the ledger projects (RECEIPT_INVALID otherwise). */
async function checkReceipts(scope: StageScope, events: readonly LedgerEvent[]) {
  const dir = join(scope.layout.work, scope.request.dataset_id, 'runs', scope.run_id);
  const expected = [
    { name: 'run_record.json', doc: projectRunRecord(events) },
    { name: 'validation_report.json', doc: projectValidationReport(events) },
  ].filter((r) => r.doc !== null);
  return Promise.all(
    expected.map(async ({ name, doc }) => ({
      path: name,
      expected: nodeSha256Hex(Buffer.from(renderReceipt(doc), 'utf8')),
      found: await readFile(join(dir, name)).then(nodeSha256Hex, () => null),
    })),
  );
}

/**
 * publish: the Promotion Contract. Gathers every input of the gate, evaluates every rule, and
 * either records promotion.denied (writing nothing to processed/ or catalog/) or publishes an
 * immutable content-addressed version — or records version.reused when the content already is one.
 */
export async function promote(scope: StageScope): Promise<StageResult> {
  const ds = scope.request.dataset_id;
  const events = (await scope.runEvents()).filter((e) => e.seq < scope.started_seq);
  const outputs = projectRunOutputs(events);
  const inZone = (zone: 'raw' | 'work') => join(scope.layout[zone], ds);
  const captured = events
    .filter((e) => isType(e, 'raw.captured'))
    .map((e) => e.payload as { path: string; sha256: string });
  const bytes = await Promise.all(
    outputs.map((o) => readFile(join(inZone(o.zone), o.path)).catch(() => Buffer.alloc(0))),
  );
  const artifacts: VersionArtifact[] = outputs.map((o) => ({
    path: basename(o.path),
    sha256: o.sha256,
    bytes: o.bytes,
  }));
  if (new Set(artifacts.map((a) => a.path)).size !== artifacts.length) {
    throw new KfmError(
      'INVALID_INPUT',
      `two outputs of run ${scope.run_id} share a file name: ${artifacts.map((a) => a.path).join(', ')}`,
    );
  }
  const hash = contentHash(ds, artifacts, nodeSha256Hex);
  const versionId = versionIdOf(hash);
  const published = (await scope.datasetEvents('version.published')) as Published[];
  const files = artifacts.map((a, i) => ({ path: a.path, bytes: bytes[i]! }));
  const records = readRecords(scope.connector.format, files, scope.entry?.upstream?.encoding).records;
  const geometries = scope.connector.format === 'geojson' ? records.map((r) => r.geometry) : [];
  const bbox = scope.entry?.spatial ? publishedBbox(files) : undefined;
  const dictionary = scope.connector.data_dictionary;
  const timeSpan = publishedTimeSpan(records, scope.connector.time_fields ?? [], ingestWindowOf(events));
  const startedAt = (await scope.runEvents()).find((e) => e.seq === scope.started_seq)?.recorded_at ?? '';
  // Recorded with the version, so catalogs replay with it; once set it holds for later versions.
  const baseUrl = scope.request.flags.baseUrl ?? published.at(-1)?.payload.base_url;
  const candidate = planCatalogFiles({
    dataset_id: ds,
    entry: catalogEntryOf(scope.entry),
    published,
    allPublished: await scope.ledgerEvents('version.published'),
    runEvents: await scope.runEvents(),
    candidate: {
      version_id: versionId,
      content_hash: hash,
      artifacts,
      published_at: startedAt,
      run_id: scope.run_id,
      ...(bbox === undefined ? {} : { bbox }),
      ...(timeSpan === undefined ? {} : { time_span: timeSpan }),
      ...(dictionary === undefined ? {} : { data_dictionary: { ...dictionary } }),
      ...(baseUrl === undefined ? {} : { base_url: baseUrl }),
    },
  });
  const reasons: GateReason[] = evaluateGate({
    entry: scope.entry,
    events,
    raw: await rehash(inZone('raw'), captured),
    outputs: await Promise.all(outputs.map(async (o) => (await rehash(inZone(o.zone), [o]))[0]!)),
    receipts: await checkReceipts(scope, events),
    catalogs: validateCatalogFiles(candidate),
    geometries,
  });
  if (reasons.length > 0) {
    const seq = await scope.record('promotion.denied', { reasons });
    scope.log.info(`promotion denied: ${reasons.map((r) => r.code).join(', ')}`, { seq });
    const message = `promotion denied: ${reasons.map((r) => r.code).join(', ')}`;
    return { status: 'denied', error: { code: 'PROMOTION_DENIED', message }, summary: { reasons } };
  }
  const registry = { ...scope.entry } as PayloadOf<'version.published'>['registry'];
  const existing = published.find((e) => e.payload.version_id === versionId);
  if (existing !== undefined) {
    const seq = await scope.record('version.reused', { version_id: versionId, content_hash: hash, registry });
    scope.log.info(`identical to published ${versionId}: reused, nothing rewritten`, { seq });
    if (baseUrl !== published.at(-1)?.payload.base_url)
      scope.log.warn(
        `--base-url is recorded with a new version; ${versionId} is reused, so the catalogs keep their URLs`,
      );
  } else {
    const how = await publishVersion({
      datasetId: ds,
      runId: scope.run_id,
      versionId,
      layout: scope.layout,
      writer: scope.writer,
      outputs,
      artifacts,
    });
    // The profile validation measured of exactly these outputs (the gate checked their sha256).
    const profile = projectValidationReport(events)?.profile;
    const seq = await scope.record('version.published', {
      version_id: versionId,
      content_hash: hash,
      artifacts,
      supersedes: published.at(-1)?.payload.version_id ?? null,
      registry,
      ...(bbox === undefined ? {} : { bbox }),
      ...(timeSpan === undefined ? {} : { time_span: timeSpan }),
      ...(dictionary === undefined ? {} : { data_dictionary: { ...dictionary } }),
      ...(baseUrl === undefined ? {} : { base_url: baseUrl }),
      ...(profile === undefined ? {} : { profile }),
    });
    scope.log.info(
      `published ${versionId}${how === 'adopted' ? ' (adopted the folder an interrupted promotion left)' : ''}`,
      { seq },
    );
  }
  const catalogs = await emitCatalogs(scope);
  return {
    status: 'succeeded',
    summary: { version_id: versionId, content_hash: hash, reused: existing !== undefined, catalogs },
  };
}

/** Renders the catalogs from the ledger as it now stands, writes those that changed, records each. */
async function emitCatalogs(scope: StageScope): Promise<string[]> {
  const planned = catalogProjectionFiles(
    await scope.runEvents(),
    await scope.ledgerEvents('version.published'),
  );
  const paths: string[] = [];
  for (const file of planned) {
    const current = await readFile(scope.writer.resolve('catalog', file.path), 'utf8').catch(() => null);
    // An unchanged catalog is not rewritten: an idempotent rerun leaves every file as it was.
    const sha256 =
      current === file.content
        ? nodeSha256Hex(Buffer.from(file.content))
        : (await scope.writer.writeFile('catalog', file.path, file.content)).sha256;
    await scope.record('catalog.emitted', {
      kind: file.path.split('/')[0] as 'dcat' | 'stac' | 'prov',
      path: file.path,
      sha256,
    });
    paths.push(`data/catalog/${file.path}`);
  }
  return paths;
}
