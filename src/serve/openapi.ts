import { DATASET_ID_PATTERN, VERSION_ID_PATTERN } from '../events/ids.js';
import { TOOL_VERSION } from '../tool-info.js';
import { API_ERRORS, type ApiErrorCode } from './api-error.js';
import { LINEAGE_TARGET } from './handlers/lineage.js';
import { SCHEMAS } from './openapi-schemas.js';
import { jsonReply } from './reply.js';
import type { Handler } from './serve-app.js';

const ref = (name: keyof typeof SCHEMAS) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: keyof typeof SCHEMAS, description: string) => ({
  description,
  content: { 'application/json': { schema: ref(name) } },
});
const error = (description: string) => json('Error', description);

const param = (name: string, description: string, pattern?: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: pattern === undefined ? { type: 'string' } : { type: 'string', pattern },
});
const DATASET = param('dataset_id', 'registry id of the dataset', DATASET_ID_PATTERN.source);
const VERSION = param('version_id', 'content-addressed version id', VERSION_ID_PATTERN.source);
/** Any ledger read, at a past point (router.ts snapshotOf); 400 BAD_REQUEST when it is no seq of the ledger. */
const AS_OF = {
  name: 'as_of',
  in: 'query',
  required: false,
  description:
    'read the ledger as it stood after this seq, as `kfm lineage --as-of <seq>` (default: its head)',
  schema: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' },
};

/** What any request may be refused with before it reaches a route (request-target.ts, router.ts). */
const ANY_REQUEST = {
  '400': error('PATH_REFUSED (traversal, encoded separators) or BAD_REQUEST'),
  '413': error('BODY_NOT_ALLOWED: requests carry no body'),
  '414': error('URI_TOO_LONG'),
};

/** Answers a dataset-scoped route may give besides 200: the same 401/403 for unknown and forbidden. */
const REFUSALS = {
  ...ANY_REQUEST,
  '401': error('AUTH_REQUIRED (no token; unknown or non-public dataset) or TOKEN_INVALID'),
  '403': error('FORBIDDEN (token without an allowed role; unknown dataset) or POLICY_DENIED'),
  '404': error('NOT_FOUND: no such version or artifact in a dataset the caller may read'),
};

/** The transparency log answers tokens with the auditor role only. */
const AUDITOR_REFUSALS = {
  ...ANY_REQUEST,
  '401': error('AUTH_REQUIRED (no token) or TOKEN_INVALID'),
  '403': error('FORBIDDEN: the token has no auditor role'),
  '404': error('NOT_FOUND: no checkpoint signed yet, or no such tile in the tree'),
};

const get = (
  operationId: string,
  summary: string,
  ok: object,
  parameters: object[] = [],
  extra: object = {},
) => ({
  get: { operationId, summary, parameters, responses: { '200': ok, ...REFUSALS, ...extra } },
});

const DIGEST_HEADERS = {
  ETag: { description: 'the recorded sha256 as a strong validator', schema: { type: 'string' } },
  'Repr-Digest': { description: 'RFC 9530: sha-256=:<base64>:', schema: { type: 'string' } },
  Digest: { description: 'RFC 3230 (obsoleted by RFC 9530): SHA-256=<base64>', schema: { type: 'string' } },
  Link: { description: 'rel="provenance": the provenance bundle of the version', schema: { type: 'string' } },
};

/** A 200 GET also digests its content; HEAD and 304 send none, so they carry no Content-Digest. */
const CONTENT_HEADERS = {
  ...DIGEST_HEADERS,
  'Content-Digest': {
    description: 'RFC 9530: sha-256=:<base64>: of the content (absent on HEAD, which sends none)',
    schema: { type: 'string' },
  },
};

