/**
 * Stream ids have the shape of Redis Streams entry ids, `<ms>-<seq>`: the millisecond the hub
 * accepted the message, and a counter within that millisecond. They increase strictly within an
 * epoch even if the wall clock steps back, and map one to one onto Redis entry ids.
 */
export interface StreamId {
  ms: number;
  seq: number;
}

/** Formats an id as `<ms>-<seq>`. */
export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

/** Parses `<ms>-<seq>`; returns `undefined` for anything else. */
export function parseId(text: string): StreamId | undefined {
  // Both parts in canonical decimal (no sign, no leading zero), each a safe integer.
  const parts = text.length > 40 ? null : /^(0|[1-9]\d*)-(0|[1-9]\d*)$/.exec(text);
  const ms = Number(parts?.[1]);
  const seq = Number(parts?.[2]);
  return Number.isSafeInteger(ms) && Number.isSafeInteger(seq) ? { ms, seq } : undefined;
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms;
}
