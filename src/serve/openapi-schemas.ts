import { DATASET_ID_PATTERN, SENSITIVITY_CLASSES, VERSION_ID_PATTERN } from '../events/ids.js';

/**
 * JSON Schemas (2020-12, the dialect of OpenAPI 3.1) of every answer of the API: the contract tests
 * validate real responses against these, so the document cannot drift from the server.
 */
const sha256 = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const;
const versionId = { type: 'string', pattern: VERSION_ID_PATTERN.source } as const;
const datasetId = { type: 'string', pattern: DATASET_ID_PATTERN.source } as const;
const nullableString = { type: ['string', 'null'] } as const;
const head = {
  type: 'object',
  required: ['seq', 'hash'],
  properties: { seq: { type: 'integer', minimum: 0 }, hash: sha256 },
} as const;
const sensitivity = { enum: SENSITIVITY_CLASSES } as const;
const labels = { type: 'array', items: { type: 'string' }, minItems: 1 } as const;
const bbox = { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4 } as const;
const links = { type: 'object', additionalProperties: { type: 'string', pattern: '^/' } } as const;
const runId = { type: 'string' } as const;
const seq = { type: 'integer', minimum: 1 } as const;
const instant = { type: 'string', description: 'ISO-8601 UTC with milliseconds' } as const;
const generalization = {
  type: ['object', 'null'],
  properties: { precision_deg: { type: 'number' } },
} as const;
const registrySnapshot = {
  type: 'object',
  required: ['license', 'sensitivity', 'policy_labels', 'generalization'],
  properties: { license: { type: 'string' }, sensitivity, policy_labels: labels, generalization },
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
                    published_at: instant,
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
        properties: {
          title: nullableString,
          description: nullableString,
          publisher: nullableString,
          contact_point: {
            type: ['object', 'null'],
            properties: { fn: { type: 'string' }, hasEmail: { type: 'string' } },
          },
          license: { type: 'string' },
          sensitivity,
          policy_labels: labels,
          spatial: { type: 'boolean' },
          generalization,
          keywords: { type: 'array', items: { type: 'string' } },
          temporal: {
            type: ['object', 'null'],
            properties: { since: { type: 'string' }, until: { type: 'string' } },
          },
          upstream: false,
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
            published_at: instant,
            supersedes: { oneOf: [{ type: 'null' }, versionId] },
            run_id: runId,
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
      run_id: runId,
      published_at: instant,
      supersedes: { oneOf: [{ type: 'null' }, versionId] },
      superseded_by: { oneOf: [{ type: 'null' }, versionId] },
      latest: { type: 'boolean' },
      artifacts: {
        type: 'array',
        items: {
          ...artifact,
          required: [...artifact.required, 'links'],
          properties: { ...artifact.properties, links },
        },
      },
      bbox: { oneOf: [{ type: 'null' }, bbox] },
      registry: registrySnapshot,
      ledger: {
        type: 'object',
        required: ['seq', 'hash', 'event_id'],
        properties: { seq, hash: sha256, event_id: { type: 'string' } },
      },
      links,
    },
  },
  VersionBundle: {
    type: 'object',
    description:
      "`kfm bundle`: the publishing run's event bodies, each with a C2SP tlog-proof against one signed checkpoint, and the checksums; check it offline with `kfm verify-bundle`",
    required: ['kind', 'dataset_id', 'version_id', 'entries', 'checksums_sha256'],
    properties: {
      kind: { const: 'kfm.version_bundle' },
      dataset_id: { type: 'string' },
      version_id: { type: 'string' },
      entries: {
        type: 'array',
        items: {
          type: 'object',
          required: ['seq', 'body', 'proof'],
          properties: {
            seq: { type: 'integer', minimum: 1 },
            body: { type: 'string', description: 'the stored event body, standard base64' },
            proof: { type: 'string', description: 'a c2sp.org/tlog-proof@v1 of entry seq - 1' },
          },
        },
      },
      checksums_sha256: { type: 'string', description: 'the artifacts in `sha256sum -c` format' },
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
      dataset_id: datasetId,
      version_id: versionId,
      content_hash: sha256,
      run_id: runId,
      artifacts: {
        type: 'array',
        items: {
          ...artifact,
          required: [...artifact.required, 'url'],
          properties: { ...artifact.properties, url: { type: 'string', pattern: '^/' } },
        },
      },
      checksums_sha256: { type: 'string', description: 'the artifacts in `sha256sum -c` format' },
      runs: {
        type: 'array',
        items: {
          type: 'object',
          required: ['run_id', 'relation', 'seq'],
          properties: { run_id: runId, relation: { enum: ['published', 'reused'] }, seq },
        },
      },
      spec_hashes: {
        type: 'array',
        items: {
          type: 'object',
          required: ['stage', 'spec_hash', 'seq'],
          properties: { stage: { type: 'string' }, spec_hash: sha256, seq },
        },
      },
      validation: {
        oneOf: [
          { type: 'null' },
          {
            type: 'object',
            required: ['passed', 'seq', 'hash', 'checks'],
            properties: {
              passed: { type: 'boolean' },
              seq,
              hash: sha256,
              checks: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['name', 'passed'],
                  properties: { name: { type: 'string' }, passed: { type: 'boolean' } },
                },
              },
            },
          },
        ],
      },
      generalizations: {
        type: 'array',
        items: {
          type: 'object',
          required: ['name', 'params', 'summary', 'seq'],
          properties: {
            name: { type: 'string' },
            params: { type: 'object' },
            summary: { type: 'object' },
            seq,
          },
        },
      },
      registry: registrySnapshot,
      prov: {
        type: 'object',
        required: ['prefix'],
        properties: { prefix: { type: 'object', additionalProperties: { type: 'string' } } },
        description: 'PROV-JSON of the publishing run',
      },
      ledger_anchor: {
        type: 'object',
        required: ['type', 'seq', 'hash', 'event_id', 'recorded_at'],
        properties: {
          type: { const: 'version.published' },
          seq,
          hash: sha256,
          event_id: { type: 'string' },
          recorded_at: instant,
        },
      },
      ledger_head: head,
      verify_with: { type: 'string' },
    },
  },
  StacDocument: {
    description:
      'A STAC 1.1.0 Collection or Item (https://schemas.stacspec.org/v1.1.0/), validated at promotion',
    type: 'object',
    required: ['type', 'stac_version', 'id', 'links'],
    properties: {
      type: { enum: ['Collection', 'Feature'] },
      stac_version: { const: '1.1.0' },
      id: { type: 'string' },
      links: {
        type: 'array',
        items: {
          type: 'object',
          required: ['rel', 'href'],
          properties: { rel: { type: 'string' }, href: { type: 'string' } },
        },
      },
    },
  },
  Lineage: {
    type: 'object',
    required: ['dataset_id', 'version_id', 'as_of', 'upstream', 'versions', 'runs', 'graph'],
    properties: {
      dataset_id: datasetId,
      version_id: { oneOf: [{ type: 'null' }, versionId] },
      as_of: {
        type: 'object',
        required: ['seq', 'requested'],
        properties: { seq: { type: 'integer', minimum: 0 }, requested: nullableString },
      },
      upstream: {
        type: 'array',
        items: {
          type: 'object',
          required: ['source_uri', 'first_seq'],
          properties: { source_uri: { type: 'string' }, first_seq: seq },
        },
      },
      versions: { type: 'array', items: { type: 'object' } },
      runs: { type: 'array', items: { type: 'object' } },
      graph: {
        type: 'object',
        required: ['nodes', 'edges'],
        properties: {
          nodes: { type: 'array', items: { type: 'object' } },
          edges: { type: 'array', items: { type: 'object' } },
        },
      },
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
            properties: {
              ok: { type: 'boolean' },
              head,
              events: { type: 'integer', minimum: 0 },
              failures: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['seq', 'code', 'message'],
                  properties: {
                    seq: { type: 'integer' },
                    code: { type: 'string' },
                    message: { type: 'string' },
                  },
                },
              },
              finished_at: instant,
              covers_head: { type: 'boolean' },
            },
          },
        ],
      },
      verifying: { type: 'boolean' },
    },
  },
} as const;
