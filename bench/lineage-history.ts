import { contentHash, versionIdOf } from '../src/contract/promotion/content-hash.js';
import { nodeSha256Hex } from '../src/ledger/node-hasher.js';
import { utf8 } from '../src/ledger/pure/event-hash.js';
import { specHash } from '../src/ledger/pure/spec-hash.js';
import { renderChecksums } from '../src/zones/checksums.js';

/**
 * The history of issue 5's lineage benchmark, as real runs record it (compare `kfm demo`): each run
 * goes ingest (source.discovered, raw.captured, raw.manifest.written) → transform
 * (work.artifact.written, transform.applied) → validate (validation.reported) → promote
 * (version.published or version.reused, catalog.emitted) in one run id. Per dataset, in order:
 * versions published one after another, a rerun that reuses the third version, a run whose
 * validation failed and whose promotion was denied, and an ingest that failed upstream. Runs of all
 * datasets interleave round by round, as a scheduler would run them. Captures absorb the event
 * budget: most are files seen before (a station network re-polled), two per run are new.
 *
 * Deterministic: the same sizes give the same drafts and files (recorded_at and event ids are the
 * ledger's own when appended).
 */

export interface HistorySize {
  events: number;
  datasets: number;
  versions: number;
}

export interface Draft {
  type: string;
  dataset_id: string;
  run_id: string;
  payload: Record<string, unknown>;
}

/** A file a run left in the raw or processed zone, relative to the zone. */
export interface ZoneFile {
  zone: 'raw' | 'processed';
  path: string;
  content: string;
}

export interface BenchRun {
  drafts: Draft[];
  files: ZoneFile[];
}

type RunKind = 'publish' | 'reuse' | 'denied' | 'failed';

const NEW_PER_RUN = 2;
/** Events of each kind of run besides its captures (see the *Run functions below). */
const FIXED: Record<RunKind, (spatial: boolean) => number> = {
  publish: (spatial) => 4 + 4 + 3 + 3 + catalogCount(spatial),
  reuse: (spatial) => 4 + 4 + 3 + 3 + catalogCount(spatial),
  denied: () => 4 + 4 + 3 + 3,
  failed: () => 3,
};
const catalogCount = (spatial: boolean) => (spatial ? 5 : 3);

/** The dataset ids of a history: ks_bench_0000 … */
export function datasetIds(datasets: number): string[] {
  const width = String(datasets - 1).length;
  return Array.from({ length: datasets }, (_, i) => `ks_bench_${String(i).padStart(width, '0')}`);
}

/** The runs of a whole history, in append order. */
export function* lineageHistory(size: HistorySize): Generator<BenchRun> {
  const ids = datasetIds(size.datasets);
  const plans = ids.map((id, i) => new DatasetPlan(id, i, size));
  const rounds = Math.max(...plans.map((p) => p.runs.length));
  for (let round = 0; round < rounds; round++) for (const plan of plans) yield* plan.run(round);
}

/** The registry entry of a bench dataset, as its YAML file and its version.published snapshot. */
export function benchRegistry(datasetId: string, index: number): Record<string, unknown> {
  return {
    dataset_id: datasetId,
    title: `Kansas bench dataset ${index} (synthetic)`,
    description: 'Synthetic observations for the lineage benchmark; no real data is described.',
    publisher: 'Kansas Frontier Matrix (benchmark)',
    contact_point: { fn: 'KFM data stewards', hasEmail: 'mailto:data-stewards@example.org' },
    license: 'CC-BY-4.0',
    sensitivity: 'public',
    policy_labels: ['open-data'],
    spatial: index % 2 === 0,
    keywords: ['benchmark', 'kansas'],
    upstream: { uri: `https://data.example.org/${datasetId}.csv`, media_type: 'text/csv' },
  };
}

