import { fieldsMatcher, requiredKeys } from './field-filter.js';
import { loggerMatcher, type NormalizedFilter } from './filter.js';
import { Level, levelValue } from './levels.js';
import type { LogMessage } from './messages.js';

/**
 * What the message filter reads of a message. A server's stored message (`type`, numeric `level`,
 * `logger`, `data` as JSON text) fits as it is; a received {@link LogMessage} goes through
 * {@link filterSubject}.
 */
export interface FilterSubject {
  readonly type: string;
  /** Numeric level (TRACE 5 … CRITICAL 50); `undefined`, a level the reader does not know, is never hidden by `level`. */
  readonly level: number | undefined;
  readonly logger: string;
  /** The JSON text of the message's `data`, or the object itself (stringified only when the filter has a `text`). */
  readonly data: string | object;
}

/** A compiled message filter: true when the message passes. */
export interface MessageMatcher {
  (message: FilterSubject): boolean;
  /** True when every `system_log` and `audit_log` message passes (lets a hot path skip the call). */
  readonly all: boolean;
}

/** Options of {@link messageMatcher}. */
export interface MessageMatcherOptions {
  /** Whether the reader may receive `audit_log` at all; without it no audit message passes. @default true */
  audit?: boolean;
}

/**
 * The one message-filter predicate, shared by the server's subscriptions and the client's own
 * filtering (docs/protocol.md, "Filter"). A message passes when:
 * - its type is in `types` (`audit_log` also needs `audit` permission; other types never pass);
 * - a `system_log` is at or above `level` (a level the reader does not know passes); **`level` never
 *   removes `audit_log`**;
 * - its logger passes the logger patterns ({@link loggerMatcher});
 * - `text` is empty or a case-insensitive substring of the JSON text of `data` (data that cannot be
 *   stringified passes);
 * - `categories` is absent or holds `data.category`, and every constraint of `fields` holds
 *   ({@link fieldsMatcher}); data given as text is parsed only for messages that pass the rest
 *   and hold every key the constraints need (data that cannot be parsed fails).
 */
export function messageMatcher(filter: NormalizedFilter, options?: MessageMatcherOptions): MessageMatcher {
  const audit = options?.audit ?? true;
  const head = headMatcher(filter, audit);
  const structured = structuredMatcher(filter);
  // Data given as text is parsed only when it holds every key the constraints need.
  const keys = requiredKeys(filter.fields ?? []);
  if (filter.categories !== undefined && filter.categories.length > 0) keys.push('"category":');
  const all =
    audit &&
    filter.types.includes('system_log') &&
    filter.types.includes('audit_log') &&
    Level[filter.level] <= Level.TRACE &&
    filter.loggers.length === 0 &&
    filter.text === '' &&
    structured === undefined;
  const matches = (message: FilterSubject): boolean =>
    head(message) &&
    (structured === undefined || structured(typeof message.data === 'string' ? parseData(message.data, keys) : message.data));
  return Object.assign(matches, { all });
}

/**
 * The same predicate over a received {@link LogMessage} (read through {@link filterSubject}): what
 * a client applies itself when the server cannot filter.
 */
export function logMessageMatcher(filter: NormalizedFilter): (message: LogMessage) => boolean {
  const head = headMatcher(filter, true);
  const structured = structuredMatcher(filter);
  return (message) => head(filterSubject(message)) && (structured === undefined || structured(message.data));
}

/**
 * A received log message as the filter reads it: the level by name (any case, common aliases;
 * anything else is unknown), the logger as a string, `data` as the object.
 */
export function filterSubject(message: LogMessage): FilterSubject {
  const level: unknown = message.data.level;
  return {
    type: message.type,
    level: typeof level === 'string' ? levelValue(level) : undefined,
    logger: String(message.data.logger),
    data: message.data,
  };
}

/** The type, level, logger and `text` parts of a filter as one predicate. */
function headMatcher(filter: NormalizedFilter, audit: boolean): (message: FilterSubject) => boolean {
  const system = filter.types.includes('system_log');
  const auditPasses = audit && filter.types.includes('audit_log');
  const minLevel = Level[filter.level];
  const loggerPasses = loggerMatcher(filter.loggers);
  const text = filter.text.toLowerCase();
  return (message) =>
    (message.type === 'audit_log' ? auditPasses : message.type === 'system_log' && system && !((message.level ?? minLevel) < minLevel)) &&
    loggerPasses(message.logger) &&
    (text === '' || dataContains(message.data, text));
}

/**
 * The `categories` and `fields` parts of a filter as one predicate over a `data` object (anything
 * else fails), or undefined when it has neither.
 */
function structuredMatcher(filter: NormalizedFilter): ((data: unknown) => boolean) | undefined {
  const categories = filter.categories ?? [];
  const fields = filter.fields ?? [];
  if (categories.length === 0 && fields.length === 0) return undefined;
  const fieldsPass = fieldsMatcher(fields);
  return (data) => {
    if (typeof data !== 'object' || data === null) return false;
    if (categories.length > 0) {
      const category = Object.hasOwn(data, 'category') ? (data as { category?: unknown }).category : undefined;
      if (typeof category !== 'string' || !categories.includes(category)) return false;
    }
    return fieldsPass(data);
  };
}

/** Data given as JSON text, parsed when it holds every one of `keys`; otherwise undefined. */
function parseData(data: string, keys: readonly string[]): unknown {
  if (!keys.every((key) => data.includes(key))) return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

function dataContains(data: string | object, lowerText: string): boolean {
  if (typeof data === 'string') return data.toLowerCase().includes(lowerText);
  try {
    return JSON.stringify(data).toLowerCase().includes(lowerText);
  } catch {
    return true;
  }
}
