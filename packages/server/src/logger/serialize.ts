/**
 * JSON encoding of log values that never throws. The fast path is one `JSON.stringify` with a
 * replacer for Errors, BigInts and redaction; only values that make it throw (cycles, throwing
 * getters or `toJSON`, revoked proxies) take the slow path, which copies the value defensively
 * and then encodes the copy with the same replacer.
 */
import type { Redactor } from '../redact/redactor.js';
import { budgetLeft, fitString, fitValue, restoreBudget } from './record-size.js';

type Replacer = (this: unknown, key: string, value: unknown) => unknown;

const MAX_DEPTH = 10;
const MAX_KEYS = 1000;

/** What `JSON.stringify` escapes in a string: quotes, backslashes, C0 controls (and lone surrogates, so any surrogate is sent its way). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Strings up to this length are checked by a loop over their characters: cheaper than a regex call for short text. */
const SHORT_TEXT = 32;

/**
 * `JSON.stringify(text)` for a string: most log strings need no escape, and a regex test plus two
 * concatenations cost about half of the stringifier's runtime call (bench/request-logging-instructions.mjs).
 * Most fields of a request record (method, path, address, ids) are short, and for them the same test
 * written as a loop costs less than calling the regex.
 */
export function quoteJson(text: string): string {
  return needsEscape(text) ? JSON.stringify(text) : '"' + text + '"';
}

/** Anything but printable ASCII, `"` and `\\` excepted. */
const NOT_PLAIN = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;

/**
 * Whether `text` is printable ASCII (U+0020–U+007E) without `"` or `\\`: it then needs no JSON
 * escape and holds no terminal control. Costs what {@link needsEscape} costs.
 */
export function isPlain(text: string): boolean {
  if (text.length > SHORT_TEXT) return !NOT_PLAIN.test(text);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
  }
  return true;
}

/** Whether `JSON.stringify(text)` is more than `text` between quotes (see {@link quoteJson}). */
export function needsEscape(text: string): boolean {
  if (text.length > SHORT_TEXT) return NEEDS_ESCAPE.test(text);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

/**
 * The JSON text of `value`, whatever it is. `undefined` and functions encode as `null`. With a
 * redactor, secret keys and path matches become the censor and strings pass its patterns; `path`
 * is where `value` sits in the message's `data` (for path rules).
 */
export function safeStringify(value: unknown, redactor?: Redactor, path?: readonly string[]): string {
  if (typeof value === 'string') return quoteJson(fitString(value, redactor));
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null || value === undefined) return 'null';
  const replace = redactor === undefined ? replacer : redactor.hasPaths ? pathReplacer(redactor, path ?? []) : keyReplacer(redactor);
  const budget = budgetLeft();
  try {
    return JSON.stringify(value, replace) ?? 'null';
  } catch {
    // The copy is written from the same budget the failed attempt started with.
    restoreBudget(budget);
    try {
      return (
        JSON.stringify(
          toJsonSafe(value, 0, new WeakSet()),
          redactor === undefined ? undefined : redactor.hasPaths ? pathReplacer(redactor, path ?? []) : keyReplacer(redactor),
        ) ?? 'null'
      );
    } catch (cause) {
      // Only reachable for pathological values (e.g. a Proxy whose every trap throws at the top level).
      return JSON.stringify(`[Unserializable: ${errorText(cause)}]`);
    }
  }
}

function replacer(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'string') return fitString(value);
  const fitted = fitValue(value, key);
  if (fitted !== undefined) return fitted;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return serializeError(value, 0, new WeakSet());
  return value;
}

const keyReplacers = new WeakMap<Redactor, Replacer>();

/** The replacer of a redactor without path rules: one per redactor, reused by every call. */
function keyReplacer(redactor: Redactor): Replacer {
  let replace = keyReplacers.get(redactor);
  if (replace === undefined) {
    replace = function (this: unknown, key: string, value: unknown): unknown {
      if (key !== '' && value !== undefined && !Array.isArray(this) && redactor.isSecretKey(key)) return redactor.censor;
      if (typeof value === 'string') return fitString(value, redactor);
      return replacer.call(this, key, value);
    };
    keyReplacers.set(redactor, replace);
  }
  return replace;
}

