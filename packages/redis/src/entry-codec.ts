/**
 * The entry codec: how a batch of records is stored as ONE Redis stream entry, and read back as
 * records with ids of their own.
 *
 * An entry has five fields, written by the append script (`lua.ts`): `p` the id of the record
 * before the batch in the same epoch (`0-0` for an epoch's first record), `e` the epoch, `n` the
 * node that appended it, `l` the byte lengths of each record's header and data (comma-separated,
 * two per record) and `b` the records packed in one string: per record its header
 * (`type US time US level US logger`, US = \x1f, the logger last and whole, so it may contain US),
 * then its data.
 *
 * **Record ids.** The append script gives the entry the id of its LAST record, `<ms>-<s>`, and
 * reserves the ids before it in the same millisecond for the others: the batch's `k` records are
 * `<ms>-<s-k+1>` … `<ms>-<s>`, and the next entry's ids are all above `<ms>-<s>`. So every record
 * has a stable Redis-ordered id (the wire cursor), each links to the one before it (the first to
 * `p`), and a position after any record id is a valid `XREAD` / `XRANGE` start: the entry holding
 * the records after it is the first entry with a greater id (records at or before the position in
 * that entry are skipped, {@link recordsAfter}).
 *
 * Redis's "no id" `0-0` becomes `null` here, once, when an entry is parsed: everything above this
 * file speaks of ids as `string | null`; `0-0` exists only in Redis fields and XREAD positions
 * ({@link toReadPosition}).
 */
import { isAscii } from 'node:buffer';
import { logFrame } from '@logwire/protocol';
import type { StreamMessage } from '@logwire/server';
import { RedisBackplaneErrorCode } from './errors.js';
import type { ErrorReporter } from './events.js';
import type { BackplaneEntry, BackplaneRecord } from './types.js';

/** Redis's "no id": the position before a stream's first entry. */
export const REDIS_NO_ID = '0-0';
/** Type of the record that announces records dropped from a full backlog. */
export const MARKER_TYPE = 'dropped';
/** Separates the header fields of a record (type, time, level, logger; the logger last, whole). */
const US = '\x1f';
const US_BYTE = 0x1f;

/** A node name as stored in entries (kept free of the unit separator, which delimits headers in other tools' views). */
export function headerSafeNode(node: string): string {
  return node.replaceAll(US, '_');
}

/** An id as the backplane's API speaks of it: Redis's `0-0` is `null` (no id). */
export function fromRedisId(id: string): string | null {
  return id === REDIS_NO_ID ? null : id;
}

/** The XREAD / XRANGE position after `id`; `null` (no id) is the start of the stream. */
export function toReadPosition(id: string | null): string {
  return id ?? REDIS_NO_ID;
}

/** A stream entry's raw reply: its id and field/value pairs, as Buffers (`XREAD` / `XRANGE` via `callBuffer`). */
export type RawEntry = [id: Buffer | string, fields: ReadonlyArray<Buffer | string>];

/**
 * The records a reader already holds for an entry stored as `lengths` and `blob` (its own batch,
 * see `own-batches.ts`), or `undefined`: then the entry is decoded.
 */
export type KnownRecords = (lengths: Buffer, blob: Buffer) => readonly BackplaneRecord[] | undefined;

/**
 * A record as the readers make it: an entry that is also a hub's message (`StreamMessage` of
 * `@logwire/server`: its parsed `position`, its wire `frame`, an empty `ordinal` the hub fills in),
 * so the hub keeps the very object (no second object, no id parsed again per record).
 */
export type ReadEntry = BackplaneEntry &
  Pick<StreamMessage, 'position' | 'frame'> & {
    /** Present on every entry (`undefined` until a hub fills it in), so all have one shape. */
    ordinal: number | undefined;
  };

/** A {@link ReadEntry}, every one built here so all have the same shape. */
function readEntry(
  id: string,
  ms: number,
  seq: number,
  prev: string | null,
  epoch: string,
  node: string,
  type: BackplaneEntry['type'],
  time: number,
  level: number,
  logger: string,
  data: string,
): ReadEntry {
  // A marker's frame is never sent (markers become gaps), but every entry has one: one shape.
  const frame = logFrame(type, id, data);
  return { id, position: { ms, seq }, prev, epoch, node, type, time, level, logger, data, frame, ordinal: undefined };
}

