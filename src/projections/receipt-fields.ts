import { z } from 'zod';

/** Fields the receipt schemas share; the rest come from the event vocabulary they project. */

/** A ledger position: seq starts at 1 (docs/design.md, "Event envelope"). */
export const Seq = z.number().int().positive();

/** A count of things, zero included. */
export const Count = z.number().int().nonnegative();
