import { STAGE_SUMMARIES } from '../contract/stage-types.js';

/** A command's line in `kfm --help`: what follows its name there, and what it does. */
export interface CommandSummary {
  /** Its arguments as commander shows them, `[options]` first when it has options; "" for none. */
  usage: string;
  description: string;
}

/**
 * Every command's help line, apart from the command's code: `kfm --help` lists them all without
 * loading a command module (program.ts), and each command describes itself from here, so the line
 * is written once. test/unit/cli/command-summaries.test.ts holds `usage` equal to what commander
 * derives from the real command. In `kfm --help` order.
 */
export const COMMAND_SUMMARIES = {
  init: {
    usage: '',
    description:
      'create data/{registry,raw,work,processed,catalog} and the migrated ledger under --root; idempotent',
  },
  append: {
    usage: '[options]',
    description:
      'append extension events x.<namespace>.<name> given as JSON Lines ({type, dataset_id, run_id, payload} per line) in one transaction: all or nothing; core types are refused (RESERVED_TYPE), only the stage runtime writes them',
  },
  verify: {
    usage: '[options]',
    description:
      'verify the hash chain: every body hashes to its hash, prev links, gapless seq, columns, schemas (--deep: also replay invariants and every file)',
  },
  head: {
    usage: '',
    description:
      'print the chain head as <seq>:<hash>; keep it to detect a rewritten tail later with `verify --anchor`',
  },
  log: {
    usage: '[options]',
    description:
      'list events in seq order: a table, or JSON Lines of full envelopes (with their hash) under --json',
  },
  'spec-hash': {
    usage: '<file>',
    description: 'print spec_hash = sha256(JCS(spec)) (RFC 8785) of a JSON or YAML run spec',
  },
  registry: {
    usage: '',
    description: 'read and check the dataset registry, <root>/data/registry/<dataset_id>.yml',
  },
  ingest: { usage: '[options] [dataset_id]', description: STAGE_SUMMARIES.ingest },
  transform: { usage: '[options] [dataset_id]', description: STAGE_SUMMARIES.transform },
  validate: { usage: '[options] [dataset_id]', description: STAGE_SUMMARIES.validate },
  promote: { usage: '[options] [dataset_id]', description: STAGE_SUMMARIES.promote },
  backfill: { usage: '[options] [dataset_id]', description: STAGE_SUMMARIES.backfill },
  replay: {
    usage: '[options]',
    description:
      'rebuild receipts, raw manifests/checksums, catalogs and projection tables from the events and rewrite them (never raw or processed data, never the ledger events); exit 1 on drift that remains, or PROJECTION_UNREPLAYABLE when the events render no receipt or catalog',
  },
  recover: {
    usage: '[options] [dataset_id]',
    description:
      'close the stage runs a killed or crashed process left open (run.completed failed INTERRUPTED), remove its temp files, staging folders and unrecorded captures, rewrite the receipts and catalogs they affect; without a dataset: every dataset',
  },
  versions: {
    usage: '<dataset_id>',
    description: 'list the published versions of a dataset, oldest first (exit 2 if the dataset is unknown)',
  },
  profile: {
    usage: '<dataset_id[@version_id]>',
    description:
      "print a published version's data profile from the ledger: rows, per column type, nulls, distinct count and range (exit 2 if the dataset or version is unknown)",
  },
  diff: {
    usage: '<version...>',
    description:
      'compare two published versions from the ledger: artifacts added, removed or changed, row counts, columns added, removed or retyped, and profile deltas (exit 2 if a version is unknown)',
  },
  runs: {
    usage: '[options] [dataset_id]',
    description: 'list runs oldest first with their stages, status, version and times',
  },
  show: {
    usage: '[options] <ref>',
    description: 'everything the ledger knows about one event, run or version, with the events that prove it',
  },
  lineage: {
    usage: '[options] <dataset_id[@version_id]>',
    description:
      'upstream → raw captures → runs → validation → transforms → versions → catalogs, optionally as of a past point',
  },
  openlineage: {
    usage: '[options] [dataset_id]',
    description:
      'OpenLineage 2-0-2 RunEvents projected from the ledger, as JSON Lines (a START and a COMPLETE or FAIL per stage run), or POSTed to a Marquez-style endpoint with --emit',
  },
  prov: {
    usage: '[options] <dataset_id>',
    description: 'print the PROV-JSON of a run, rendered from its events (as data/catalog/prov/ holds it)',
  },
  demo: {
    usage: '',
    description:
      'run the truth path for the three example connectors in a fresh demo root (default ./demo-root), then verify',
  },
  serve: {
    usage: '[options]',
    description:
      'the governed read API over processed versions, with provenance bundles and the policy boundary, and the lineage page at /ui/',
  },
  token: { usage: '', description: 'API tokens for `kfm serve`' },
  migrate: {
    usage: '',
    description:
      'upgrade the ledger schema to this kfm (and bring its projection tables and transparency-log tree up to date); readers never migrate',
  },
  key: { usage: '', description: 'signing keys for transparency-log checkpoints' },
  'verify-proof': {
    usage: '[options] [file]',
    description:
      'check offline an RFC 9162 inclusion proof {index, tree_size, leaf_hash, root_hash, proof} or consistency proof {old_size, new_size, old_root, new_root, proof} (JSON, base64 hashes), or a C2SP tlog-proof; exit 1 if it does not hold',
  },
  checkpoint: {
    usage: '[options]',
    description:
      "sign the ledger's Merkle tree as a C2SP tlog-checkpoint note (origin: the key's name), store it in the ledger and print it",
  },
  prove: {
    usage: '',
    description:
      "print an RFC 9162 proof from the ledger's Merkle tree as JSON (check it with `kfm verify-proof`)",
  },
  bundle: {
    usage: '[options] <dataset_id@version_id>',
    description:
      "write one offline-verifiable file for a version: its publishing run's event bodies, each with a C2SP tlog-proof against the last stored checkpoint, and its checksums.sha256",
  },
  'verify-bundle': {
    usage: '[options] <file>',
    description:
      "check a `kfm bundle` file with no ledger: the checkpoint's signature, every event's inclusion proof, that the events form the version's stage history, and with --artifacts every file against the checksums",
  },
  export: {
    usage: '[options]',
    description: "copy this root's ledger into an empty ledger elsewhere (SQLite file or PostgreSQL)",
  },
  import: {
    usage: '[options]',
    description: "copy a ledger from elsewhere (SQLite file or PostgreSQL) into this root's empty ledger",
  },
  schema: {
    usage: '[options] [name]',
    description:
      'print the JSON Schema (draft 2020-12) of a receipt, as committed in schemas/<name>/v<N>.json',
  },
  connector: {
    usage: '',
    description: 'runtime connectors in <root>/connectors/<dataset_id>/ (loaded without rebuilding kfm)',
  },
} as const satisfies Record<string, CommandSummary>;
