import { Level, type LevelName, toLevelName } from '@logwire/protocol';
import type { Redactor } from '../redact/redactor.js';
import { hasAuditSegment, isAudit } from './classify.js';
import { type Fields, flattened, isoTime, type KeyEntry, keyEntry } from './format.js';
import type { LoggerTree } from './logger.js';
import { charge, fitString, withRecordBudget } from './record-size.js';
import { isPlain, needsEscape, quoteJson, safeStringify } from './serialize.js';

/**
 * The record of one request (http/request-logger.ts), in its fixed shape. Its `data` is written
 * field by field ({@link formatRequestData}) instead of through the generic loop over a fields
 * object, and comes out byte for byte as that loop writes {@link RequestRecord.toFields}
 * (test: request-record-format.test.ts).
 */
export class RequestRecord {
  constructor(
    readonly level: LevelName,
    readonly logger: string,
    readonly message: string,
    /** The record has `category: 'http'` (records carry no configured category). */
    readonly category: boolean,
    readonly method: string,
    readonly path: string,
    readonly route: string | null,
    readonly status_code: number | null,
    readonly response_time_ms: number,
    readonly bytes_sent: number,
    readonly client_ip: string | null,
    readonly user_agent: string | null,
    readonly referrer: string | null,
    readonly user_id: unknown,
    readonly request_id: string,
    readonly trace_id: unknown,
    /** The active span's id: `trace_id` and `span_id` then lead the record. */
    readonly span_id: string | undefined,
    /** `undefined`: no `query` field. */
    readonly query: Fields | undefined,
    /** `undefined`: no `error` field. */
    readonly error: unknown,
    /** `slow: true` when set. */
    readonly slow: boolean,
  ) {}

  /** The record's fields as a fields object, in the order they are written. */
  toFields(): Fields {
    const fields: Fields = {};
    if (this.span_id !== undefined) {
      fields['trace_id'] = this.trace_id;
      fields['span_id'] = this.span_id;
    }
    if (this.category) fields['category'] = 'http';
    fields['method'] = this.method;
    fields['path'] = this.path;
    fields['route'] = this.route;
    fields['status_code'] = this.status_code;
    fields['response_time_ms'] = this.response_time_ms;
    fields['bytes_sent'] = this.bytes_sent;
    fields['client_ip'] = this.client_ip;
    fields['user_agent'] = this.user_agent;
    fields['referrer'] = this.referrer;
    fields['user_id'] = this.user_id;
    fields['request_id'] = this.request_id;
    fields['trace_id'] = this.trace_id;
    if (this.query !== undefined) fields['query'] = this.query;
    if (this.error !== undefined) fields['error'] = this.error;
    if (this.slow) fields['slow'] = true;
    return fields;
  }
}

/** Printable ASCII only. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * A field of the request record: its name and what the formatter decided about it (per redactor),
 * with the pieces its values start with made once: each piece less is one string concatenation
 * and one piece less to copy when the record is flattened.
 */
class Slot {
  /** `,"key":` (or the whole field for a secret key). */
  readonly prefix: string;
  /** `,"key":"`: the start of a string value that needs no escape. */
  readonly open: string;
  /** `,"key":null`. */
  readonly nul: string;
  /** {@link Slot.prefix} is printable ASCII (it may hold the censor). */
  readonly plain: boolean;

  constructor(
    readonly key: string,
    readonly entry: KeyEntry,
  ) {
    this.prefix = flattened(entry.secret ? entry.prefix + entry.censored : entry.prefix);
    this.open = flattened(entry.prefix + '"');
    this.nul = flattened(entry.prefix + 'null');
    this.plain = PRINTABLE.test(this.prefix);
  }
}

/** The slots of every field a request record may have, for one redactor. */
class RequestKeys {
  readonly trace_id: Slot;
  readonly span_id: Slot;
  readonly category: Slot;
  readonly method: Slot;
  readonly path: Slot;
  readonly route: Slot;
  readonly status_code: Slot;
  readonly response_time_ms: Slot;
  readonly bytes_sent: Slot;
  readonly client_ip: Slot;
  readonly user_agent: Slot;
  readonly referrer: Slot;
  readonly user_id: Slot;
  readonly request_id: Slot;
  readonly query: Slot;
  readonly error: Slot;
  readonly slow: Slot;
  /** `,"category":"http"` as written under this redactor (the same text for every record). */
  readonly httpCategory: string;
  readonly httpCategoryPlain: boolean;

