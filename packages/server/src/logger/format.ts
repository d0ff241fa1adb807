import type { LevelName, LogType } from '@logwire/protocol';
import type { Callsite } from './callsite.js';
import { safeStringify } from './serialize.js';

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
}

/** Arbitrary structured fields attached to a record. */
export type Fields = Record<string, unknown>;

/** Extra fields with these names would overwrite a system_log field, so they go under `extra`. */
const RESERVED = new Set(['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line', 'extra']);

/**
 * The `data` JSON of a `system_log`: the seven seed fields, then every extra field at the top level.
 * Extras whose names are reserved are kept, nested under `extra`, never overwriting a seed field.
 */
export function formatSystemData(time: number, level: LevelName, logger: string, message: string, site: Callsite, fields: Fields | undefined): string {
  let json =
    '{"timestamp":"' + new Date(time).toISOString() +
    '","level":"' + level +
    '","logger":' + JSON.stringify(logger) +
    ',"message":' + JSON.stringify(message) +
    ',"module":' + JSON.stringify(site.module) +
    ',"function":' + JSON.stringify(site.function) +
    ',"line":' + site.line;
  if (fields !== undefined) {
    let clashes: Fields | undefined;
    for (const key of keysOf(fields)) {
      const value = readField(fields, key);
      if (value === undefined) continue;
      if (RESERVED.has(key)) {
        clashes ??= {};
        Object.defineProperty(clashes, key, { value, enumerable: true });
      } else {
        json += ',' + JSON.stringify(key) + ':' + safeStringify(value);
      }
    }
    if (clashes !== undefined) json += ',"extra":' + safeStringify(clashes);
  }
  return json + '}';
}

/** The `data` JSON of an `audit_log`: timestamp, level, logger, message, action, metadata. */
export function formatAuditData(time: number, level: LevelName, logger: string, message: string, action: string, metadata: Fields | undefined): string {
  return (
    '{"timestamp":"' + new Date(time).toISOString() +
    '","level":"' + level +
    '","logger":' + JSON.stringify(logger) +
    ',"message":' + JSON.stringify(message) +
    ',"action":' + JSON.stringify(action) +
    ',"metadata":' + (metadata === undefined ? '{}' : safeStringify(metadata)) +
    '}'
  );
}

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
