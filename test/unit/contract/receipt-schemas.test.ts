import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { checkReceiptSchema, receiptSchemaOf } from '../../../src/audit/check-receipt-schemas.js';
import { projectAllFiles } from '../../../src/contract/projected-files.js';
import {
  RECEIPT_SCHEMA_NAMES,
  renderReceiptSchema,
  schemaId,
  schemaPath,
} from '../../../src/contract/receipt-schemas.js';
import { nobleSha256Hex } from '../../../src/ledger/pure/event-hash.js';
import { AUDIT_DS } from '../../support/audit-history.js';
import { ledgerEvents } from '../../support/ledger-events.js';
import { receiptValidator, SCHEMAS_DIR, schemaFiles } from '../../support/receipt-validator.js';
import { historyPlan, honestHistory } from '../../support/run-histories.js';

describe('the committed schemas/', () => {
  it('holds exactly what npm run schemas generates from the zod sources (run it and commit on a diff)', () => {
    expect(schemaFiles()).toEqual(
      RECEIPT_SCHEMA_NAMES.map((n) => schemaPath(n).slice('schemas/'.length)).sort(),
    );
    for (const name of RECEIPT_SCHEMA_NAMES) {
      const committed = readFileSync(join(SCHEMAS_DIR, '..', schemaPath(name)), 'utf8');
      expect(committed, schemaPath(name)).toBe(renderReceiptSchema(name));
    }
  });

  it('gives each schema a stable $id that its file path mirrors, in draft 2020-12', () => {
    for (const name of RECEIPT_SCHEMA_NAMES) {
      const schema = JSON.parse(renderReceiptSchema(name)) as Record<string, unknown>;
      expect(schema.$id).toBe(`https://kfm.local/schemas/${name}/v1.json`);
      expect(schema.$id).toBe(schemaId(name));
      expect(schemaPath(name)).toBe(`schemas/${name}/v1.json`);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
  });
});

/** Every receipt the replay of a history yields, parsed, with the schema it must satisfy. */
function replayedReceipts(drafts: Parameters<typeof ledgerEvents>[1]) {
  return projectAllFiles(ledgerEvents(AUDIT_DS, drafts), nobleSha256Hex).flatMap((file) => {
    const schema = receiptSchemaOf(file);
    if (schema === undefined) return [];
    const document: unknown = file.path.endsWith('.yml') ? parseYaml(file.content) : JSON.parse(file.content);
    return [{ file, schema, document }];
  });
}

/** Every path into a JSON value (objects and arrays), the empty path included. */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return [prefix, ...keys.flatMap((k) => pathsOf((value as Record<string, unknown>)[k], [...prefix, k]))];
}

function replaceAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string | number, unknown>;
  target[path.at(-1)!] = replacement;
  return copy;
}

describe('the receipts of any honest history', () => {
  const validate = receiptValidator();

  it('satisfy both the zod source and the committed schema files', () => {
    fc.assert(
      fc.property(historyPlan, (plan) => {
        for (const { file, schema, document } of replayedReceipts(honestHistory(plan))) {
          expect(checkReceiptSchema(schema, file.path, file.content, 'replay'), file.path).toBeNull();
          expect(validate(schema, document), file.path).toEqual([]);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('are judged alike by the zod source and by Ajv with the schema files when a field is replaced', () => {
    fc.assert(
      fc.property(
        historyPlan,
        fc.nat(),
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        (plan, pick, at, replacement) => {
          // The one refinement a JSON Schema cannot say (vocabulary.ts refuses a "__proto__" key).
          fc.pre(!JSON.stringify(replacement).includes('"__proto__"'));
          const receipts = replayedReceipts(honestHistory(plan));
          const { file, schema, document } = receipts[pick % receipts.length]!;
          const paths = pathsOf(document);
          const changed = replaceAt(document, paths[at % paths.length]!, replacement);
          const zodSays = checkReceiptSchema(schema, file.path, JSON.stringify(changed), 'file') === null;
          expect(validate(schema, changed).length === 0, JSON.stringify(changed)).toBe(zodSays);
        },
      ),
      { numRuns: 200 },
    );
  });
});
