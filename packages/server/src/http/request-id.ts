import { randomUUID } from 'node:crypto';

/** Longest `X-Request-Id` taken from a request; longer ones are replaced by a generated id. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Letters, digits and `._:=+/-`: covers UUIDs, ULIDs and trace-style ids, but no spaces, quotes or control characters. */
const REQUEST_ID = /^[A-Za-z0-9._:=+/-]{1,128}$/;

/**
 * The request id for a request: its `X-Request-Id` header when it is a single value of at most
 * {@link MAX_REQUEST_ID_LENGTH} safe characters, else a new random UUID. The check is linear in
 * the bounded length, so a hostile header costs nothing more than reading it.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && header.length <= MAX_REQUEST_ID_LENGTH && REQUEST_ID.test(header)) return header;
  return randomUUID();
}
