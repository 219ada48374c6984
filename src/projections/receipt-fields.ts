import { z } from 'zod';
import { Sha256Hex } from '../events/index.js';

/** Fields the receipt schemas share; the rest come from the event vocabulary they project. */

/** A ledger position: seq starts at 1 (docs/design.md, "Event envelope"). */
export const Seq = z.number().int().positive();

/** A count of things, zero included. */
export const Count = z.number().int().nonnegative();

/** A chain head: the last seq and its hash (seq 0 and the genesis hash for an empty ledger). */
export const LedgerHead = z.strictObject({ seq: Count, hash: Sha256Hex });

/** A link of the governed API, path-absolute so it is right behind any host name or proxy. */
export const ApiPath = z.string().regex(/^\//);