  constructor(redactor: Redactor | undefined) {
    const slot = (key: string): Slot => new Slot(key, keyEntry(redactor, key));
    this.trace_id = slot('trace_id');
    this.span_id = slot('span_id');
    this.category = slot('category');
    this.method = slot('method');
    this.path = slot('path');
    this.route = slot('route');
    this.status_code = slot('status_code');
    this.response_time_ms = slot('response_time_ms');
    this.bytes_sent = slot('bytes_sent');
    this.client_ip = slot('client_ip');
    this.user_agent = slot('user_agent');
    this.referrer = slot('referrer');
    this.user_id = slot('user_id');
    this.request_id = slot('request_id');
    this.query = slot('query');
    this.error = slot('error');
    this.slow = slot('slow');
    // Made outside any record budget; each record charges its 4 characters (see requestJson).
    this.httpCategory = flattened(textField(this.category, 'http', redactor));
    this.httpCategoryPlain = PRINTABLE.test(this.httpCategory);
  }
}

const plainKeys = new RequestKeys(undefined);
const redactorKeys = new WeakMap<Redactor, RequestKeys>();
/** The redactor of the last record and its slots (an instance has one redactor). */
let lastRedactor: Redactor | undefined;
let lastKeys = plainKeys;

function keysFor(redactor: Redactor | undefined): RequestKeys {
  if (redactor === lastRedactor) return lastKeys;
  let keys = plainKeys;
  if (redactor !== undefined) {
    keys = redactorKeys.get(redactor) ?? new RequestKeys(redactor);
    redactorKeys.set(redactor, keys);
  }
  lastRedactor = redactor;
  lastKeys = keys;
  return keys;
}

/**
 * Whether the record being formatted is printable ASCII so far (see `LogEntry.plain`): each
 * string's check for JSON escapes tells, at no extra cost.
 */
let plain = true;

/** `,"key":value` as the field loop of formatSystemData writes it (no field is reserved or `undefined` here). */
function field(slot: Slot, value: unknown, redactor: Redactor | undefined): string {
  if (slot.entry.secret) return secret(slot);
  if (typeof value === 'string') return quoted(slot, fitString(value, redactor));
  if (typeof value === 'number') return Number.isFinite(value) ? slot.prefix + String(value) : slot.nul;
  if (value === null) return slot.nul;
  // Not looked at: only a record without objects is known to be plain.
  plain = false;
  return slot.prefix + safeStringify(value, redactor, redactor?.hasPaths === true ? [slot.key] : undefined);
}

/** `,"key":` and `text` as JSON (what `entry.prefix + quoteJson(text)` writes, in fewer pieces). */
function quoted(slot: Slot, text: string): string {
  if (isPlain(text)) return slot.open + text + '"';
  plain = false;
  return needsEscape(text) ? slot.prefix + JSON.stringify(text) : slot.open + text + '"';
}

/** The field of a secret key: its censor. */
function secret(slot: Slot): string {
  if (!slot.plain) plain = false;
  return slot.prefix;
}

/** {@link field} for a value known to be a string (one shape of call per field, cheaper than the general case). */
function textField(slot: Slot, value: string, redactor: Redactor | undefined): string {
  return slot.entry.secret ? secret(slot) : quoted(slot, fitString(value, redactor));
}

/** {@link field} for a number. */
function numberField(slot: Slot, value: number): string {
  return slot.entry.secret ? secret(slot) : slot.prefix + numberText(value);
}

/** `.001` … `.999` without trailing zeros (`.1`, `.12`), and `''` for 0: the fractions of a number rounded to thousandths. */
const THOUSANDTHS = Array.from({ length: 1000 }, (_, n) => (n === 0 ? '' : ('.' + String(n).padStart(3, '0')).replace(/0+$/, '')));

/**
 * `String(value)` (`null` when not finite). Response times are rounded to thousandths of a
 * millisecond: such a number below 10¹² is written from its whole part and a table of fractions,
 * the same text as `String` (at that size no shorter decimal rounds to the same double), without
 * the runtime's shortest-digits conversion.
 */
export function numberText(value: number): string {
  const thousandths = Math.round(value * 1000);
  if (thousandths >= 0 && thousandths < 1e15 && thousandths / 1000 === value) {
    const whole = Math.floor(thousandths / 1000);
    return String(whole) + (THOUSANDTHS[thousandths - whole * 1000] as string);
  }
  return Number.isFinite(value) ? String(value) : 'null';
}

/** What the record's unknown call site writes. */
const NO_CALLSITE = ',"module":"","function":"","line":0';

/**
 * The fields of a record's head between its timestamp and its message's text, for the last level
 * and logger (a request logger writes few of each): `","level":"INFO","logger":"http","message":`,
 * and the same with the message's opening quote.
 */
let headLevel: LevelName | undefined;
let headLogger = '';
let headPlain = '';
let headOpen = '';
let headPrintable = true;