/**
 * The records of a stream entry, oldest first, or `undefined` when the entry lacks the fields the
 * append script writes or they do not add up (a foreign entry; the caller reports and skips it).
 * A drop marker parses as a record of `type` {@link MARKER_TYPE}. With `known`, an entry holding
 * records the reader already has takes their values instead of decoding them.
 */
export function parseEntry(rawId: Buffer | string, fields: ReadonlyArray<Buffer | string>, known?: KnownRecords): ReadEntry[] | undefined {
  const id = typeof rawId === 'string' ? rawId : rawId.toString('latin1');
  let prev: string | undefined;
  let epoch: string | undefined;
  let node: string | undefined;
  let lengths: Buffer | undefined;
  let blob: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const name = fields[i]!;
    const value = fields[i + 1]!;
    if (name.length !== 1) continue; // a field this version does not know: skipped
    switch (typeof name === 'string' ? name : String.fromCharCode(name[0]!)) {
      case 'p':
        prev = value.toString('latin1');
        break;
      case 'e':
        epoch = value.toString();
        break;
      case 'n':
        node = value.toString();
        break;
      case 'l':
        lengths = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
        break;
      case 'b':
        blob = typeof value === 'string' ? Buffer.from(value) : value;
        break;
      default:
        break;
    }
  }
  if (prev === undefined || epoch === undefined || node === undefined || lengths === undefined || blob === undefined) return undefined;
  const held = known?.(lengths, blob);
  if (held !== undefined) return heldRecordsOf(id, fromRedisId(prev), epoch, node, held);
  return recordsOf(id, fromRedisId(prev), epoch, node, lengths, blob);
}

/** The entries of records stored byte for byte as the reader holds them (see {@link KnownRecords}). */
function heldRecordsOf(
  id: string,
  prev: string | null,
  epoch: string,
  node: string,
  held: readonly BackplaneRecord[],
): ReadEntry[] | undefined {
  const dash = id.indexOf('-');
  const ms = id.slice(0, dash);
  // The numbers too: the hub's message takes its position from them (no parse per record).
  const msValue = Number(ms);
  const last = Number(id.slice(dash + 1));
  const count = held.length;
  if (dash <= 0 || !Number.isSafeInteger(msValue) || !Number.isSafeInteger(last) || count === 0 || last - count + 1 < 0) return undefined;
  const records: ReadEntry[] = new Array<ReadEntry>(count);
  let link = prev;
  for (let r = 0; r < count; r++) {
    const { type, time, level, logger, data } = held[r]!;
    const seq = last - count + 1 + r;
    const recordId = `${ms}-${seq}`;
    records[r] = readEntry(recordId, msValue, seq, link, epoch, node, type, time, level, logger, data);
    link = recordId;
  }
  return records;
}

