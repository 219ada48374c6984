import { createRequire } from 'node:module';
import type AjvModule from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';
import type Ajv04Module from 'ajv-draft-04';
import type addFormatsModule from 'ajv-formats';
import { geoExtent } from './geo-extent.js';
import dcatCatalog from './schemas/dcat/catalog.json' with { type: 'json' };
import dcatDataset from './schemas/dcat/dataset-non-federal.json' with { type: 'json' };
import provSchema from './schemas/prov/prov-json.schema.json' with { type: 'json' };
import stacBands from './schemas/stac/bands.json' with { type: 'json' };
import stacBasics from './schemas/stac/basics.json' with { type: 'json' };
import stacCollection from './schemas/stac/collection.json' with { type: 'json' };
import stacCommon from './schemas/stac/common.json' with { type: 'json' };
import stacDataValues from './schemas/stac/data-values.json' with { type: 'json' };
import stacDatetime from './schemas/stac/datetime.json' with { type: 'json' };
import geojsonFeature from './schemas/stac/geojson-Feature.json' with { type: 'json' };
import geojsonGeometry from './schemas/stac/geojson-Geometry.json' with { type: 'json' };
import stacInstrument from './schemas/stac/instrument.json' with { type: 'json' };
import stacItem from './schemas/stac/item.json' with { type: 'json' };
import stacLicensing from './schemas/stac/licensing.json' with { type: 'json' };
import stacProvider from './schemas/stac/provider.json' with { type: 'json' };
import { STAC_FILE_EXTENSION } from './stac.js';

/**
 * Catalog validation against the official schemas, shipped beside this file (schemas/*, each with
 * its SOURCE.md and licence) and imported as JSON modules, so tsc copies them into dist/ and a
 * clean clone validates offline. I/O at the edge: the renderers stay pure; this is the one module
 * that loads schemas. Validators compile on first use and are reused.
 */

export interface CatalogError {
  /** JSON Pointer (RFC 6901) of the offending value; a missing or unknown key is appended. */
  path: string;
  message: string;
}

export interface CatalogValidation {
  valid: boolean;
  errors: CatalogError[];
}

// ajv and its plugins are CommonJS, required on first use: every stage, verify and recover process
// imports this module with the promotion code, and only a promotion validates a catalog (loading
// them cost ~0.04 s CPU of each such process). `.default` is the class (module.exports has both).
const require = createRequire(import.meta.url);
const ajvModules = () => ({
  Ajv: (require('ajv') as typeof AjvModule).default,
  Ajv04: (require('ajv-draft-04') as typeof Ajv04Module).default,
  addFormats: (require('ajv-formats') as typeof addFormatsModule).default,
});

/**
 * Vendored schemas use keywords Ajv's strict mode rejects (PROV's misplaced prov:startTime).
 * Every promote process compiles the validators it uses once; Ajv's optimisation pass over the
 * generated code was ~40% of that compile (~0.14 s CPU of a ~0.8 s promote) and saves nothing
 * worth it on a few small documents; it simplifies code, never what the validator accepts.
 */
const OPTIONS = { allErrors: true, strict: false, code: { optimize: false } } as const;

const STAC_ITEM_ID = 'https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/item.json';
const STAC_COLLECTION_ID = 'https://schemas.stacspec.org/v1.1.0/collection-spec/json-schema/collection.json';
/** Where item.json's and collection.json's refs to common.json resolve (see STAC SOURCE.md, caveat 1). */
const STAC_COMMON_ID = 'https://schemas.stacspec.org/v1.1.0/item-spec/json-schema/common.json';

let draft04: InstanceType<typeof Ajv04Module.default> | undefined;
let draft07: InstanceType<typeof AjvModule.default> | undefined;

