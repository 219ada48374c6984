/**
 * JSON Schemas (2020-12, the dialect of OpenAPI 3.1) of every answer of the API: the contract tests
 * validate real responses against these, so the document cannot drift from the server.
 */
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const versionId = { type: 'string', pattern: '^v[0-9a-f]{16}$' } as const;
const datasetId = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const head = {
  type: 'object',
  required: ['seq', 'hash'],
  properties: { seq: { type: 'integer', minimum: 0 }, hash: sha256 },
} as const;
const sensitivity = { enum: ['public', 'restricted', 'sensitive-location', 'aggregate-only'] } as const;
const labels = { type: 'array', items: { type: 'string' }, minItems: 1 } as const;
const bbox = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } as const;
const links = { type: 'object', additionalProperties: { type: 'string', pattern: '^/' } } as const;
const registrySnapshot = {
  type: 'object',
  required: ['license', 'sensitivity', 'policy_labels', 'generalization'],
  properties: { license: { type: 'string' }, sensitivity, policy_labels: labels, generalization: {} },
} as const;
const artifact = {
  type: 'object',
  required: ['path', 'sha256', 'bytes', 'media_type'],
  properties: {
    path: { type: 'string' },
    sha256,
    bytes: { type: 'integer' },
    media_type: { type: 'string' },
  },
} as const;

export const SCHEMAS = {
  Error: {
    type: 'object',
    required: ['code', 'message', 'details'],
    additionalProperties: false,
    properties: {
      code: { type: 'string', pattern: '^[A-Z][A-Z_]*$' },
      message: { type: 'string' },
      details: { type: 'object' },
    },
  },
  LedgerHead: head,
  DatasetList: {
    type: 'object',
    required: ['datasets', 'ledger_head'],
    properties: {
      ledger_head: head,
      datasets: {
        type: 'array',
        items: {
          type: 'object',
          required: [
            'dataset_id',
            'title',
            'sensitivity',
            'policy_labels',
            'license',
            'spatial',
            'latest_version',
            'versions',
            'links',
          ],
          properties: {
            dataset_id: datasetId,
            title: nullableString,
            sensitivity,
            policy_labels: labels,
            license: { type: 'string' },
            spatial: { type: 'boolean' },
            latest_version: {
              oneOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['version_id', 'content_hash', 'published_at'],
                  properties: {
                    version_id: versionId,
                    content_hash: sha256,
                    published_at: { type: 'string' },
                  },
                },
              ],
            },
            versions: { type: 'integer', minimum: 0 },
            links,
          },
        },
      },
    },
  },
  Dataset: {
    type: 'object',
    required: ['dataset_id', 'registry', 'latest_version', 'versions', 'dcat', 'ledger_head', 'links'],
    properties: {
      dataset_id: datasetId,
      registry: {
        type: 'object',
        required: ['title', 'license', 'sensitivity', 'policy_labels', 'spatial', 'generalization'],
        not: { required: ['upstream'] },
        properties: {
          license: { type: 'string' },
          sensitivity,
          policy_labels: labels,
          spatial: { type: 'boolean' },
        },
      },
      latest_version: { oneOf: [{ type: 'null' }, versionId] },
      versions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['version_id', 'content_hash', 'published_at', 'supersedes', 'run_id', 'links'],
          properties: {
            version_id: versionId,
            content_hash: sha256,
            supersedes: { oneOf: [{ type: 'null' }, versionId] },
            links,
          },
        },
      },
      dcat: {
        type: ['object', 'null'],
        description: 'DCAT-US 1.1 dataset record, as data/catalog/dcat/<id>.json',
      },
      ledger_head: head,
      links,
    },
  },
  DatasetVersion: {
    type: 'object',
    required: [
      'dataset_id',
      'version_id',
      'content_hash',
      'run_id',
      'published_at',
      'supersedes',
      'superseded_by',
      'latest',
      'artifacts',
      'bbox',
      'registry',
      'ledger',
      'links',
    ],
    properties: {
      dataset_id: datasetId,
      version_id: versionId,
      content_hash: sha256,
      supersedes: { oneOf: [{ type: 'null' }, versionId] },
      superseded_by: { oneOf: [{ type: 'null' }, versionId] },
      latest: { type: 'boolean' },
      artifacts: { type: 'array', items: { ...artifact, required: [...artifact.required, 'links'] } },
      bbox: { oneOf: [{ type: 'null' }, bbox] },
      registry: registrySnapshot,
      ledger: {
        type: 'object',
        required: ['seq', 'hash', 'event_id'],
        properties: { seq: { type: 'integer' }, hash: sha256 },
      },
      links,
    },
  },
  ProvenanceBundle: {
    type: 'object',
    required: [
      'kind',
      'dataset_id',
      'version_id',
      'content_hash',
      'artifacts',
      'checksums_sha256',
      'run_id',
      'runs',
      'spec_hashes',
      'validation',
      'generalizations',
      'registry',
      'prov',
      'ledger_anchor',
      'ledger_head',
      'verify_with',
    ],
    properties: {
      kind: { const: 'kfm.provenance_bundle' },
      content_hash: sha256,
      artifacts: { type: 'array', items: { ...artifact, required: [...artifact.required, 'url'] } },
      checksums_sha256: { type: 'string', description: 'the artifacts in `sha256sum -c` format' },
      runs: {
        type: 'array',
        items: {
          type: 'object',
          required: ['run_id', 'relation', 'seq'],
          properties: { relation: { enum: ['published', 'reused'] } },
        },
      },
      spec_hashes: {
        type: 'array',
        items: { type: 'object', required: ['stage', 'spec_hash', 'seq'], properties: { spec_hash: sha256 } },
      },
      validation: {
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            required: ['passed', 'seq', 'hash', 'checks'],
            properties: { passed: { type: 'boolean' }, hash: sha256 },
          },
        ],
      },
      generalizations: {
        type: 'array',
        items: { type: 'object', required: ['name', 'params', 'summary', 'seq'] },
      },
      registry: registrySnapshot,
      prov: { type: 'object', required: ['prefix'], description: 'PROV-JSON of the publishing run' },
      ledger_anchor: {
        type: 'object',
        required: ['type', 'seq', 'hash', 'event_id', 'recorded_at'],
        properties: {
          type: { const: 'version.published' },
          seq: { type: 'integer', minimum: 1 },
          hash: sha256,
        },
      },
      ledger_head: head,
      verify_with: { type: 'string' },
    },
  },
  Lineage: {
    type: 'object',
    required: ['dataset_id', 'version_id', 'as_of', 'upstream', 'versions', 'runs', 'graph'],
    properties: {
      dataset_id: datasetId,
      versions: { type: 'array' },
      runs: { type: 'array' },
      graph: { type: 'object', required: ['nodes', 'edges'] },
    },
  },
  Health: {
    type: 'object',
    required: ['status', 'ledger', 'verification', 'verifying'],
    properties: {
      status: { enum: ['ok', 'failing', 'unverified'] },
      ledger: { type: 'object', required: ['head'], properties: { head } },
      verification: {
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            required: ['ok', 'head', 'events', 'failures', 'finished_at', 'covers_head'],
            properties: { ok: { type: 'boolean' }, head },
          },
        ],
      },
      verifying: { type: 'boolean' },
    },
  },
} as const;