function recordsOf(id: string, prev: string | null, epoch: string, node: string, lengths: Buffer, blob: Buffer): ReadEntry[] | undefined {
  const dash = id.indexOf('-');
  const ms = id.slice(0, dash);
  // The numbers too: the hub's message takes its position from them (no parse per record).
  const msValue = Number(ms);
  const last = Number(id.slice(dash + 1));
  // Two lengths per record, comma-separated: as many commas as 2 × records − 1.
  let commas = 0;
  for (let i = 0; i < lengths.length; i++) if (lengths[i] === COMMA) commas++;
  const count = (commas + 1) / 2;
  if (
    dash <= 0 ||
    !Number.isSafeInteger(msValue) ||
    !Number.isSafeInteger(last) ||
    lengths.length === 0 ||
    !Number.isInteger(count) ||
    last - count + 1 < 0
  )
    return undefined;
  const records: ReadEntry[] = new Array<ReadEntry>(count);
  const text = isAscii(blob) ? new AsciiText(blob) : undefined;
  const next = { at: 0 };
  let link = prev;
  let at = 0;
  // A batch's records mostly share a few logger names: the last one's string is reused when the
  // next record's logger bytes are the same (no new string per record).
  let logger = '';
  let loggerAt = 0;
  let loggerLength = -1;
  for (let r = 0; r < count; r++) {
    const headerLength = readLength(lengths, next);
    const dataLength = readLength(lengths, next);
    if (!(headerLength >= 0 && dataLength >= 0 && at + headerLength + dataLength <= blob.length)) return undefined;
    const end = at + headerLength;
    // type US time US level US logger: the logger is last and kept whole. Read byte by byte: no
    // strings are made for the type, time and level.
    const a = indexOfUs(blob, at, end);
    const b = a < 0 ? -1 : indexOfUs(blob, a + 1, end);
    const c = b < 0 ? -1 : indexOfUs(blob, b + 1, end);
    if (c < 0) return undefined;
    const type = typeAt(blob, at, a);
    if (type === undefined) return undefined;
    const time = numberAt(blob, a + 1, b);
    const level = numberAt(blob, b + 1, c);
    if (!Number.isFinite(time) || !Number.isFinite(level)) return undefined;
    if (end - (c + 1) !== loggerLength || !sameBytes(blob, loggerAt, c + 1, loggerLength)) {
      logger = text !== undefined ? text.slice(c + 1, end) : blob.toString('utf8', c + 1, end);
      loggerLength = end - (c + 1);
    }
    loggerAt = c + 1;
    const data = text !== undefined ? text.slice(end, (at = end + dataLength)) : blob.toString('utf8', end, (at = end + dataLength));
    const seq = last - count + 1 + r;
    const recordId = `${ms}-${seq}`;
    records[r] = readEntry(recordId, msValue, seq, link, epoch, node, type, time, level, logger, data);
    link = recordId;
  }
  return at === blob.length && next.at >= lengths.length ? records : undefined;
}

/** Bytes of an all-ASCII batch made into one string at a time: below V8's large-object size (such strings cost 10x more to make). */
const TEXT_CHUNK = 32 * 1024;

/**
 * The text of an all-ASCII batch (the usual one: characters are bytes), made a chunk of many
 * records at a time; each record's logger and data are slices of a chunk: one native call and one
 * copy per chunk instead of one per record. (A slice keeps its chunk alive while it lives.)
 */
class AsciiText {
  readonly #blob: Buffer;
  #text = '';
  #from = 0;
  #to = 0;

  constructor(blob: Buffer) {
    this.#blob = blob;
  }

  /** `blob[from, to)` as a string. */
  slice(from: number, to: number): string {
    if (from < this.#from || to > this.#to) {
      this.#from = from;
      this.#to = Math.min(this.#blob.length, Math.max(to, from + TEXT_CHUNK));
      this.#text = this.#blob.toString('latin1', this.#from, this.#to);
    }
    return this.#text.slice(from - this.#from, to - this.#from);
  }
}

const COMMA = 0x2c;
const TYPES: ReadonlyArray<[Buffer, BackplaneEntry['type']]> = (['system_log', 'audit_log', MARKER_TYPE] as const).map((name) => [
  Buffer.from(name, 'latin1'),
  name as BackplaneEntry['type'],
]);

/** The next comma-separated decimal length from `next.at` (`-1` when there is none). */
function readLength(lengths: Buffer, next: { at: number }): number {
  let value = 0;
  let digits = 0;
  let i = next.at;
  for (; i < lengths.length && lengths[i] !== COMMA; i++) {
    const digit = lengths[i]! - 0x30;
    if (digit < 0 || digit > 9 || ++digits > 15) return -1;
    value = value * 10 + digit;
  }
  next.at = i + 1;
  return digits > 0 ? value : -1;
}

/** Whether `blob[a, a + length)` and `blob[b, b + length)` hold the same bytes (for short runs: a logger name). */
function sameBytes(blob: Buffer, a: number, b: number, length: number): boolean {
  if (length > 64) return blob.compare(blob, a, a + length, b, b + length) === 0;
  for (let i = 0; i < length; i++) if (blob[a + i] !== blob[b + i]) return false;
  return true;
}