/** DCAT-US and PROV-JSON are draft-04. DCAT-US patterns use identity escapes (`\:`), invalid under `u`. */
function draft04Ajv() {
  if (draft04 !== undefined) return draft04;
  const { Ajv04, addFormats } = ajvModules();
  const ajv = new Ajv04({ ...OPTIONS, unicodeRegExp: false });
  addFormats(ajv);
  ajv.addSchema(dcatDataset as AnySchemaObject);
  ajv.addSchema(dcatCatalog as AnySchemaObject);
  draft04 = ajv;
  return ajv;
}

/**
 * STAC 1.1.0 is draft-07, preloaded by $id. common.json's upstream $id is misspelt
 * (`…/commonjson`), so it is registered under the id its referrers resolve to. ajv-formats has no
 * `iri`/`iri-reference` (RFC 3987): `iri` is checked for a scheme, which is what makes a relative
 * `self` link fail, and any string is an `iri-reference`.
 */
function draft07Ajv() {
  if (draft07 !== undefined) return draft07;
  const { Ajv, addFormats } = ajvModules();
  const ajv = new Ajv(OPTIONS);
  addFormats(ajv);
  ajv.addFormat('iri', /^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$/);
  ajv.addFormat('iri-reference', true);
  const common = { ...(stacCommon as AnySchemaObject), $id: STAC_COMMON_ID };
  const schemas: object[] = [
    stacBands,
    stacBasics,
    stacDataValues,
    stacDatetime,
    stacInstrument,
    stacLicensing,
  ];
  schemas.push(stacProvider, common, geojsonFeature, geojsonGeometry, stacItem, stacCollection);
  for (const schema of schemas) ajv.addSchema(schema as AnySchemaObject);
  draft07 = ajv;
  return ajv;
}

const compiled = new Map<string, ValidateFunction>();

function validator(key: string, make: () => ValidateFunction): ValidateFunction {
  let fn = compiled.get(key);
  if (fn === undefined) {
    fn = make();
    compiled.set(key, fn);
  }
  return fn;
}

function byId(ajv: { getSchema(id: string): ValidateFunction | undefined }, id: string): ValidateFunction {
  const fn = ajv.getSchema(id);
  if (fn === undefined) throw new Error(`catalog schema ${id} is not loaded`);
  return fn;
}

/**
 * The form a patterned field must take, said as people write it: Ajv would quote the schema's
 * regex (DCAT-US `temporal` has three of ~450 characters), which names no fix. Keyed by the
 * field's name, the last non-index segment of its path.
 */
const EXPECTED_FORMS: Readonly<Record<string, string>> = {
  temporal:
    'an ISO 8601 interval whose two ends share one form, e.g. 2015-01-01/2024-12-31 or 2015-01-01T00:00:00Z/2024-12-31T23:59:59Z',
  issued: 'an ISO 8601 date or date-time, e.g. 2024-12-31',
  modified: 'an ISO 8601 date or date-time, e.g. 2024-12-31',
  accrualPeriodicity: 'an ISO 8601 repeating duration such as R/P1D, or irregular',
  language: 'a list of RFC 5646 language tags, e.g. [en-US]',
  hasEmail: 'a mailto: address, e.g. mailto:data@example.org',
  mediaType: 'a media type, e.g. text/csv',
  describedByType: 'a media type, e.g. application/json',
  datetime: 'an RFC 3339 date-time, e.g. 2024-12-31T23:59:59Z',
  start_datetime: 'an RFC 3339 date-time, e.g. 2024-12-31T00:00:00Z',
  end_datetime: 'an RFC 3339 date-time, e.g. 2024-12-31T23:59:59Z',
  created: 'an RFC 3339 date-time, e.g. 2024-12-31T23:59:59Z',
  updated: 'an RFC 3339 date-time, e.g. 2024-12-31T23:59:59Z',
  interval: 'RFC 3339 date-times or null, e.g. ["2015-01-01T00:00:00Z", null]',
  license: 'an SPDX licence identifier, e.g. CC-BY-4.0',
  method: 'an HTTP method in capitals, e.g. GET',
};

