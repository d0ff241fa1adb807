import { randomBytes } from 'node:crypto';

/** Longest `X-Request-Id` taken from a request; longer ones are replaced by a generated id. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Letters, digits and `._:=+/-`: covers UUIDs, ULIDs and trace-style ids, but no spaces, quotes or control characters. */
const REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;

/**
 * The request id for a request: its `X-Request-Id` header when it is a single value of at most
 * {@link MAX_REQUEST_ID_LENGTH} safe characters, else a new id from {@link newRequestId}. The
 * check is linear in the bounded length, so a hostile header costs nothing more than reading it.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && header.length <= MAX_REQUEST_ID_LENGTH && REQUEST_ID.test(header)) return header;
  return newRequestId();
}

// Generated request ids are correlation ids, not secrets: they must be unique (within a process
// and, with overwhelming odds, across processes and restarts) and look like the UUIDs they always
// were, but nothing relies on them being unpredictable. So instead of `randomUUID()` per request
// (4 % of the process CPU of a logged request in bench/request-logging-instructions.mjs, most of
// it refilling its entropy cache) an id is a random per-process prefix of 74 bits, drawn from
// crypto.randomBytes, plus a 48-bit counter that starts at a random value:
// `pppppppp-pppp-4ppp-Vppp-cccccccccccc` (V is 8, 9, a or b), in the UUID v4 layout. When the
// counter has gone all the way round, a new prefix is drawn. Ids of one process are therefore
// sequential: whoever sees one can guess its neighbours — do not use them as tokens.
// The counter is two 24-bit halves so that both stay small integers, and its low half is written
// from a table of byte pairs: `Number#toString(16)` is a runtime call that cost more than the rest.
const HALF = 2 ** 24;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
let prefix = '';
/** The prefix and the counter's high half, as written. */
let base = '';
let high = 0;
let firstHigh = 0;
let low = HALF;

/** A new request id: unique, UUID-shaped, cheap (see above). */
export function newRequestId(): string {
  if (low === HALF) advance();
  const id = base + ((HEX[low >>> 16] as string) + (HEX[(low >>> 8) & 255] as string) + (HEX[low & 255] as string));
  low++;
  return id;
}

/** Moves to the counter's next high half; once it has come all the way round, draws a new prefix. */
function advance(): void {
  low = 0;
  high = (high + 1) % HALF;
  if (prefix === '' || high === firstHigh) drawPrefix();
  base = prefix + high.toString(16).padStart(6, '0');
}

function drawPrefix(): void {
  // Bytes 0–8: the prefix's 18 hex digits; 9–14: where the counter starts; 15: the variant's 2 bits.
  const bytes = randomBytes(16);
  const hex = bytes.toString('hex');
  const variant = (8 + ((bytes[15] as number) & 3)).toString(16);
  prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(12, 15)}-${variant}${hex.slice(15, 18)}-`;
  high = firstHigh = bytes.readUIntBE(9, 3);
  low = bytes.readUIntBE(12, 3);
}