/** A replacer that also knows where it is, for path rules; it remembers each container's path. */
function pathReplacer(redactor: Redactor, base: readonly string[]): Replacer {
  const paths = new WeakMap<object, readonly string[]>();
  const byKey = keyReplacer(redactor);
  let root = true;
  return function (this: unknown, key: string, value: unknown): unknown {
    let here: readonly string[] | undefined;
    if (root) {
      root = false;
      here = base;
    } else {
      const parent = typeof this === 'object' && this !== null ? paths.get(this) : undefined;
      if (parent !== undefined) here = [...parent, key];
    }
    if (here !== undefined && here.length > 0 && value !== undefined && redactor.matchesPath(here)) return redactor.censor;
    const out = byKey.call(this, key, value);
    if (here !== undefined && typeof out === 'object' && out !== null) paths.set(out, here);
    return out;
  };
}

/** A plain-object copy of an Error: name, message, stack, `cause` and own enumerable fields. */
export function serializeError(error: Error, depth = 0, seen: WeakSet<object> = new WeakSet()): Record<string, unknown> {
  seen.add(error);
  const out: Record<string, unknown> = {};
  define(
    out,
    'name',
    readSafely(() => error.name),
  );
  define(
    out,
    'message',
    readSafely(() => error.message),
  );
  define(
    out,
    'stack',
    readSafely(() => error.stack),
  );
  for (const key of ownKeys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    define(
      out,
      key,
      toJsonSafe(
        readSafely(() => (error as unknown as Record<string, unknown>)[key]),
        depth + 1,
        seen,
      ),
    );
  }
  const cause = readSafely(() => (error as { cause?: unknown }).cause);
  if (cause !== undefined && !('cause' in out)) define(out, 'cause', toJsonSafe(cause, depth + 1, seen));
  // AggregateError keeps its errors in a non-enumerable own property.
  const errors = readSafely(() => (error as { errors?: unknown }).errors);
  if (Array.isArray(errors) && !('errors' in out)) define(out, 'errors', toJsonSafe(errors, depth + 1, seen));
  return out;
}

/** A JSON-safe deep copy: cycles become `"[Circular]"`, failures become `"[Unserializable: …]"`. */
export function toJsonSafe(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return null;
    case 'object':
      break;
  }
  if (value === null) return null;
  const object = value;
  try {
    if (seen.has(object)) return '[Circular]';
    if (depth >= MAX_DEPTH) return '[Truncated]';
    if (object instanceof Error) return serializeError(object, depth, seen);
    seen.add(object);
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const result = toJsonSafe(toJSON.call(object), depth + 1, seen);
      seen.delete(object);
      return result;
    }
    if (Array.isArray(object)) {
      const out = object.slice(0, MAX_KEYS).map((item: unknown) => toJsonSafe(item, depth + 1, seen));
      seen.delete(object);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of ownKeys(object).slice(0, MAX_KEYS)) {
      const item = readSafely(() => (object as Record<string, unknown>)[key]);
      define(out, key, toJsonSafe(item, depth + 1, seen));
    }
    seen.delete(object);
    return out;
  } catch (cause) {
    return `[Unserializable: ${errorText(cause)}]`;
  }
}

/** Own enumerable string keys, or none when the object refuses to list them (revoked proxy). */
export function ownKeys(object: object): string[] {
  try {
    return Object.keys(object);
  } catch {
    return [];
  }
}

/** The value `read` returns, or a `[Unserializable: …]` marker when it throws (a getter, a proxy trap). */
export function readSafely(read: () => unknown): unknown {
  try {
    return read();
  } catch (cause) {
    return `[Unserializable: ${errorText(cause)}]`;
  }
}

// defineProperty, not assignment: a key named "__proto__" must stay a plain own property.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function errorText(cause: unknown): string {
  try {
    return cause instanceof Error ? cause.message : String(cause);
  } catch {
    return 'unknown error';
  }
}
