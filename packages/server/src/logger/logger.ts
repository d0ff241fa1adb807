import { Level, type LevelName, toLevelName } from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { Redactor } from '../redact/redactor.js';
import { contextFields, type LogContext, type TraceIdFormat } from '../context/request-context.js';
import { type CapturedFrame, type Callsite, captureFrame, describeFrame, UNKNOWN_CALLSITE } from './callsite.js';
import { hasAuditSegment, isAudit } from './classify.js';
import { type Fields, type LogEntry, formatAuditData, formatSystemData, messageText } from './format.js';
import { DEFAULT_MAX_RECORD_BYTES, MIN_MAX_RECORD_BYTES } from './record-size.js';
import { define, mergeFields } from './fields.js';
import { ownKeys, readSafely } from './serialize.js';

/**
 * The level methods of {@link Logger} and the level each logs at: the one table they are generated
 * from (`log(level, …)` takes the level names of `@logwire/protocol`'s `Level` table).
 */
export const LEVEL_METHODS = [
  ['trace', 'TRACE'],
  ['debug', 'DEBUG'],
  ['info', 'INFO'],
  ['warning', 'WARNING'],
  ['warn', 'WARNING'],
  ['error', 'ERROR'],
  ['critical', 'CRITICAL'],
  ['fatal', 'CRITICAL'],
] as const satisfies readonly (readonly [string, LevelName])[];

/** A level method: `(message, fields?)` or, pino-style, `(fields, message?)`; an `Error` may stand for the fields. */
export interface LevelMethod {
  (message: string, fields?: Fields | Error): void;
  (fields: Fields | Error, message?: string): void;
}

/** Where loggers deliver their formatted entries (the hub). Must not throw. */
export type EntrySink = (entry: LogEntry) => void;

/** Options of an audit call. */
export interface AuditOptions {
  /** Level of the audit record. @default 'INFO' */
  level?: LevelName;
  /** Human-readable message. @default the action */
  message?: string;
}

/** Settings shared by every logger of one logwire instance. */
export interface LoggerSettings {
  /** Minimum level per logger-name prefix; the longest matching prefix wins, `''` is the root. */
  levels: Map<string, number>;
  /** Capture module/function/line from the call site (about 1 µs per call). */
  callsite: boolean;
  /** Hides secrets before a record is formatted; `undefined` when redaction is off. */
  redactor: Redactor | undefined;
  /** Category per logger-name prefix (seed 003); `undefined` when records carry no category. */
  categories: Map<string, string> | undefined;
  /** Category of loggers no prefix matches. */
  defaultCategory: string;
  /**
   * Characters of message, action and field values one record may hold; longer records are cut and
   * marked (record-size.ts). `undefined` means the default, 64 KiB.
   */
  maxRecordBytes?: number | undefined;
  /** How `trace_id` from an active OpenTelemetry span is written. @default 'w3c' */
  traceIdFormat?: TraceIdFormat | undefined;
}

/** A record from another source (pino, winston, a worker), already split into its parts. */
export interface IngestRecord {
  level: LevelName;
  logger: string;
  message: string;
  /** Extra fields (system) or the source of action and metadata (audit). */
  fields?: Fields | undefined;
  /** Milliseconds since the epoch. @default now */
  time?: number | undefined;
  /** Call site, when the source knows it. @default module '', function '', line 0 */
  callsite?: Callsite | undefined;
  /** Force the record into the audit stream. @default false (the seeds' rules still apply) */
  audit?: boolean | undefined;
}

/**
 * A named logger. Names are dotted and hierarchical (`orchestrator.instance_manager`); thresholds
 * apply to whole subtrees. A log call never throws and never waits on I/O.
 */
export class Logger {
  /** Dotted name of this logger. */
  readonly name: string;
  readonly #tree: LoggerTree;
  readonly #bindings: Fields | undefined;
  /** The name part of the audit rule, decided once. */
  readonly #auditName: boolean;
  #threshold = -1;
  #category: string | undefined;
  #version = -1;

