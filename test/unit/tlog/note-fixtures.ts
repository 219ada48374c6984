import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { newEd25519Seed, nodeEd25519 } from '../../../src/tlog/node-ed25519.js';
import {
  formatSignerKey,
  type NoteSigner,
  type NoteVerifier,
  parseSignerKey,
  parseVerifierKey,
} from '../../../src/tlog/note-keys.js';

const C2SP = join(import.meta.dirname, '../../vectors/c2sp');

/** A C2SP spec from test/vectors/c2sp/, as text. */
export function c2spSpec(name: string): string {
  return readFileSync(join(C2SP, `${name}.md`), 'utf8');
}

/** The body of the first ``` fenced block after `marker` in a spec, with its final newline. */
export function fencedAfter(spec: string, marker: string): string {
  const from = spec.indexOf(marker);
  const open = spec.indexOf('```\n', from);
  const close = spec.indexOf('\n```', open + 4);
  if (from < 0 || open < 0 || close < 0) throw new Error(`no fenced block after ${marker}`);
  return spec.slice(open + 4, close + 1);
}

export interface TestKey {
  skey: string;
  vkey: string;
  signer: NoteSigner;
  verifier: NoteVerifier;
}

/** A fresh Ed25519 key of `name`, through the same text forms `kfm key generate` writes. */
export function newTestKey(name: string): TestKey {
  const skey = formatSignerKey(name, newEd25519Seed(), nodeEd25519);
  const signer = parseSignerKey(skey, nodeEd25519);
  if (!signer.ok) throw new Error(signer.message);
  const verifier = parseVerifierKey(signer.key.vkey, nodeEd25519);
  if (!verifier.ok) throw new Error(verifier.message);
  return { skey, vkey: signer.key.vkey, signer: signer.key, verifier: verifier.key };
}