/** The record's `data` up to its message, as `recordHead(…) + NO_CALLSITE` writes it, in fewer pieces. */
function head(time: number, level: LevelName, logger: string, message: string, redactor: Redactor | undefined, tail: string): string {
  if (level !== headLevel || logger !== headLogger) {
    headLevel = level;
    headLogger = logger;
    headPlain = flattened('","level":"' + level + '","logger":' + quoteJson(logger) + ',"message":');
    headOpen = flattened(headPlain + '"');
    headPrintable = PRINTABLE.test(headPlain);
  }
  if (!headPrintable) plain = false;
  const text = fitString(message, redactor);
  const start = '{"timestamp":"' + isoTime(time);
  if (isPlain(text)) return start + headOpen + text + '"' + tail;
  plain = false;
  return needsEscape(text) ? start + headPlain + JSON.stringify(text) + tail : start + headOpen + text + '"' + tail;
}

/**
 * The `data` JSON of a request record: what `formatSystemData` writes for its {@link RequestRecord.toFields}
 * with an unknown call site, without reading the fields back by name. `category` is the configured
 * category of the record's logger; a record that also has its own `category` field must take the
 * generic path (the field then goes under `extra`).
 */
export function formatRequestData(
  time: number,
  level: LevelName,
  record: RequestRecord,
  redactor: Redactor | undefined,
  category: string | undefined,
  maxRecordBytes = Number.POSITIVE_INFINITY,
): string {
  plain = true;
  return flattened(withRecordBudget(maxRecordBytes, () => requestJson(time, level, record, redactor, category)));
}

function requestJson(
  time: number,
  level: LevelName,
  record: RequestRecord,
  redactor: Redactor | undefined,
  category: string | undefined,
): string {
  const k = keysFor(redactor);
  // `category: 'http'` follows the call site directly unless a configured category or the span ids come between.
  const httpNext = record.category && category === undefined && record.span_id === undefined;
  let json = head(time, level, record.logger, record.message, redactor, httpNext ? NO_CALLSITE + k.httpCategory : NO_CALLSITE);
  if (category !== undefined) {
    if (!isPlain(category)) plain = false;
    json += ',"category":' + quoteJson(category);
  }
  if (record.span_id !== undefined) json += field(k.trace_id, record.trace_id, redactor) + textField(k.span_id, record.span_id, redactor);
  if (record.category) {
    if (!httpNext) json += k.httpCategory;
    if (!k.httpCategoryPlain) plain = false;
    // What fitString charges for 'http' (always kept), unless the key is secret.
    if (!k.category.entry.secret) charge(4);
  }
  json +=
    textField(k.method, record.method, redactor) +
    textField(k.path, record.path, redactor) +
    field(k.route, record.route, redactor) +
    field(k.status_code, record.status_code, redactor) +
    numberField(k.response_time_ms, record.response_time_ms) +
    numberField(k.bytes_sent, record.bytes_sent) +
    field(k.client_ip, record.client_ip, redactor) +
    field(k.user_agent, record.user_agent, redactor) +
    field(k.referrer, record.referrer, redactor) +
    field(k.user_id, record.user_id, redactor) +
    textField(k.request_id, record.request_id, redactor);
  if (record.span_id === undefined) json += field(k.trace_id, record.trace_id, redactor);
  if (record.query !== undefined) json += field(k.query, record.query, redactor);
  if (record.error !== undefined) json += field(k.error, record.error, redactor);
  if (record.slow) json += field(k.slow, true, redactor);
  return json + '}';
}

let lastLogger = '';
let lastLoggerAudit = false;

/**
 * Writes a request record as `tree.ingest` writes its fields (no request context merged in): by
 * {@link formatRequestData}, or through the generic path when the record is classified as audit or
 * has a `category` field next to a configured category. Never throws.
 */
export function writeRequest(tree: LoggerTree, record: RequestRecord): void {
  try {
    const level = (typeof record.level === 'string' ? toLevelName(record.level) : undefined) ?? 'INFO';
    const time = Date.now();
    const logger = record.logger;
    if (logger !== lastLogger) {
      lastLogger = logger;
      lastLoggerAudit = hasAuditSegment(logger);
    }
    const { settings } = tree;
    const category = settings.categories === undefined ? undefined : tree.categoryFor(logger);
    if (isAudit(lastLoggerAudit, record.message, false) || (category !== undefined && record.category)) {
      tree.write(level, logger, record.message, record.toFields(), time, undefined, false, false);
      return;
    }
    const data = formatRequestData(time, level, record, settings.redactor, category, tree.maxRecordBytes);
    tree.sink({ type: 'system_log', time, level: Level[level], logger, data, plain });
  } catch (cause) {
    tree.reportInternalError(cause);
  }
}