  /** @internal Use `logwire.getLogger(name)`. */
  constructor(tree: LoggerTree, name: string, bindings?: Fields) {
    this.#tree = tree;
    this.name = name;
    this.#bindings = bindings;
    this.#auditName = hasAuditSegment(name);
  }

  /** Logs at TRACE (5). */
  declare readonly trace: LevelMethod;
  /** Logs at DEBUG (10). */
  declare readonly debug: LevelMethod;
  /** Logs at INFO (20). */
  declare readonly info: LevelMethod;
  /** Logs at WARNING (30). */
  declare readonly warning: LevelMethod;
  /** Alias of {@link Logger.warning}. */
  declare readonly warn: LevelMethod;
  /** Logs at ERROR (40). Pass an `Error` (or `{ error }`) to include its stack and causes. */
  declare readonly error: LevelMethod;
  /** Logs at CRITICAL (50). */
  declare readonly critical: LevelMethod;
  /** Alias of {@link Logger.critical} (pino's and winston's name for the top level). */
  declare readonly fatal: LevelMethod;

  // The level methods above, generated from LEVEL_METHODS (as pino's genLog does): each checks
  // its threshold and hands on; below it, only a record the audit rule claims goes further.
  static {
    for (const [method, level] of LEVEL_METHODS) {
      const value = Level[level];
      const log = function (this: Logger, a: string | Fields | Error, b?: string | Fields | Error): void {
        if (this.#version !== this.#tree.version) this.#refresh();
        // The call site is captured here, in the public method itself: every frame between it and
        // the capture would add to the cost of the stack walk (see captureFrame). A record that
        // turns out to be audit simply does not use it.
        if (value >= this.#threshold) this.#emit(level, a, b, this.#tree.settings.callsite ? captureFrame(log) : undefined, true);
        // Below the threshold, `(message, fields)` is checked here by the audit rule itself (its
        // flag read from `fields` as such is a superset: an Error's own `audit` does not count in
        // `#emit`); other argument shapes are read in full by `#emit`, which applies the rule. Only
        // audit records go on from here, and they carry no call site.
        else if (typeof a !== 'string' || isAudit(this.#auditName, a, auditFlag(b, this.#bindings)))
          this.#emit(level, a, b, undefined, false);
      };
      Object.defineProperty(Logger.prototype, method, { value: log, writable: true, configurable: true });
    }
  }

  /** Logs at a level given by name (any case; `warn` and `fatal` are understood). Unknown names log at INFO. */
  log(level: LevelName | string, message: string | Fields | Error, fields?: string | Fields | Error): void {
    const name = (typeof level === 'string' ? toLevelName(level) : undefined) ?? 'INFO';
    const enabled = this.isEnabled(name);
    // eslint-disable-next-line @typescript-eslint/unbound-method -- the stack boundary: compared by identity, never called
    this.#emit(name, message, fields, enabled && this.#tree.settings.callsite ? captureFrame(this.log) : undefined, enabled);
  }

  /**
   * Records an audit event: `action` names what happened (`instance_spawn`, `user.login`) and
   * `metadata` carries its details (this logger's bound fields are included). Audit events
   * ignore level thresholds: they are never dropped.
   */
  audit(action: string, metadata?: Fields, options?: AuditOptions): void {
    try {
      const level = (typeof options?.level === 'string' ? toLevelName(options.level) : undefined) ?? 'INFO';
      const actionText = messageText(action);
      const text = options?.message === undefined ? actionText : messageText(options.message);
      const details = asFields(metadata);
      const merged = this.#bindings === undefined ? details : mergeFields(this.#bindings, details);
      this.#tree.writeAudit(level, this.name, text, actionText, merged, Date.now());
    } catch (cause) {
      this.#tree.reportInternalError(cause);
    }
  }

  /** A logger with the same name whose records all carry `bindings` (e.g. `{ instance_id }`). */
  child(bindings: Fields): Logger {
    return new Logger(
      this.#tree,
      this.name,
      this.#bindings === undefined ? mergeFields({}, bindings) : mergeFields(this.#bindings, bindings),
    );
  }

  /** Fields bound to this logger by {@link Logger.child}. */
  get bindings(): Readonly<Fields> {
    return this.#bindings ?? {};
  }

  /** The category of this logger from the `categories` option (`undefined` when none is configured). */
  get category(): string | undefined {
    this.#refresh();
    return this.#category;
  }

  /** True when a record at `level` would be kept by this logger's threshold. */
  isEnabled(level: LevelName): boolean {
    if (this.#version !== this.#tree.version) this.#refresh();
    return Level[level] >= this.#threshold;
  }

  #refresh(): void {
    if (this.#version === this.#tree.version) return;
    this.#threshold = this.#tree.thresholdFor(this.name);
    this.#category = this.#tree.categoryFor(this.name);
    this.#version = this.#tree.version;
  }

  /**
   * Splits the call's arguments into message and fields and hands the record on with the call
   * site `frame` (captured by the public method when enabled). Below the threshold (`enabled`
   * false) the record goes on only when the audit rule claims it: the arguments are read, but
   * nothing is merged or formatted.
   */
  #emit(level: LevelName, a: unknown, b: unknown, frame: CapturedFrame | undefined, enabled: boolean): void {
    let text = '';
    let kept = enabled;
    try {
      // Read before anything else runs (the arguments' getters are the application's code).
      const site = frame === undefined ? UNKNOWN_CALLSITE : describeFrame(frame);
      let fields: unknown;
      if (typeof a === 'string') {
        text = a;
        fields = b;
      } else if (isError(a)) {
        text = typeof b === 'string' ? b : messageText(readSafely(() => (a as Error).message));
        fields = { error: a };
      } else if (typeof a === 'object' && a !== null) {
        text = typeof b === 'string' ? b : '';
        fields = a;
      } else {
        text = messageText(a);
        fields = b;
      }
      let extra: Fields | undefined;
      if (isError(fields)) extra = { error: fields };
      else if (typeof fields === 'object' && fields !== null) extra = fields as Fields;
      else if (fields !== undefined) extra = { value: fields };
      if (!kept) {
        if (!isAudit(this.#auditName, text, auditFlag(extra, this.#bindings))) return;
        kept = true;
      }
      if (this.#bindings !== undefined) extra = mergeFields(this.#bindings, extra);
      this.#tree.write(level, this.name, text, extra, Date.now(), site, false);
    } catch (cause) {
      this.#tree.reportInternalError(cause);
      if (kept) this.#tree.writeFallback(level, this.name, text, cause);
    }
  }
}

/**
 * The seeds' `audit_log(logger, message, action=, metadata=, level=, **extra)` helper: an audit
 * event on `logger` whose metadata is `metadata` plus every extra option.
 *
 * @example auditLog(getLogger('audit.instance'), 'Instance spawned', { action: 'instance_spawn', metadata: { instance_id: 'abc123' } })
 */
export function auditLog(
  logger: Logger,
  message: string,
  options: { action?: string; metadata?: Fields; level?: LevelName } & Fields = {},
): void {
  try {
    const { action, metadata, level, ...extra } = options;
    const base = typeof metadata === 'object' && metadata !== null ? metadata : undefined;
    const merged = Object.keys(extra).length === 0 ? base : mergeFields(base ?? {}, extra);
    logger.audit(typeof action === 'string' ? action : message, merged ?? {}, { message, ...(level === undefined ? {} : { level }) });
  } catch {
    // Options that cannot even be read (a revoked proxy): the logger reports nothing to throw into.
  }
}

/**
 * Splits the fields of a record classified as audit into action and metadata, as the seeds do:
 * `action` (or `event_type`) becomes the action, `metadata` is taken as is, and any other field
 * joins the metadata. Without an action, the message stands in for it.
 */
function auditParts(fields: Fields | undefined, message: string): { action: string; metadata: Fields } {
  if (fields === undefined) return { action: message, metadata: {} };
  let named = message;
  let base: Fields = {};
  const rest: Fields = {};
  let restCount = 0;
  for (const key of ownKeys(fields)) {
    const value = readSafely(() => fields[key]);
    if (key === 'audit') continue;
    if (key === 'action' && typeof value === 'string') named = value;
    else if (key === 'event_type' && typeof value === 'string') {
      if (named === message) named = value;
    } else if (key === 'metadata' && isRecord(value)) base = value as Fields;
    else {
      define(rest, key, value);
      restCount++;
    }
  }
  return { action: named, metadata: restCount === 0 ? base : mergeFields(base, rest) };
}

/** Holds the loggers of one logwire instance, their thresholds and their sink. */
export class LoggerTree {
  readonly settings: LoggerSettings;
  readonly sink: EntrySink;
  readonly #loggers = new Map<string, Logger>();
  readonly #onInternalError: (error: unknown) => void;
  /** Bumped when thresholds change, so loggers re-resolve theirs lazily. */
  version = 0;

  /** Resolved `maxRecordBytes` (@internal). */
  readonly maxRecordBytes: number;
  /** The last logger name {@link write} saw and whether it has an `audit` segment (records mostly come from a few loggers). */
  #lastName = '';
  #lastNameAudit = false;

  constructor(settings: LoggerSettings, sink: EntrySink, onInternalError: (error: unknown) => void) {
    const max = settings.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(max) || max < MIN_MAX_RECORD_BYTES) {
      const why = `maxRecordBytes must be an integer of at least ${MIN_MAX_RECORD_BYTES}, got ${String(max)}`;
      throw new LogwireError(LogwireErrorCode.InvalidOption, why);
    }
    this.maxRecordBytes = max;
    this.settings = settings;
    this.sink = sink;
    this.#onInternalError = onInternalError;
  }

  /** The logger called `name`, created on first use. */
  get(name: string): Logger {
    let logger = this.#loggers.get(name);
    if (logger === undefined) {
      logger = new Logger(this, name);
      this.#loggers.set(name, logger);
    }
    return logger;
  }

  /** Sets the minimum level of the subtree under `prefix` (`''` for every logger). */
  setLevel(prefix: string, level: LevelName | string): void {
    const name = toLevelName(level);
    if (name === undefined)
      throw new LogwireError(
        LogwireErrorCode.InvalidOption,
        `Unknown level "${level}": use one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL`,
      );
    this.settings.levels.set(prefix, Level[name]);
    this.version++;
  }

  /** The threshold of the longest configured prefix of `name` (segment-wise). */
  thresholdFor(name: string): number {
    return longestPrefix(this.settings.levels, name) ?? Level.INFO;
  }

  /** The category of the longest configured prefix of `name`, or the default category. */
  categoryFor(name: string): string | undefined {
    const categories = this.settings.categories;
    if (categories === undefined) return undefined;
    return longestPrefix(categories, name) ?? this.settings.defaultCategory;
  }

  /** Classifies, formats, redacts and hands on one record; `site` is its call site, when known. */
  write(
    level: LevelName,
    logger: string,
    message: string,
    fields: Fields | undefined,
    time: number,
    site: Callsite | undefined,
    audit: boolean,
    /**
     * The request context and span merged in: the current ones (`true`), those where the record was
     * made (a captured {@link LogContext}), or none (`false`: a record that lists its own, the
     * request logger's, or one made outside any).
     */
    context: boolean | LogContext = true,
  ): void {
    if (logger !== this.#lastName) {
      this.#lastName = logger;
      this.#lastNameAudit = hasAuditSegment(logger);
    }
    if (isAudit(this.#lastNameAudit, message, audit || auditFlag(fields))) {
      const { action, metadata } = auditParts(fields, message);
      this.writeAudit(level, logger, message, action, metadata, time, context);
      return;
    }
    fields = contextFields(fields, context, this.settings.traceIdFormat);
    const callsite = site ?? UNKNOWN_CALLSITE;
    const category = this.settings.categories === undefined ? undefined : this.categoryFor(logger);
    this.sink({
      type: 'system_log',
      time,
      level: Level[level],
      logger,
      data: formatSystemData(time, level, logger, message, callsite, fields, this.settings.redactor, category, this.maxRecordBytes),
    });
  }

  /** Formats and hands on one audit record. */
  writeAudit(
    level: LevelName,
    logger: string,
    message: string,
    action: string,
    metadata: Fields | undefined,
    time: number,
    context: boolean | LogContext = true,
  ): void {
    const details = contextFields(metadata, context, this.settings.traceIdFormat);
    const data = formatAuditData(time, level, logger, message, action, details, this.settings.redactor, this.maxRecordBytes);
    this.sink({ type: 'audit_log', time, level: Level[level], logger, data });
  }

  /**
   * Takes a record from another source (pino, winston, a worker) through the same pipeline. Never
   * throws. `context`: which request context and span to merge in (see {@link write}).
   */
  ingest(record: IngestRecord, context: boolean | LogContext = true): void {
    try {
      const level = (typeof record.level === 'string' ? toLevelName(record.level) : undefined) ?? 'INFO';
      const time = typeof record.time === 'number' && Number.isFinite(record.time) ? record.time : Date.now();
      const fields = asFields(record.fields);
      const site = isCallsite(record.callsite) ? record.callsite : undefined;
      this.write(level, messageText(record.logger), messageText(record.message), fields, time, site, record.audit === true, context);
    } catch (cause) {
      this.reportInternalError(cause);
    }
  }

  /** Last resort when formatting failed: a record with the message and what went wrong. */
  writeFallback(level: LevelName, logger: string, message: string, cause: unknown): void {
    try {
      const time = Date.now();
      const problem = { logwire_error: cause instanceof Error ? cause.message : messageText(cause) };
      const { redactor } = this.settings;
      const data = formatSystemData(time, level, logger, message, UNKNOWN_CALLSITE, problem, redactor, undefined, this.maxRecordBytes);
      this.sink({ type: 'system_log', time, level: Level[level], logger, data });
    } catch (again) {
      this.reportInternalError(again);
    }
  }

  reportInternalError(error: unknown): void {
    try {
      this.#onInternalError(error);
    } catch {
      // The error reporter itself failed; a log call must still never throw.
    }
  }
}

/** The value of the longest dot-segment prefix of `name` present in `map` (`''` is the root). */
function longestPrefix<T>(map: Map<string, T>, name: string): T | undefined {
  let candidate = name;
  for (;;) {
    const value = map.get(candidate);
    if (value !== undefined) return value;
    if (candidate === '') return undefined;
    const dot = candidate.lastIndexOf('.');
    candidate = dot === -1 ? '' : candidate.slice(0, dot);
  }
}

/** True for a non-array object; false (not a throw) for a revoked proxy. */
function isRecord(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return !Array.isArray(value);
  } catch {
    return true; // A revoked proxy: treat as an object; reading it yields placeholders.
  }
}

/** Fields as given, `{ value }` for anything that is not an object, `undefined` for nothing. */
function asFields(value: unknown): Fields | undefined {
  if (value === undefined || value === null) return undefined;
  return isRecord(value) ? (value as Fields) : { value };
}

function isCallsite(value: unknown): value is Callsite {
  if (typeof value !== 'object' || value === null) return false;
  const site = value as Partial<Callsite>;
  return typeof site.module === 'string' && typeof site.function === 'string' && typeof site.line === 'number';
}

/** `value instanceof Error`, false for a revoked proxy (whose prototype cannot be read). */
function isError(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/**
 * The audit flag of a record's fields: `fields.audit === true`, where fields are the call's fields
 * over the logger's bindings (the call's own `audit` key wins). Never throws on a hostile object.
 */
function auditFlag(fields: unknown, bindings?: Fields): boolean {
  try {
    const isObject = typeof fields === 'object' && fields !== null;
    if (isObject && (bindings === undefined || Object.prototype.propertyIsEnumerable.call(fields, 'audit'))) {
      return (fields as Fields)['audit'] === true;
    }
    return bindings?.['audit'] === true;
  } catch {
    return false;
  }
}
