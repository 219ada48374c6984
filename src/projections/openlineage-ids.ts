import { sha1 } from '@noble/hashes/legacy.js';
import { ULID_PATTERN } from '../events/constants.js';

/**
 * OpenLineage run ids are UUIDs; kfm run ids are ULIDs or caller-given strings. The mapping is a
 * pure function of the id, so every export of a ledger names a run with the same UUID.
 */

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The namespace of UUIDv5s for run ids that are not ULIDs (RFC 9562 §5.5): fixed once, forever. */
const KFM_RUN_ID_NAMESPACE = '6f1c3e52-8a4b-4d0e-9b7a-2c5d1e0f4a93';
/** The namespace of UUIDv5s naming one stage of a run (several stages share a kfm run id). */
const KFM_STAGE_RUN_NAMESPACE = '0b9e4f1a-3c7d-4e25-8f60-71a2d4c5b8e6';

/**
 * A canonical (upper-case) ULID is 128 bits: its bytes written as a UUID, so the mapping is
 * one-to-one and reversible (ULID spec: 48-bit time then 80 random bits, Crockford base32). Other
 * ids, including lower-case ULIDs, which would otherwise share bytes with their upper-case form,
 * take a UUIDv5 of KFM_RUN_ID_NAMESPACE.
 */
export function runUuid(runId: string): string {
  if (ULID_PATTERN.test(runId) && runId[0]! <= '7') return formatUuid(ulidBytes(runId));
  return uuidV5(KFM_RUN_ID_NAMESPACE, runId);
}

/** The UUID of one stage run: the n-th `stage` of the kfm run `runId`, started at ledger seq `startedSeq`. */
export function stageRunUuid(runId: string, stage: string, startedSeq: number): string {
  return uuidV5(KFM_STAGE_RUN_NAMESPACE, `${runUuid(runId)}/${stage}/${startedSeq}`);
}

function ulidBytes(ulid: string): Uint8Array {
  let value = 0n;
  for (const char of ulid) value = (value << 5n) | BigInt(CROCKFORD.indexOf(char));
  const bytes = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    bytes[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return bytes;
}

/** RFC 9562 §5.5: SHA-1 of namespace bytes ‖ name (UTF-8), first 16 bytes, version 5, variant 10. */
export function uuidV5(namespace: string, name: string): string {
  const ns = Uint8Array.from(namespace.replace(/-/g, '').match(/../g)!, (h) => Number.parseInt(h, 16));
  const text = new TextEncoder().encode(name);
  const input = new Uint8Array(ns.length + text.length);
  input.set(ns);
  input.set(text, ns.length);
  const bytes = sha1(input).slice(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