/** `fallback` is Ajv's own message: kept for a union (it quotes no regex), never for a pattern. */
function expectedForm(instancePath: string, fallback: string | undefined): string {
  const field = instancePath
    .split('/')
    .filter((segment) => segment !== '' && !/^\d+$/.test(segment))
    .at(-1);
  const form = field === undefined ? undefined : EXPECTED_FORMS[field];
  if (form !== undefined) return `must be ${form}`;
  return fallback?.startsWith('must match pattern') !== false
    ? `must have the form the schema defines for ${field ?? 'the document'}`
    : fallback;
}

/**
 * Ajv errors as `{path, message}`: one per path and message; the branch errors of a failed
 * anyOf/oneOf fold into it (each branch would restate the field), and no message quotes a regex.
 */
function errorsOf(errors: readonly ErrorObject[] | null | undefined): CatalogError[] {
  const all = errors ?? [];
  const unions = all.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const folded = (e: ErrorObject) =>
    unions.some((u) => e.instancePath === u.instancePath && e.schemaPath.startsWith(`${u.schemaPath}/`));
  const seen = new Set<string>();
  const out: CatalogError[] = [];
  for (const e of all) {
    if (folded(e)) continue;
    const key =
      e.keyword === 'required'
        ? (e.params as { missingProperty: string }).missingProperty
        : e.keyword === 'additionalProperties'
          ? (e.params as { additionalProperty: string }).additionalProperty
          : undefined;
    const path = key === undefined ? e.instancePath : `${e.instancePath}/${key}`;
    const union = e.keyword === 'anyOf' || e.keyword === 'oneOf';
    const message =
      e.keyword === 'pattern' || union ? expectedForm(e.instancePath, e.message) : (e.message ?? e.keyword);
    if (seen.has(`${path}\n${message}`)) continue;
    seen.add(`${path}\n${message}`);
    out.push({ path, message });
  }
  return out;
}

/** Validates the JSON that will be written (undefined dropped, NaN → null), not the object as built. */
function run(fn: ValidateFunction, document: unknown, extra: (doc: unknown) => CatalogError[] = () => []) {
  const json: unknown = JSON.parse(JSON.stringify(document) ?? 'null');
  const schemaOk = fn(json) === true;
  const errors = [...(schemaOk ? [] : errorsOf(fn.errors)), ...extra(json)];
  return { valid: errors.length === 0, errors };
}

/** One dataset of a DCAT-US v1.1 data.json, against the non-federal dataset schema. */
export function validateDcatDataset(document: unknown): CatalogValidation {
  const id = 'https://project-open-data.cio.gov/v1.1/schema/dataset-non-federal.json';
  return run(
    validator('dcat-dataset', () => byId(draft04Ajv(), id)),
    document,
  );
}

/** A whole data.json catalog, against the non-federal catalog schema. */
export function validateDcatCatalog(document: unknown): CatalogValidation {
  const id = 'https://project-open-data.cio.gov/v1.1/schema/catalog.json';
  return run(
    validator('dcat-catalog', () => byId(draft04Ajv(), id)),
    document,
  );
}

/** PROV-JSON against the W3C submission's schema (with the local `wasEndedBy` fix, see its SOURCE.md). */
export function validateProv(document: unknown): CatalogValidation {
  return run(
    validator('prov', () => draft04Ajv().compile(provSchema as AnySchemaObject)),
    document,
  );
}

export function validateStacItem(document: unknown): CatalogValidation {
  return run(
    validator('stac-item', () => byId(draft07Ajv(), STAC_ITEM_ID)),
    document,
    stacRules,
  );
}

export function validateStacCollection(document: unknown): CatalogValidation {
  return run(
    validator('stac-collection', () => byId(draft07Ajv(), STAC_COLLECTION_ID)),
    document,
    stacRules,
  );
}

