import { formatId, parseId, type StreamId } from '@logwire/protocol';

/**
 * A place in the stream: a stream id in text and parsed form. Every {@link StreamMessage} is one; a
 * position that is not a message (the end of a backplane gap, a client's cursor) is just this.
 */
export interface Position {
  /** `<ms>-<seq>` stream id. */
  id: string;
  /** Parsed form of `id`, for ordering. */
  position: StreamId;
  /** How many messages the hub accepted (or restored) before the one at this id, when known. */
  ordinal?: number;
}

/** The position of a parsed id. */
export function positionOf(id: StreamId): Position {
  return { id: formatId(id), position: id };
}

/** The position of an id in text form, or `undefined` when it is not a stream id. */
export function parsePosition(id: string): Position | undefined {
  const position = parseId(id);
  return position === undefined ? undefined : { id, position };
}
