import type { Actor } from '../src/events/index.js';
import { mulberry32 } from '../test/support/prng.js';

/**
 * Deterministic, realistic event drafts for the benchmark: runs of a few hundred events spread over
 * a dozen datasets, each run bracketed by `run.started` / `run.completed`, with `raw.captured`
 * captures and `x.bench.*` extension facts in between. The same seed gives the same drafts, so
 * every ledger variant of one run appends exactly the same input.
 */

export const BENCH_ACTOR: Actor = { tool: 'kfm', tool_version: '0.1.0', connector: 'bench' };

const DATASETS = [
  'ks_water_wells',
  'ks_oil_gas_leases',
  'ks_soil_survey',
  'ks_county_parcels',
  'ks_road_centerlines',
  'ks_flood_zones',
  'ks_school_districts',
  'ks_air_quality',
  'ks_crop_yields',
  'ks_bridge_inspections',
  'ks_groundwater_levels',
  'ks_weather_stations',
] as const;

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const HEX = '0123456789abcdef';

export interface BenchDraft {
  type: string;
  dataset_id: string;
  run_id: string;
  payload: Record<string, unknown>;
}

export class DraftGenerator {
  readonly #random: () => number;
  #run = { id: '', dataset: '', left: 0, index: 0 };
  #runs = 0;
  #captures = 0;

  constructor(seed = 20260216) {
    this.#random = mulberry32(seed);
  }

  /** The next `count` drafts, continuing the current run across batch boundaries. */
  next(count: number): BenchDraft[] {
    const drafts: BenchDraft[] = [];
    for (let i = 0; i < count; i++) drafts.push(this.#draft());
    return drafts;
  }

  #draft(): BenchDraft {
    const run = this.#run;
    if (run.left === 0) {
      this.#runs++;
      run.id = this.#chars(CROCKFORD, 26);
      run.dataset = DATASETS[this.#runs % DATASETS.length]!;
      run.left = 150 + Math.floor(this.#random() * 200);
      run.index = 0;
      return this.#make('run.started', this.#started());
    }
    run.left--;
    run.index++;
    if (run.left === 0) return this.#make('run.completed', { status: 'succeeded' });
    const pick = this.#random();
    if (pick < 0.35) return this.#make('raw.captured', this.#captured());
    if (pick < 0.7) return this.#make('x.bench.row_batch', this.#rowBatch());
    return this.#make('x.bench.tick', { n: run.index, lag_ms: Math.floor(this.#random() * 900) });
  }

  #make(type: string, payload: Record<string, unknown>): BenchDraft {
    return { type, dataset_id: this.#run.dataset, run_id: this.#run.id, payload };
  }

  #started(): Record<string, unknown> {
    return {
      stage: 'ingest',
      spec: { source: 'socrata', page_size: 5000 },
      spec_hash: this.#chars(HEX, 64),
      args: { since: '2026-02-01' },
      dry_run: false,
    };
  }

  #captured(): Record<string, unknown> {
    const n = ++this.#captures;
    return {
      capture_id: `c${n}`,
      path: `${this.#run.dataset}/p${n % 1000}.csv`,
      sha256: this.#chars(HEX, 64),
      bytes: Math.floor(this.#random() * 5_000_000),
      source_uri: `https://data.ks.gov/r/${n % 997}`,
    };
  }

  #rowBatch(): Record<string, unknown> {
    return {
      rows: Math.floor(this.#random() * 10_000),
      rejected: Math.floor(this.#random() * 12),
      table: 'observations',
      ok: this.#random() > 0.05,
    };
  }

  #chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.#random() * alphabet.length)];
    return out;
  }
}
