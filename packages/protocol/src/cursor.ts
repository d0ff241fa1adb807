import { parseId } from './stream-id.js';

/** Longest epoch a cursor may name, in characters. */
export const MAX_EPOCH_LENGTH = 64;

/**
 * The one stream cursor: where a reader stands in a stream, as the last id it covered (`<ms>-<seq>`)
 * in an epoch. Clients send it in `hello`, store it for a reload, and servers resume from it.
 */
export interface Cursor {
  epoch: string;
  id: string;
}

/**
 * Reads an untrusted cursor: an object with a string `epoch` of at most {@link MAX_EPOCH_LENGTH}
 * characters and a valid stream `id`. Returns a fresh `{ epoch, id }` (other properties dropped),
 * or `undefined`. Never throws.
 */
export function parseCursor(value: unknown): Cursor | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { epoch, id } = value as Record<string, unknown>;
  if (typeof epoch !== 'string' || epoch.length > MAX_EPOCH_LENGTH || typeof id !== 'string' || parseId(id) === undefined) return undefined;
  return { epoch, id };
}
