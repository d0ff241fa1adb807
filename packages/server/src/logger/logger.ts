import { Level, type LevelName, toLevelName } from '@logwire/protocol';
import { captureCallsite, UNKNOWN_CALLSITE } from './callsite.js';
import { isAuditRecord } from './classify.js';
import { type Fields, type LogEntry, formatAuditData, formatSystemData, messageText } from './format.js';
import { serializeError } from './serialize.js';

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
  #threshold = -1;
  #version = -1;

  /** @internal Use `logwire.getLogger(name)`. */
  constructor(tree: LoggerTree, name: string, bindings?: Fields) {
    this.#tree = tree;
    this.name = name;
    this.#bindings = bindings;
  }

  /** Logs at TRACE (5). */
  trace(message: string, fields?: Fields | Error): void {
    if (this.isEnabled('TRACE')) this.#emit('TRACE', message, fields, this.trace);
  }

  /** Logs at DEBUG (10). */
  debug(message: string, fields?: Fields | Error): void {
    if (this.isEnabled('DEBUG')) this.#emit('DEBUG', message, fields, this.debug);
  }

  /** Logs at INFO (20). */
  info(message: string, fields?: Fields | Error): void {
    if (this.isEnabled('INFO')) this.#emit('INFO', message, fields, this.info);
  }

  /** Logs at WARNING (30). */
  warning(message: string, fields?: Fields | Error): void {
    if (this.isEnabled('WARNING')) this.#emit('WARNING', message, fields, this.warning);
  }

  /** Alias of {@link Logger.warning}. */
  warn(message: string, fields?: Fields | Error): void {
    if (this.isEnabled('WARNING')) this.#emit('WARNING', message, fields, this.warn);
  }

  /** Logs at ERROR (40). Pass an `Error` (or `{ error }`) to include its stack. */
  error(message: string, fields?: Fields | Error): void {
    if (this.isEnabled('ERROR')) this.#emit('ERROR', message, fields, this.error);
  }

  /** Logs at CRITICAL (50). */
  critical(message: string, fields?: Fields | Error): void {
    if (this.isEnabled('CRITICAL')) this.#emit('CRITICAL', message, fields, this.critical);
  }

  /** Logs at a level given by name. */
  log(level: LevelName, message: string, fields?: Fields | Error): void {
    if (this.isEnabled(level)) this.#emit(level, message, fields, this.log);
  }

  /**
   * Records an audit event: `action` names what happened (`instance_spawn`, `user.login`) and
   * `metadata` carries its details. Audit events ignore level thresholds: they are never dropped.
   */
  audit(action: string, metadata?: Fields, options?: AuditOptions): void {
    try {
      const level = options?.level ?? 'INFO';
      const text = options?.message === undefined ? messageText(action) : messageText(options.message);
      const time = Date.now();
      this.#tree.sink({
        type: 'audit_log',
        time,
        level: Level[level] ?? Level.INFO,
        logger: this.name,
        data: formatAuditData(time, level, this.name, text, messageText(action), metadata),
      });
    } catch (cause) {
      this.#tree.reportInternalError(cause);
    }
  }

  /** A logger with the same name whose records all carry `bindings` (e.g. `{ instance_id }`). */
  child(bindings: Fields): Logger {
    return new Logger(this.#tree, this.name, this.#bindings === undefined ? { ...bindings } : { ...this.#bindings, ...bindings });
  }

  /** True when a record at `level` would be kept by this logger's threshold. */
  isEnabled(level: LevelName): boolean {
    if (this.#version !== this.#tree.version) {
      this.#threshold = this.#tree.thresholdFor(this.name);
      this.#version = this.#tree.version;
    }
    return Level[level] >= this.#threshold;
  }

  #emit(level: LevelName, message: string, fields: Fields | Error | undefined, boundary: Function): void {
    try {
      const text = messageText(message);
      let extra: Fields | undefined = fields instanceof Error ? { error: serializeError(fields) } : fields;
      if (this.#bindings !== undefined) extra = extra === undefined ? this.#bindings : { ...this.#bindings, ...extra };
      const time = Date.now();
      if (isAuditRecord(this.name, text, extra !== undefined && extra['audit'] === true)) {
        const { action, metadata } = auditParts(extra, text);
        this.#tree.sink({ type: 'audit_log', time, level: Level[level], logger: this.name, data: formatAuditData(time, level, this.name, text, action, metadata) });
        return;
      }
      const site = this.#tree.settings.callsite ? captureCallsite(boundary) : UNKNOWN_CALLSITE;
      this.#tree.sink({ type: 'system_log', time, level: Level[level], logger: this.name, data: formatSystemData(time, level, this.name, text, site, extra) });
    } catch (cause) {
      this.#tree.reportInternalError(cause);
    }
  }
}

/**
 * Splits the fields of a record classified as audit into action and metadata, as the seeds do:
 * `action` (or `event_type`) becomes the action, `metadata` is taken as is, and any other field
 * joins the metadata. Without an action, the message stands in for it.
 */
function auditParts(fields: Fields | undefined, message: string): { action: string; metadata: Fields } {
  if (fields === undefined) return { action: message, metadata: {} };
  const { audit: _flag, action, event_type: eventType, metadata, ...rest } = fields;
  const named = typeof action === 'string' ? action : typeof eventType === 'string' ? eventType : message;
  const base = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? (metadata as Fields) : {};
  return { action: named, metadata: Object.keys(rest).length === 0 ? base : { ...base, ...rest } };
}

/** Holds the loggers of one logwire instance, their thresholds and their sink. */
export class LoggerTree {
  readonly settings: LoggerSettings;
  readonly sink: EntrySink;
  readonly #loggers = new Map<string, Logger>();
  readonly #onInternalError: (error: unknown) => void;
  /** Bumped when thresholds change, so loggers re-resolve theirs lazily. */
  version = 0;

  constructor(settings: LoggerSettings, sink: EntrySink, onInternalError: (error: unknown) => void) {
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
    if (name === undefined) throw new TypeError(`Unknown level "${level}": use one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL`);
    this.settings.levels.set(prefix, Level[name]);
    this.version++;
  }

  /** The threshold of the longest configured prefix of `name` (segment-wise). */
  thresholdFor(name: string): number {
    let candidate = name;
    for (;;) {
      const level = this.settings.levels.get(candidate);
      if (level !== undefined) return level;
      if (candidate === '') return Level.INFO;
      const dot = candidate.lastIndexOf('.');
      candidate = dot === -1 ? '' : candidate.slice(0, dot);
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
