/**
 * JSON encoding of log values that never throws. The fast path is one `JSON.stringify` with a
 * replacer for Errors and BigInts; only values that make it throw (cycles, throwing getters or
 * `toJSON`, revoked proxies) take the slow path, which copies the value defensively.
 */

const MAX_DEPTH = 10;
const MAX_KEYS = 1000;

/** The JSON text of `value`, whatever it is. `undefined` and functions encode as `null`. */
export function safeStringify(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value === null || value === undefined) return 'null';
  try {
    return JSON.stringify(value, replacer) ?? 'null';
  } catch {
    try {
      return JSON.stringify(toJsonSafe(value, 0, new WeakSet())) ?? 'null';
    } catch (cause) {
      // Only reachable for pathological values (e.g. a Proxy whose every trap throws at the top level).
      return JSON.stringify(`[Unserializable: ${errorText(cause)}]`);
    }
  }
}

function replacer(this: unknown, _key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return serializeError(value, 0, new WeakSet());
  return value;
}

/** A plain-object copy of an Error: name, message, stack, `cause` and own enumerable fields. */
export function serializeError(error: Error, depth = 0, seen: WeakSet<object> = new WeakSet()): Record<string, unknown> {
  seen.add(error);
  const out: Record<string, unknown> = {};
  define(out, 'name', readSafely(() => error.name));
  define(out, 'message', readSafely(() => error.message));
  define(out, 'stack', readSafely(() => error.stack));
  for (const key of ownKeys(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    define(out, key, toJsonSafe(readSafely(() => (error as unknown as Record<string, unknown>)[key]), depth + 1, seen));
  }
  const cause = readSafely(() => (error as { cause?: unknown }).cause);
  if (cause !== undefined && !('cause' in out)) define(out, 'cause', toJsonSafe(cause, depth + 1, seen));
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
  }
  if (value === null) return null;
  const object = value as object;
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
      const out = object.slice(0, MAX_KEYS).map((item) => toJsonSafe(readSafely(() => item), depth + 1, seen));
      seen.delete(object);
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const key of ownKeys(object).slice(0, MAX_KEYS)) {
      define(out, key, toJsonSafe(readSafely(() => (object as Record<string, unknown>)[key]), depth + 1, seen));
    }
    seen.delete(object);
    return out;
  } catch (cause) {
    return `[Unserializable: ${errorText(cause)}]`;
  }
}

/** Own enumerable string keys, or none when the object refuses to list them (revoked proxy). */
function ownKeys(object: object): string[] {
  try {
    return Object.keys(object);
  } catch {
    return [];
  }
}

function readSafely(read: () => unknown): unknown {
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
