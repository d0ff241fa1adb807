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
  const dash = text.indexOf('-');
  if (dash <= 0 || dash === text.length - 1 || text.length > 40) return undefined;
  const ms = Number(text.slice(0, dash));
  const seq = Number(text.slice(dash + 1));
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq) || ms < 0 || seq < 0) return undefined;
  if (String(ms) !== text.slice(0, dash) || String(seq) !== text.slice(dash + 1)) return undefined;
  return { ms, seq };
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms;
}