/** Dispatches on the catalog kind of a `catalog.emitted` event and the document's own type. */
export function validateCatalogDocument(
  kind: 'dcat' | 'stac' | 'prov',
  document: unknown,
): CatalogValidation {
  const doc = (document ?? {}) as Record<string, unknown>;
  if (kind === 'prov') return validateProv(document);
  if (kind === 'dcat') {
    const isCatalog = doc['@type'] === 'dcat:Catalog' || Array.isArray(doc.dataset);
    return isCatalog ? validateDcatCatalog(document) : validateDcatDataset(document);
  }
  return doc.type === 'Collection' ? validateStacCollection(document) : validateStacItem(document);
}

/**
 * What the STAC core schema cannot say: bbox values are WGS 84 with south ≤ north (STAC Item spec,
 * "bbox"), an Item's geometry lies inside its bbox, and the file:* asset fields this project writes
 * have the File Info extension's types (checked here instead of fetching the extension schema).
 */
function stacRules(document: unknown): CatalogError[] {
  if (document === null || typeof document !== 'object') return [];
  const doc = document as {
    bbox?: unknown;
    geometry?: unknown;
    extent?: { spatial?: { bbox?: unknown } };
    assets?: unknown;
    stac_extensions?: unknown;
  };
  const errors: CatalogError[] = [];
  const boxes: [string, unknown][] = [['/bbox', doc.bbox]];
  const extentBoxes = doc.extent?.spatial?.bbox;
  if (Array.isArray(extentBoxes))
    for (const [i, b] of extentBoxes.entries()) boxes.push([`/extent/spatial/bbox/${i}`, b]);
  for (const [path, box] of boxes) errors.push(...bboxProblems(path, box));
  if (Array.isArray(doc.bbox) && doc.bbox.length === 4 && errors.length === 0 && doc.geometry) {
    const [w, s, e, n] = doc.bbox as number[];
    const inner = geoExtent([doc.geometry])?.bbox;
    if (inner !== undefined && w! <= e! && (inner[0] < w! || inner[1] < s! || inner[2] > e! || inner[3] > n!))
      errors.push({ path: '/geometry', message: 'must lie inside bbox' });
  }
  errors.push(...fileFieldProblems(doc.assets, doc.stac_extensions));
  return errors;
}

function bboxProblems(path: string, box: unknown): CatalogError[] {
  if (!Array.isArray(box) || (box.length !== 4 && box.length !== 6) || !box.every(Number.isFinite)) return [];
  const [w, s, e, n] = box.length === 4 ? box : [box[0], box[1], box[3], box[4]];
  const lonOk = (x: number) => x >= -180 && x <= 180;
  const latOk = (x: number) => x >= -90 && x <= 90;
  if (!lonOk(w) || !lonOk(e) || !latOk(s) || !latOk(n))
    return [{ path, message: 'must be WGS 84 (lon ±180, lat ±90)' }];
  return s > n ? [{ path, message: 'must have south <= north' }] : [];
}

function fileFieldProblems(assets: unknown, extensions: unknown): CatalogError[] {
  if (assets === null || typeof assets !== 'object') return [];
  const errors: CatalogError[] = [];
  const declared = Array.isArray(extensions) && extensions.includes(STAC_FILE_EXTENSION);
  let used = false;
  for (const [key, asset] of Object.entries(assets as Record<string, Record<string, unknown>>)) {
    const path = `/assets/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const checksum = asset?.['file:checksum'];
    const size = asset?.['file:size'];
    if (checksum !== undefined && !(typeof checksum === 'string' && /^(?:[0-9a-f]{2})+$/.test(checksum)))
      errors.push({ path: `${path}/file:checksum`, message: 'must be a multihash in lowercase hex' });
    if (size !== undefined && !(Number.isInteger(size) && (size as number) >= 0))
      errors.push({ path: `${path}/file:size`, message: 'must be a non-negative integer' });
    used ||= checksum !== undefined || size !== undefined;
  }
  if (used && !declared)
    errors.push({ path: '/stac_extensions', message: `must list ${STAC_FILE_EXTENSION}` });
  return errors;
}
