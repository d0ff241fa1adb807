// How createLogwire's options are checked and given their defaults: level thresholds (with
// LOG_LEVEL), categories, the trace id format, persistence options with undefined members, and the
// error reporter.
import { Level, toLevelName } from '@logwire/protocol';
import { TraceIdFormat } from './context/trace.js';
import { LogwireError, LogwireErrorCode } from './errors.js';
import type { PersistenceOptions } from './persistence/store.js';

/** The `level` option: one level for every logger, or levels by logger-name prefix. */
export type LevelOption = string | Record<string, string> | undefined;

/**
 * Thresholds from `LOG_LEVEL` and the `level` option; the option wins where both name a prefix.
 * `LOG_LEVEL` is a level (`debug`) or a comma-separated list with prefixes
 * (`info,orchestrator.tmux=debug`).
 */
export function thresholds(level: LevelOption, onError: (error: unknown) => void): Map<string, number> {
  const map = new Map<string, number>([['', Level.INFO]]);
  const fromEnv = typeof process !== 'undefined' ? process.env['LOG_LEVEL'] : undefined;
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    for (const part of fromEnv.split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const equals = item.lastIndexOf('=');
      const prefix = equals === -1 ? '' : item.slice(0, equals).trim();
      const name = toLevelName(equals === -1 ? item : item.slice(equals + 1).trim());
      if (name === undefined)
        onError(new TypeError(`LOG_LEVEL: ignoring "${item}"; levels are TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL`));
      else map.set(prefix, Level[name]);
    }
  }
  if (typeof level === 'string') {
    map.set('', levelOrThrow(level, 'level'));
  } else if (level !== undefined) {
    for (const [prefix, name] of Object.entries(level)) map.set(prefix, levelOrThrow(name, `level["${prefix}"]`));
  }
  return map;
}

export function traceIdFormat(format: TraceIdFormat | undefined): TraceIdFormat | undefined {
  if (format === undefined || format === TraceIdFormat.W3c || format === TraceIdFormat.Xray) return format;
  throw new LogwireError(LogwireErrorCode.InvalidOption, `traceIdFormat must be 'w3c' or 'xray', got ${String(format)}`);
}

export function categoryMap(categories: Record<string, string>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [prefix, category] of Object.entries(categories)) {
    if (typeof category !== 'string')
      throw new LogwireError(LogwireErrorCode.InvalidOption, `categories["${prefix}"] must be a string, got ${typeof category}`);
    map.set(prefix, category);
  }
  return map;
}

function levelOrThrow(name: string, option: string): number {
  const level = toLevelName(name);
  if (level === undefined)
    throw new LogwireError(
      LogwireErrorCode.InvalidOption,
      `${option} must be one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL; got "${name}"`,
    );
  return Level[level];
}

/** A copy of `options` without the members set to `undefined` (one level deep). */
export function definedOnly<T extends object>(options: T): T {
  if (typeof options !== 'object' || options === null) return options;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) copy[key] = value;
  return copy as T;
}

/** Persistence options with `undefined` members (at every level) meaning their defaults. */
export function persistenceOptions(options: PersistenceOptions): PersistenceOptions {
  const copy = definedOnly(options);
  if (copy.system !== undefined) copy.system = definedOnly(copy.system);
  if (copy.instances !== undefined) copy.instances = definedOnly(copy.instances);
  if (copy.audit !== undefined) copy.audit = definedOnly(copy.audit);
  if (copy.errors !== undefined && copy.errors !== true) copy.errors = definedOnly(copy.errors);
  return copy;
}

/** An error reporter that cannot throw into a log call or a flush. */
export function neverThrows(report: (error: unknown) => void): (error: unknown) => void {
  return (error) => {
    try {
      report(error);
    } catch {
      // The reporter itself failed; there is nowhere left to report to.
    }
  };
}

export function defaultOnError(error: unknown): void {
  try {
    process.stderr.write(`logwire: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  } catch {
    // stderr itself is gone; nothing left to tell.
  }
}
