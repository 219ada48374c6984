import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KfmError } from '../../errors.js';
import { isUtf8Label, utf8Text } from '../../events/utf8.js';
import { isType } from '../../projections/ledger-event.js';
import type { TransformContext, TransformInput } from '../define-connector.js';
import type { StageScope } from '../stage-scope.js';
import { DECLARE_ENCODING } from '../validation/read-records.js';

export interface TransformSummary {
  artifacts: string[];
  transforms: string[];
}

/** The run's raw captures, readable, as a transform's inputs. */
export async function transformInputs(scope: StageScope): Promise<TransformInput[]> {
  const rawDir = join(scope.layout.raw, scope.request.dataset_id);
  const encoding = scope.entry?.upstream?.encoding ?? 'utf-8';
  return (await scope.runEvents())
    .filter((e) => isType(e, 'raw.captured'))
    .map((e) => {
      const { path, sha256 } = e.payload as { path: string; sha256: string };
      const read = () => readFile(join(rawDir, path));
      return { path, sha256, read, text: async () => decodeCapture(path, await read(), encoding) };
    });
}

function decodeCapture(path: string, bytes: Uint8Array, encoding: string): string {
  if (isUtf8Label(encoding)) return utf8Text(`raw capture ${path}`, bytes, DECLARE_ENCODING);
  try {
    return new TextDecoder(encoding, { fatal: true }).decode(bytes);
  } catch {
    throw new KfmError('INVALID_INPUT', `raw capture ${path}: not valid ${encoding} (upstream.encoding)`, {
      details: { file: path },
    });
  }
}

/** work → work: the connector's deterministic transform; every output and every governed change recorded. */
export async function transform(scope: StageScope): Promise<TransformSummary> {
  const summary: TransformSummary = { artifacts: [], transforms: [] };
  if (scope.connector.transform === undefined) {
    scope.log.info('this connector has no transform: the raw captures are the outputs');
    return summary;
  }
  const ds = scope.request.dataset_id;
  // Without a registry entry every registry fact counts as missing: checks fail closed.
  const entry = scope.entry ?? { dataset_id: scope.request.dataset_id };
  // `applied` is synchronous for connectors: its events are appended in call order, each after the
  // ones before it, and every one is in the ledger before the stage goes on.
  let recorded: Promise<unknown> = Promise.resolve();
  const inOrder = (append: () => Promise<void>): Promise<unknown> => {
    recorded = recorded.then(append);
    // Handled here so a failure waits for the await below instead of ending the process.
    recorded.catch(() => undefined);
    return recorded;
  };
  const context: TransformContext = {
    inputs: await transformInputs(scope),
    registry: {
      ...(entry.sensitivity === undefined ? {} : { sensitivity: entry.sensitivity }),
      ...(entry.generalization === undefined ? {} : { generalization: entry.generalization }),
    },
    write: async (name, data, derivedFrom) => {
      const path = `runs/${scope.run_id}/artifacts/${name}`;
      const digest = await scope.writer.writeFile('work', `${ds}/${path}`, data);
      await inOrder(async () => {
        const seq = await scope.record('work.artifact.written', {
          path,
          sha256: digest.sha256,
          bytes: digest.bytes,
          derived_from: derivedFrom,
        });
        scope.log.info(`wrote ${path}`, { seq });
        summary.artifacts.push(path);
      });
      return path;
    },
    applied: (record) => {
      void inOrder(async () => {
        const seq = await scope.record('transform.applied', record);
        scope.log.info(`applied ${record.name}`, { seq });
        summary.transforms.push(record.name);
      });
    },
  };
  await scope.connector.transform(context);
  await recorded;
  return summary;
}
