import type { LevelName, LogType } from '@logwire/protocol';
import type { Redactor } from '../redact/redactor.js';
import type { Callsite } from './callsite.js';
import { fitString, TRUNCATED_FIELD, withRecordBudget } from './record-size.js';
import { quoteJson, safeStringify } from './serialize.js';

/** A formatted record on its way to the hub: routing fields plus the JSON text of `data`. */
export interface LogEntry {
  type: LogType;
  /** Milliseconds since the epoch when the record was made. */
  time: number;
  /** Numeric level (TRACE 5 … CRITICAL 50). */
  level: number;
  logger: string;
  /** JSON text of the message's `data` object, exactly as it goes on the wire and to disk. */
  data: string;
  /**
   * `data` is known to hold printable ASCII only (U+0020–U+007E): the console then has no terminal
   * control to look for. Absent when not known.
   */
  plain?: boolean;
}

/** Arbitrary structured fields attached to a record. */
export type Fields = Record<string, unknown>;

/** Extra fields with these names would overwrite a system_log field, so they go under `extra` (and `category` when records carry one). */
const RESERVED = new Set(['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line', 'extra', TRUNCATED_FIELD]);

/** What the formatter knows about an extra field's key, decided once per key (and redactor). */
export interface KeyEntry {
  /** `,"key":` — the key quoted and escaped, ready to append. */
  readonly prefix: string;
  /** Goes under `extra` (a seed field's name). */
  readonly reserved: boolean;
  /** A secret key (or a top-level path rule) of the redactor: its value is written as `censored`. */
  readonly secret: boolean;
  /** The censor as JSON. */
  readonly censored: string;
}

/**
 * Key entries per redactor (and one table without redaction). Records reuse a small vocabulary of
 * keys, so quoting and classifying each key once saves a `JSON.stringify` and two lookups per field.
 * Bounded: a stream of distinct keys only empties a table.
 */
const KEY_TABLE_LIMIT = 2048;
/** Longer keys are quoted per call instead of remembered. */
const MAX_TABLE_KEY_LENGTH = 128;
const plainKeys = new Map<string, KeyEntry>();
const redactorKeys = new WeakMap<Redactor, Map<string, KeyEntry>>();

function keyTable(redactor: Redactor | undefined): Map<string, KeyEntry> {
  if (redactor === undefined) return plainKeys;
  let table = redactorKeys.get(redactor);
  if (table === undefined) {
    table = new Map();
    redactorKeys.set(redactor, table);
  }
  return table;
}

/** What the formatter knows about `key` under `redactor`: the same entry the field loop of {@link formatSystemData} uses. */
export function keyEntry(redactor: Redactor | undefined, key: string): KeyEntry {
  const table = keyTable(redactor);
  return table.get(key) ?? learnKey(table, key, redactor);
}

function learnKey(table: Map<string, KeyEntry>, key: string, redactor: Redactor | undefined): KeyEntry {
  const secret = redactor !== undefined && (redactor.isSecretKey(key) || (redactor.hasPaths && redactor.matchesPath([key])));
  const entry: KeyEntry = {
    prefix: ',' + JSON.stringify(key) + ':',
    reserved: RESERVED.has(key),
    secret,
    censored: redactor === undefined ? '' : JSON.stringify(redactor.censor),
  };
  // Only keys of ordinary length are kept: the table's memory stays bounded by entries × length.
  if (key.length > MAX_TABLE_KEY_LENGTH) return entry;
  if (table.size >= KEY_TABLE_LIMIT) table.clear();
  table.set(key, entry);
  return entry;
}

/**
 * The `data` JSON of a `system_log`: the seven seed fields, `category` when categories are
 * configured, then every extra field at the top level. Extras whose names are reserved are kept,
 * nested under `extra`, never overwriting a seed field. The message and every extra pass the
 * redactor, when there is one. Longer than `maxRecordBytes` characters, the record is cut to fit
 * and marked (see record-size.ts).
 */
export function formatSystemData(
  time: number,
  level: LevelName,
  logger: string,
  message: string,
  site: Callsite,
  fields: Fields | undefined,
  redactor?: Redactor,
  category?: string,
  maxRecordBytes = Number.POSITIVE_INFINITY,
): string {
  return flattened(withRecordBudget(maxRecordBytes, () => systemJson(time, level, logger, message, site, fields, redactor, category)));
}

/**
 * `json` made one flat string in place. V8 keeps a string built with `+` as a tree of its pieces
 * until something reads it whole; a record's text is read whole twice (the console line and the
 * UTF-8 copy into the replay history), and each read would walk the tree again. Reading one
 * character flattens it once, and both reads then copy one piece.
 */
export function flattened(json: string): string {
  // V8 keeps this read even when its value is unused (checked under cachegrind: ~4k instructions fewer per record).
  json.charCodeAt(0);
  return json;
}

