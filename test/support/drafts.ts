/** Event drafts as writers hand them to `kfm append`: {type, dataset_id, run_id, payload}. */
export interface Draft {
  type: string;
  dataset_id: string;
  run_id: string;
  payload: Record<string, unknown>;
}

export const SHA_A = 'a'.repeat(64);

/** An extension event (`x.<namespace>.<name>` accepts any JSON object payload). */
export function note(dataset_id: string, run_id: string, text: string): Draft {
  return { type: 'x.test.note', dataset_id, run_id, payload: { text } };
}

/** A `raw.captured` event whose payload satisfies its schema. */
export function rawCaptured(dataset_id: string, run_id: string, name: string): Draft {
  return {
    type: 'raw.captured',
    dataset_id,
    run_id,
    payload: {
      capture_id: `cap_${name}`,
      path: `raw/${dataset_id}/${name}.csv`,
      sha256: SHA_A,
      bytes: 42,
      source_uri: `https://example.org/${name}.csv`,
    },
  };
}

export function toJsonLines(drafts: readonly unknown[]): string {
  return drafts.map((d) => `${JSON.stringify(d)}\n`).join('');
}