/** The OpenAPI 3.1 document of the governed read API, served at /openapi.json. */
export const OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'kfm governed read API',
    version: TOOL_VERSION,
    description:
      'Read-only access to promoted (processed) dataset versions, each with its provenance bundle, behind the policy boundary: default deny; restricted datasets need a bearer token whose role is one of their policy labels.',
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  // Relative: the server that served this document (OpenAPI 3.1 §4.8.5), wherever `kfm serve` listens.
  servers: [{ url: '/', description: 'the kfm serve instance that served this document' }],
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  security: [{}, { bearer: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'a token made by `kfm token create`' },
    },
    schemas: SCHEMAS,
  },
  paths: {
    '/datasets': get(
      'listDatasets',
      'datasets the caller may see, with sensitivity and latest version',
      json('DatasetList', 'the datasets'),
      [AS_OF],
    ),
    '/datasets/{dataset_id}': get(
      'getDataset',
      'registry facts, versions and DCAT record',
      json('Dataset', 'the dataset'),
      [DATASET, AS_OF],
    ),
    '/datasets/{dataset_id}/versions/{version_id}': get(
      'getDatasetVersion',
      'the DatasetVersion projection',
      json('DatasetVersion', 'the version'),
      [DATASET, VERSION, AS_OF],
    ),
    '/datasets/{dataset_id}/versions/{version_id}/artifacts/{name}': get(
      'getArtifact',
      'the artifact bytes, streamed, checked against the recorded sha256 (GET and HEAD)',
      {
        description: 'the bytes; sha256(body) equals the ETag and the version checksums',
        headers: CONTENT_HEADERS,
        content: { '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } } },
      },
      [DATASET, VERSION, param('name', 'an artifact file name the version recorded'), AS_OF],
      {
        '304': { description: 'If-None-Match matched the ETag', headers: DIGEST_HEADERS },
        '500': error('ARTIFACT_INTEGRITY: the file on disk is not the recorded one (never served)'),
      },
    ),
    '/datasets/{dataset_id}/versions/{version_id}/provenance': get(
      'getProvenance',
      'the provenance bundle with its ledger anchor',
      json('ProvenanceBundle', 'the bundle'),
      [DATASET, VERSION, AS_OF],
    ),
    '/datasets/{dataset_id}/stac/collection.json': get(
      'getStacCollection',
      'the STAC 1.1.0 Collection of a spatial dataset, as data/catalog/stac/<id>/collection.json (its `self` link names this URL)',
      json('StacDocument', 'the Collection'),
      [DATASET],
    ),
    '/datasets/{dataset_id}/stac/items/{version_id}/{item}': get(
      'getStacItem',
      'the STAC 1.1.0 Item of one version, as in data/catalog/stac/<id>/items/',
      json('StacDocument', 'the Item'),
      [DATASET, VERSION, param('item', 'the Item file name: <dataset_id>-<version_id>.json')],
    ),
    '/datasets/{dataset_id}/versions/{version_id}/bundle': get(
      'getVersionBundle',
      'the offline proof bundle of the version (`kfm bundle`), against the last stored checkpoint',
      json('VersionBundle', 'the bundle'),
      [DATASET, VERSION],
    ),
    '/tlog/checkpoint': {
      get: {
        operationId: 'getTlogCheckpoint',
        summary: 'the last signed checkpoint (C2SP tlog-checkpoint note), for tokens with the auditor role',
        responses: {
          '200': {
            description: 'the signed note',
            content: { 'text/plain': { schema: { type: 'string' } } },
          },
          ...AUDITOR_REFUSALS,
        },
      },
    },
    '/tlog/tile/{tile}': {
      get: {
        operationId: 'getTlogTile',
        summary:
          'a C2SP tlog-tiles hash tile (<L>/<N>[.p/<W>]) or entry bundle (entries/<N>[.p/<W>]), for tokens with the auditor role',
        parameters: [
          param(
            'tile',
            'the tile path after /tlog/tile/, its slashes literal: e.g. 0/x001/234, 1/000.p/7, entries/005',
            '^(entries|[0-9]+)/(x[0-9]{3}/)*[0-9]{3}(\\.p/[0-9]+)?$',
          ),
        ],
        responses: {
          '200': {
            description: 'width × 32 bytes of hashes, or the entries each as a 2-byte length and the body',
            content: {
              'application/octet-stream': {
                schema: { type: 'string', contentMediaType: 'application/octet-stream' },
              },
            },
          },
          ...AUDITOR_REFUSALS,
          '501': error(
            'ENTRY_TOO_LARGE: an event body over 65,535 bytes cannot be framed in an entry bundle',
          ),
        },
      },
    },
    '/lineage/{target}': get(
      'getLineage',
      'the lineage graph, as `kfm lineage <target> --format json`',
      json('Lineage', 'the lineage'),
      [param('target', '<dataset_id> or <dataset_id>@<version_id>', LINEAGE_TARGET.source), AS_OF],
    ),
    '/healthz': {
      get: {
        operationId: 'getHealth',
        summary: 'ledger head and the last chain verification',
        parameters: [
          {
            name: 'verify',
            in: 'query',
            required: false,
            description: '1: verify the chain again (at most every few seconds)',
            schema: { enum: ['1', 'true'] },
          },
        ],
        responses: {
          '200': json('Health', 'the last verification passed (or none ran yet)'),
          '503': json('Health', 'the last verification found the chain broken'),
          ...ANY_REQUEST,
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'this document',
        responses: {
          '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } },
          ...ANY_REQUEST,
        },
      },
    },
  },
  'x-error-codes': Object.fromEntries(
    (Object.keys(API_ERRORS) as ApiErrorCode[]).map((code) => [code, API_ERRORS[code]]),
  ),
} as const;

export const serveOpenApi: Handler = () => jsonReply(OPENAPI, { 'Cache-Control': 'no-cache' });
