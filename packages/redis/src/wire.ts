/**
 * What the backplane's entries and gaps look like outside it: the wire frames a hub sends for
 * them (built by `@logwire/protocol`'s frame builders), and the hub's own message shape (`@logwire/server`).
 */
import { gapFrame, logFrame, parseId } from '@logwire/protocol';
import type { StreamMessage } from '@logwire/server';
import type { BackplaneEntry, Gap } from './types.js';

/**
 * The wire `gap` message for a gap (`{"type":"gap","data":{from,to,reason,count?,epoch?}}`, see
 * `GapMessage` in `@logwire/protocol`). `to` is the last missing id, `null` for the start of a new epoch.
 */
export function toGapFrame(gap: Gap): string {
  return gapFrame(gap);
}

/** The wire frame of an entry, byte for byte what `@logwire/server`'s hub sends for a message. */
export function toFrame(entry: BackplaneEntry): string {
  return logFrame(entry.type, entry.id, entry.data);
}

/**
 * An entry in the shape of `@logwire/server`'s `StreamMessage`, so a hub can take Redis-assigned
 * ids into its ring and fan-out unchanged.
 */
export function toStreamMessage(entry: BackplaneEntry): StreamMessage {
  const { id, type, time, level, logger, data } = entry;
  const position = entry.position ?? parseId(id) ?? { ms: 0, seq: 0 };
  return { id, position, type, time, level, logger, data, frame: entry.frame ?? toFrame(entry) };
}
