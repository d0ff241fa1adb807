import type { Fields } from '../logger/format.js';
import type { LogContext } from '../context/request-context.js';
import type { IngestRecord } from '../logger/logger.js';
import { safeStringify } from '../logger/serialize.js';

/** What the adapters feed: a {@link Logwire} instance or anything with its `ingest` method. */
export interface RecordSink {
  /**
   * `context`: where the record was made, for an adapter that hands records on later than they
   * were made (`captureContext()` when it was made); `false` when that was outside any request
   * context and span. Without it the current context and span are merged in.
   */
  ingest(record: IngestRecord, context?: LogContext | false): void;
}

/**
 * Copies `key` into `target` as a plain own property. Assignment is several times cheaper than
 * `defineProperty`; only `__proto__` (the one accessor on Object.prototype) needs the latter to
 * stay data instead of replacing the prototype.
 */
export function define(target: Fields, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** Milliseconds from an epoch number or a date string; `fallback` for anything else. */
export function timeOf(value: unknown, fallback: number): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return fallback;
}

/**
 * A record's message as text: a string as it is, nothing for a missing one, a number, boolean or
 * bigint as written, anything else as JSON (an object message reads `{"a":1}`, not `[object Object]`).
 */
export function messageOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return safeStringify(value);
}
