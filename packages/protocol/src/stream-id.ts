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
  // Both parts in canonical decimal (no sign, no leading zero), each a safe integer. Read digit
  // by digit: ids are parsed for every message a backplane delivers, and this makes no strings.
  const length = text.length;
  if (length > 40) return undefined;
  const dash = text.indexOf('-');
  const ms = decimalAt(text, 0, dash);
  const seq = dash < 0 ? NaN : decimalAt(text, dash + 1, length);
  return Number.isSafeInteger(ms) && Number.isSafeInteger(seq) ? { ms, seq } : undefined;
}

/** The canonical decimal `text[from, to)` (digits only, no leading zero), or NaN. */
function decimalAt(text: string, from: number, to: number): number {
  if (to <= from || (to - from > 1 && text.charCodeAt(from) === 0x30)) return NaN;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return value;
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms === b.ms ? a.seq - b.seq : a.ms - b.ms;
}