function systemJson(
  time: number,
  level: LevelName,
  logger: string,
  message: string,
  site: Callsite,
  fields: Fields | undefined,
  redactor: Redactor | undefined,
  category: string | undefined,
): string {
  let json =
    recordHead(time, level, logger, message, redactor) +
    ',"module":' +
    quoteJson(site.module) +
    ',"function":' +
    quoteJson(site.function) +
    ',"line":' +
    site.line;
  if (category !== undefined) json += ',"category":' + quoteJson(category);
  if (fields !== undefined) {
    const keys = keyTable(redactor);
    let clashes: Fields | undefined;
    for (const key of keysOf(fields)) {
      const value = readField(fields, key);
      if (value === undefined) continue;
      const entry = keys.get(key) ?? learnKey(keys, key, redactor);
      if (entry.reserved || (category !== undefined && key === 'category')) {
        clashes ??= {};
        Object.defineProperty(clashes, key, { value, enumerable: true, writable: true, configurable: true });
      } else if (entry.secret) {
        json += entry.prefix + entry.censored;
      } else if (typeof value === 'string') {
        json += entry.prefix + quoteJson(fitString(value, redactor));
      } else if (typeof value === 'number') {
        json += entry.prefix + (Number.isFinite(value) ? String(value) : 'null');
      } else if (value === null) {
        json += entry.prefix + 'null';
      } else {
        // Objects take their path only when path rules need it (`[key]` is an allocation per field).
        json += entry.prefix + safeStringify(value, redactor, redactor?.hasPaths === true ? [key] : undefined);
      }
    }
    if (clashes !== undefined) json += ',"extra":' + safeStringify(clashes, redactor, ['extra']);
  }
  return json + '}';
}

/**
 * The `data` JSON of an `audit_log`: timestamp, level, logger, message, action, metadata. Longer
 * than `maxRecordBytes` characters, message, action and metadata are cut to fit and marked, never
 * dropped (see record-size.ts).
 */
export function formatAuditData(
  time: number,
  level: LevelName,
  logger: string,
  message: string,
  action: string,
  metadata: Fields | undefined,
  redactor?: Redactor,
  maxRecordBytes = Number.POSITIVE_INFINITY,
): string {
  return flattened(
    withRecordBudget(
      maxRecordBytes,
      () =>
        recordHead(time, level, logger, message, redactor) +
        ',"action":' +
        quoteJson(fitString(action)) +
        ',"metadata":' +
        (metadata === undefined ? '{}' : metadataJson(metadata, redactor)) +
        '}',
    ),
  );
}

/** Metadata is always a JSON object on the wire, whatever was passed. */
function metadataJson(metadata: Fields, redactor: Redactor | undefined): string {
  const json = safeStringify(metadata, redactor, ['metadata']);
  return json.charCodeAt(0) === 123 /* { */ ? json : '{"value":' + json + '}';
}

let cachedSecond = Number.NaN;
let cachedPrefix = '';

/**
 * UTC ISO-8601 with milliseconds and `Z`; an unusable time falls back to now. Records come in
 * bursts within one second, so the `YYYY-MM-DDTHH:MM:SS.` part is reused and only the
 * milliseconds are formatted (`toISOString` is one of the costlier steps of a log call).
 */
export function isoTime(time: number): string {
  if (!Number.isFinite(time) || Math.abs(time) > 8.64e15) return new Date().toISOString();
  const second = Math.floor(time / 1000);
  const ms = time - second * 1000;
  if (second !== cachedSecond || !Number.isInteger(ms)) {
    const iso = new Date(time).toISOString();
    if (!Number.isInteger(ms)) return iso;
    cachedSecond = second;
    cachedPrefix = iso.slice(0, -4);
    return iso;
  }
  return cachedPrefix + (MILLIS[ms] as string);
}

/** `000Z` … `999Z`: the end of an ISO time, one piece instead of four. */
const MILLIS = Array.from({ length: 1000 }, (_, ms) => String(ms).padStart(3, '0') + 'Z');

function keysOf(fields: Fields): string[] {
  try {
    return Object.keys(fields);
  } catch {
    return [];
  }
}

function readField(fields: Fields, key: string): unknown {
  try {
    return fields[key];
  } catch (cause) {
    return `[Unserializable: ${cause instanceof Error ? cause.message : 'getter threw'}]`;
  }
}

/** Turns any message argument into text without throwing. */
export function messageText(message: unknown): string {
  if (typeof message === 'string') return message;
  try {
    return String(message);
  } catch {
    return '[Unprintable message]';
  }
}

/** The fields every record's `data` starts with: `{"timestamp":…,"level":…,"logger":…,"message":…` (no closing brace). */
function recordHead(time: number, level: LevelName, logger: string, message: string, redactor: Redactor | undefined): string {
  return (
    '{"timestamp":"' +
    isoTime(time) +
    '","level":"' +
    level +
    '","logger":' +
    quoteJson(logger) +
    ',"message":' +
    quoteJson(fitString(message, redactor))
  );
}
