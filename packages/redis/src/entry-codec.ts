/**
 * The entry codec: how a record is stored as a Redis stream entry and read back.
 *
 * An entry has four fields, written by the append script (`lua.ts`): `p` the id of the entry
 * before it in the same epoch (`0-0` for an epoch's first entry), `e` the epoch, `h` the header
 * (`type US time US level US node US logger`, US = \x1f, the logger last and whole, so it may
 * contain US) and `d` the record's data. Redis's "no id" `0-0` becomes `null` here, once, when an
 * entry is parsed: everything above this file speaks of ids as `string | null`; `0-0` exists only
 * in Redis fields and XREAD positions ({@link toReadPosition}).
 */
import { RedisBackplaneErrorCode } from './errors.js';
import type { ErrorReporter } from './events.js';
import type { BackplaneEntry, BackplaneRecord } from './types.js';

/** Redis's "no id": the position before a stream's first entry. */
export const REDIS_NO_ID = '0-0';
/** Type of the entry that announces records dropped from a full backlog. */
export const MARKER_TYPE = 'dropped';
/** Separates the header fields of an entry (type, time, level, node, logger; the logger last, whole). */
const US = '\x1f';

/** A node name as stored in entry headers: the unit separator delimits header fields, so a name never holds one. */
export function headerSafeNode(node: string): string {
  return node.replaceAll(US, '_');
}

/** The `h` field of a record appended by `node` (a name made safe by {@link headerSafeNode}). */
export function encodeHeader(record: BackplaneRecord, node: string): string {
  return record.type + US + record.time + US + record.level + US + node + US + record.logger;
}

/** An id as the backplane's API speaks of it: Redis's `0-0` is `null` (no id). */
export function fromRedisId(id: string): string | null {
  return id === REDIS_NO_ID ? null : id;
}

/** The XREAD / XRANGE position after `id`; `null` (no id) is the start of the stream. */
export function toReadPosition(id: string | null): string {
  return id ?? REDIS_NO_ID;
}

/**
 * A stream entry as the backplane reads it, or `undefined` when it lacks the fields the append
 * script writes (a foreign entry; the caller reports and skips it). A marker entry parses with
 * `type` {@link MARKER_TYPE}.
 */
export function parseEntry(id: string, fields: readonly string[]): BackplaneEntry | undefined {
  let prev: string | undefined;
  let epoch: string | undefined;
  let header: string | undefined;
  let data: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1]!;
    switch (fields[i]) {
      case 'p':
        prev = value;
        break;
      case 'e':
        epoch = value;
        break;
      case 'h':
        header = value;
        break;
      case 'd':
        data = value;
        break;
      default:
        // A field this version does not know: skipped.
        break;
    }
  }
  return entryOf(id, prev, epoch, header, data);
}

/**
 * The entry of stream id `id` from its four fields (`p`, `e`, `h`, `d`), or `undefined` when one is
 * missing or the header is not one the append script writes.
 */
export function entryOf(
  id: string,
  prev: string | undefined,
  epoch: string | undefined,
  header: string | undefined,
  data: string | undefined,
): BackplaneEntry | undefined {
  if (prev === undefined || epoch === undefined || header === undefined || data === undefined) return undefined;
  // type US time US level US node US logger: the logger is last and kept whole.
  const a = header.indexOf(US);
  const b = a < 0 ? -1 : header.indexOf(US, a + 1);
  const c = b < 0 ? -1 : header.indexOf(US, b + 1);
  if (c < 0) return undefined;
  const d = header.indexOf(US, c + 1);
  const type = header.slice(0, a);
  if (type !== 'system_log' && type !== 'audit_log' && type !== MARKER_TYPE) return undefined;
  const time = Number(header.slice(a + 1, b));
  const level = Number(header.slice(b + 1, c));
  if (!Number.isFinite(time) || !Number.isFinite(level)) return undefined;
  // A header without the logger part (never written by the append script) reads as logger ''.
  const node = d < 0 ? header.slice(c + 1) : header.slice(c + 1, d);
  const logger = d < 0 ? '' : header.slice(d + 1);
  return { id, prev: fromRedisId(prev), epoch, node, type: type as BackplaneEntry['type'], time, level, logger, data };
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

/** {@link parseEntry}, reporting a foreign entry (`ERR_LOGWIRE_REDIS_MALFORMED`) before it is skipped. */
export function readEntry(stream: string, id: string, fields: readonly string[], report: ErrorReporter): BackplaneEntry | undefined {
  const entry = parseEntry(id, fields);
  if (!entry) reportForeign(stream, id, report);
  return entry;
}

/** Reports a foreign entry (`ERR_LOGWIRE_REDIS_MALFORMED`), which is then skipped. */
export function reportForeign(stream: string, id: string, report: ErrorReporter): void {
  report(RedisBackplaneErrorCode.Malformed, `entry ${id} of ${stream} lacks logwire fields; skipped`);
}