/** Position of the next unit separator in `blob[from, end)`, or -1. */
function indexOfUs(blob: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) if (blob[i] === US_BYTE) return i;
  return -1;
}

/** The record type spelled by `blob[from, to)`, or `undefined` (compared byte by byte: a type is a few bytes, a native call costs more). */
function typeAt(blob: Buffer, from: number, to: number): BackplaneEntry['type'] | undefined {
  for (const [bytes, type] of TYPES) {
    if (to - from !== bytes.length) continue;
    let i = 0;
    while (i < bytes.length && blob[from + i] === bytes[i]) i++;
    if (i === bytes.length) return type;
  }
  return undefined;
}

/** The number written (by `String(number)`) in `blob[from, to)`: digits read directly, anything else parsed by `Number`. */
function numberAt(blob: Buffer, from: number, to: number): number {
  if (to <= from) return NaN;
  if (to - from <= 15) {
    let value = 0;
    let i = from;
    for (; i < to; i++) {
      const digit = blob[i]! - 0x30;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
    }
    if (i === to) return value;
  }
  return Number(blob.toString('latin1', from, to));
}

/**
 * The records of an entry that come after the read position `after` (`null`: all): an entry read
 * after a record id in its middle also holds that record and the ones before it.
 */
export function recordsAfter<T extends BackplaneEntry>(records: T[], after: string | null | undefined): T[] {
  if (after === null || after === undefined || records.length === 0) return records;
  const dash = after.indexOf('-');
  const ms = after.slice(0, dash);
  const seq = Number(after.slice(dash + 1));
  const first = records[0]!.id;
  // Every record of an entry has the entry's millisecond; the entry's id is above `after`.
  if (!first.startsWith(ms + '-')) return records;
  const firstSeq = Number(first.slice(ms.length + 1));
  return firstSeq > seq ? records : records.slice(seq - firstSeq + 1);
}

/** Whether `entry` is a drop marker, not a message. */
export function isMarker(entry: BackplaneEntry): boolean {
  return entry.type === (MARKER_TYPE as string);
}

/** Whether a value handed to `append()` is a record the backplane can store. */
export function isRecord(value: unknown): value is BackplaneRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const typed = r.type === 'system_log' || r.type === 'audit_log';
  return typed && typeof r.data === 'string' && typeof r.logger === 'string' && Number.isFinite(r.time) && Number.isFinite(r.level);
}

/** One entry of a reply, as the readers see it: its id and its records, or no records for a foreign entry. */
export interface ReadItem {
  /** The entry's id (its last record's). */
  id: string;
  /** Its records after the read position, oldest first (linked one to the next); `undefined` for a foreign entry. */
  records: ReadEntry[] | undefined;
}

/**
 * The read items of a raw `XREAD` / `XRANGE` reply's entries, records after `after` only: one per
 * entry (none for an entry with no record after `after`), and one without records for each
 * foreign entry, which is reported (`ERR_LOGWIRE_REDIS_MALFORMED`) and skipped by the continuity checks.
 */
export function readItems(
  stream: string,
  raw: readonly RawEntry[],
  after: string | null | undefined,
  report: ErrorReporter,
  known?: KnownRecords,
): ReadItem[] {
  const items: ReadItem[] = [];
  for (let i = 0; i < raw.length; i++) {
    const [rawId, fields] = raw[i]!;
    const parsed = parseEntry(rawId, fields, known);
    if (!parsed) {
      const id = rawId.toString();
      reportForeign(stream, id, report);
      items.push({ id, records: undefined });
      continue;
    }
    // Only the first entry can hold records at or before `after`.
    const records = i === 0 ? recordsAfter(parsed, after) : parsed;
    if (records.length > 0) items.push({ id: records[records.length - 1]!.id, records });
  }
  return items;
}

/** Reports a foreign entry (`ERR_LOGWIRE_REDIS_MALFORMED`), which is then skipped. */
export function reportForeign(stream: string, id: string, report: ErrorReporter): void {
  report(RedisBackplaneErrorCode.Malformed, `entry ${id} of ${stream} lacks logwire fields; skipped`);
}