class DatasetPlan {
  readonly runs: RunKind[];
  readonly #id: string;
  readonly #index: number;
  readonly #registry: Record<string, unknown>;
  readonly #spatial: boolean;
  readonly #captures: number[];
  /** Paths of the files captured so far, re-captured as seen before. */
  readonly #stable: { path: string; sha256: string; bytes: number }[] = [];
  #version: { version_id: string; content_hash: string } | null = null;
  #published = 0;

  constructor(id: string, index: number, size: HistorySize) {
    this.#id = id;
    this.#index = index;
    this.#registry = benchRegistry(id, index);
    this.#spatial = this.#registry.spatial === true;
    const versions = share(size.versions, size.datasets, index);
    this.runs = [];
    for (let v = 0; v < versions; v++) {
      this.runs.push('publish');
      if (v === 2) this.runs.push('reuse');
      if (v === 4) this.runs.push('denied');
      if (v === 6) this.runs.push('failed');
    }
    const budget = share(size.events, size.datasets, index);
    const fixed = this.runs.reduce((sum, kind) => sum + FIXED[kind](this.#spatial), 0);
    if (budget - fixed < this.runs.length * NEW_PER_RUN)
      throw new Error(`${size.events} events are too few for ${size.versions} versions: raise --events`);
    this.#captures = this.runs.map((_, r) => share(budget - fixed, this.runs.length, r));
  }

  *run(round: number): Generator<BenchRun> {
    const kind = this.runs[round];
    if (kind === undefined) return;
    const runId = runIdOf(this.#index, round);
    const out: BenchRun = { drafts: [], files: [] };
    const add = (type: string, payload: Record<string, unknown>) =>
      out.drafts.push({ type, dataset_id: this.#id, run_id: runId, payload });
    const stage = (
      name: string,
      body: () => void,
      status: Record<string, unknown> = { status: 'succeeded' },
    ) => {
      const spec = { dataset_id: this.#id, stage: name };
      add('run.started', {
        stage: name,
        spec,
        spec_hash: specHash(spec, nodeSha256Hex),
        args: {},
        dry_run: false,
      });
      body();
      add('run.completed', status);
    };
    const fresh = this.#ingest(runId, round, add, out.files, kind === 'failed');
    if (kind === 'failed') {
      stage('ingest', fresh, {
        status: 'failed',
        error: { code: 'UPSTREAM_FAILED', message: 'HTTP 503 from upstream' },
      });
      yield out;
      return;
    }
    stage('ingest', fresh);
    // A reuse reruns the last version's input: the same output, so the same content hash.
    const n = kind === 'reuse' ? this.#published - 1 : this.#published;
    const output = `dataset,version,rows\n${this.#id},${n},${1000 + n}\n`;
    const artifact = {
      path: 'data.csv',
      sha256: nodeSha256Hex(utf8(output)),
      bytes: utf8(output).byteLength,
    };
    stage('transform', () => {
      add('work.artifact.written', {
        path: `runs/${runId}/artifacts/data.csv`,
        sha256: artifact.sha256,
        bytes: artifact.bytes,
        derived_from: this.#stable.slice(-NEW_PER_RUN).map((f) => f.path),
      });
      add('transform.applied', {
        name: 'normalize_units',
        params: { unit: 'metric' },
        inputs: this.#stable.slice(-NEW_PER_RUN).map((f) => f.path),
        outputs: [`runs/${runId}/artifacts/data.csv`],
        summary: { rows: 1000 + n },
      });
    });
    const passed = kind !== 'denied';
    stage('validate', () =>
      add('validation.reported', {
        passed,
        outputs: [{ path: `runs/${runId}/artifacts/data.csv`, sha256: artifact.sha256 }],
        checks: [
          { name: 'schema', passed, message: passed ? `${1000 + n} record(s) pass` : '3 record(s) fail' },
          { name: 'license_present', passed: true },
        ],
      }),
    );
    const promote = () => {
      if (!passed) {
        add('promotion.denied', {
          reasons: [{ code: 'VALIDATION_FAILED', message: 'the latest validation failed' }],
        });
        return;
      }
      if (kind === 'reuse') add('version.reused', { ...this.#version!, registry: this.#registry });
      else this.#publish(artifact, output, add, out.files);
      this.#catalogs(runId, add);
    };
    stage('promote', promote, { status: passed ? 'succeeded' : 'denied' });
    yield out;
  }

  /** raw.captured events: the new files of this run and the rest re-polled as seen before. */
  #ingest(
    runId: string,
    round: number,
    add: (type: string, payload: Record<string, unknown>) => void,
    files: ZoneFile[],
    failed: boolean,
  ): () => void {
    return () => {
      add('source.discovered', {
        source_uri: `https://data.example.org/${this.#id}.csv`,
        capabilities: { status: 200 },
      });
      const captures = this.#captures[round]!;
      const known = this.#stable.length;
      for (let i = 0; i < captures; i++) {
        const seen = i >= NEW_PER_RUN && i - NEW_PER_RUN < known ? this.#stable[i - NEW_PER_RUN] : undefined;
        if (seen !== undefined) {
          add('raw.captured', {
            capture_id: runId,
            ...seen,
            source_uri: `https://data.example.org/${this.#id}/${i}`,
            seen_before: true,
          });
          continue;
        }
        const path = `${runId}/part-${i}.csv`;
        const content = `station,value\n${this.#id}-${round}-${i},${i}\n`;
        const file = { path, sha256: nodeSha256Hex(utf8(content)), bytes: utf8(content).byteLength };
        this.#stable.push(file);
        files.push({ zone: 'raw', path: `${this.#id}/${path}`, content });
        add('raw.captured', {
          capture_id: runId,
          ...file,
          source_uri: `https://data.example.org/${this.#id}/${i}`,
        });
      }
      if (!failed) add('raw.manifest.written', { path: 'manifest.yml', sha256: nodeSha256Hex(utf8(runId)) });
    };
  }

  #publish(
    artifact: { path: string; sha256: string; bytes: number },
    output: string,
    add: (type: string, payload: Record<string, unknown>) => void,
    files: ZoneFile[],
  ): void {
    const content_hash = contentHash(this.#id, [artifact], nodeSha256Hex);
    const version_id = versionIdOf(content_hash);
    const n = this.#published++;
    const bbox = this.#spatial ? { bbox: [-102 + (n % 5), 37, -101 + (n % 5), 38] } : {};
    add('version.published', {
      version_id,
      content_hash,
      artifacts: [artifact],
      supersedes: this.#version?.version_id ?? null,
      registry: this.#registry,
      ...bbox,
    });
    this.#version = { version_id, content_hash };
    const dir = `${this.#id}/${version_id}`;
    files.push({ zone: 'processed', path: `${dir}/data.csv`, content: output });
    files.push({ zone: 'processed', path: `${dir}/checksums.sha256`, content: renderChecksums([artifact]) });
  }

  /** catalog.emitted as promote records it (sha256 of the path: the bench never checks them). */
  #catalogs(runId: string, add: (type: string, payload: Record<string, unknown>) => void): void {
    const v = this.#version!.version_id;
    const paths: [string, string][] = [
      ['dcat', `dcat/${this.#id}.json`],
      ['dcat', 'dcat/catalog.json'],
    ];
    if (this.#spatial)
      paths.push(
        ['stac', `stac/${this.#id}/collection.json`],
        ['stac', `stac/${this.#id}/items/${v}/${this.#id}-${v}.json`],
      );
    paths.push(['prov', `prov/${this.#id}/run_${runId}.json`]);
    for (const [kind, path] of paths)
      add('catalog.emitted', { kind, path, sha256: nodeSha256Hex(utf8(path)) });
  }
}

/** `total` spread over `parts` as evenly as integers allow: the first ones get one more. */
function share(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID-shaped run id, unique per dataset and round, sorting by round as real ULIDs sort by time. */
function runIdOf(dataset: number, round: number): string {
  let n = round * 1_000_000 + dataset;
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = CROCKFORD[n % 32] + tail;
    n = Math.floor(n / 32);
  }
  return `01KBENCH00${tail}`;
}
