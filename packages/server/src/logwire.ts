import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Level, type LevelName, toLevelName } from '@logwire/protocol';
import { LogHub, type LogHubOptions } from './hub/log-hub.js';
import type { Fields } from './logger/format.js';
import { type AuditOptions, Logger, LoggerTree } from './logger/logger.js';
import { LogStreamEndpoint, type LogStreamEndpointOptions } from './transport/ws-endpoint.js';
import { LogStore, type PersistenceOptions } from './persistence/store.js';

/** Options of {@link createLogwire}. */
export interface LogwireOptions extends LogHubOptions {
  /**
   * Minimum level: one level for every logger, or a map from logger-name prefix to level
   * (`{ '': 'INFO', 'orchestrator.tmux': 'DEBUG' }`). Audit events ignore thresholds.
   * @default process.env.LOG_LEVEL ?? 'INFO'
   */
  level?: LevelName | Record<string, LevelName>;
  /** Capture module, function and line of each system log call. @default true */
  callsite?: boolean;
  /** Called with errors raised inside logwire (never thrown into a log call). @default prints to stderr */
  onError?: (error: unknown) => void;
  /**
   * Write the logs to files under `persistence.dir` and rebuild the stream's history and id
   * sequence from them at construction (synchronously). Write failures go to `onError`.
   * See docs/persistence.md.
   */
  persistence?: PersistenceOptions;
}

/**
 * One logging pipeline: loggers feed a hub, and endpoints stream the hub to dashboards.
 *
 * @example
 * const logwire = createLogwire();
 * logwire.attach(httpServer);                      // ws://host/ws/logs
 * logwire.getLogger('orchestrator.server').info('started', { port: 8001 });
 * logwire.audit('instance_spawn', { instance_id: 'abc123' });
 */
export class Logwire {
  /** The stream every logger of this instance feeds. */
  readonly hub: LogHub;
  readonly #tree: LoggerTree;
  readonly #endpoints = new Set<LogStreamEndpoint>();
  readonly #auditLogger: Logger;
  /** The log files (query, instance logs, sync), when `persistence` is configured. */
  readonly persistence: LogStore | undefined;

  constructor(options: LogwireOptions = {}) {
    const onError = options.onError ?? defaultOnError;
    this.persistence = options.persistence === undefined ? undefined : new LogStore(options.persistence, onError, (name) => this.getLogger(name));
    const recovered = this.persistence !== undefined && options.persistence?.recover !== false ? this.persistence.recover(options.historySize ?? 10_000) : undefined;
    this.hub = new LogHub({ ...options, epoch: options.epoch ?? recovered?.epoch, onListenerError: options.onListenerError ?? onError });
    if (recovered !== undefined) this.hub.restore(recovered.messages);
    this.persistence?.attach(this.hub);
    this.#tree = new LoggerTree({ levels: thresholds(options.level), callsite: options.callsite ?? true }, (entry) => this.hub.publish(entry), onError);
    this.#auditLogger = this.#tree.get('audit');
  }

  /** The logger called `name` (dotted, hierarchical); the same object for the same name. */
  getLogger(name = ''): Logger {
    if (typeof name !== 'string') throw new TypeError(`logger name must be a string, got ${typeof name}`);
    return this.#tree.get(name);
  }

  /** Sets the minimum level of every logger under `prefix` (`''` for all). */
  setLevel(prefix: string, level: LevelName): void {
    this.#tree.setLevel(prefix, level);
  }

  /** Records an audit event on the `audit` logger. See {@link Logger.audit}. */
  audit(action: string, metadata?: Fields, options?: AuditOptions): void {
    this.#auditLogger.audit(action, metadata, options);
  }

  /**
   * The seeds' `log_audit_event(event_type, instance_id, details, **kwargs)`: an audit event on the
   * `orchestrator.audit` logger whose metadata is `{ instance_id, details, ...extra }`.
   */
  logAuditEvent(eventType: string, instanceId?: string | null, details?: Fields | null, extra?: Fields): void {
    const metadata: Fields = { ...extra, instance_id: instanceId ?? null, details: details ?? {} };
    this.#tree.get('orchestrator.audit').audit(eventType, metadata);
  }

  /** Serves the log stream on an existing HTTP server at `/ws/logs` (and `/ws/monitor`). */
  attach(server: HttpServer, options?: LogStreamEndpointOptions): LogStreamEndpoint {
    const endpoint = new LogStreamEndpoint(this.hub, options).attach(server);
    this.#endpoints.add(endpoint);
    return endpoint;
  }

  /** Serves the log stream on its own port. Resolves with the endpoint and its address. */
  async listen(port = 0, host = '127.0.0.1', options?: LogStreamEndpointOptions): Promise<{ endpoint: LogStreamEndpoint; address: AddressInfo }> {
    const endpoint = new LogStreamEndpoint(this.hub, options);
    this.#endpoints.add(endpoint);
    const address = await endpoint.listen(port, host);
    return { endpoint, address };
  }

  /** Flushes pending messages and closes every endpoint. */
  async close(): Promise<void> {
    this.hub.flush();
    await Promise.all([...this.#endpoints].map((endpoint) => endpoint.close()));
    this.#endpoints.clear();
    this.hub.close();
    this.persistence?.close();
  }
}

/** Creates an independent logging pipeline. Most apps need one; see also {@link getLogger}. */
export function createLogwire(options?: LogwireOptions): Logwire {
  return new Logwire(options);
}

let defaultInstance: Logwire | undefined;

/** The process-wide instance behind {@link getLogger} and {@link audit}, created on first use. */
export function defaultLogwire(): Logwire {
  defaultInstance ??= new Logwire();
  return defaultInstance;
}

/** The logger called `name` on the process-wide instance. */
export function getLogger(name = ''): Logger {
  return defaultLogwire().getLogger(name);
}

/** Records an audit event on the process-wide instance. */
export function audit(action: string, metadata?: Fields, options?: AuditOptions): void {
  defaultLogwire().audit(action, metadata, options);
}

function thresholds(level: LogwireOptions['level']): Map<string, number> {
  const map = new Map<string, number>();
  const fromEnv = typeof process !== 'undefined' ? process.env['LOG_LEVEL'] : undefined;
  const root = fromEnv === undefined || fromEnv === '' ? undefined : toLevelName(fromEnv);
  map.set('', Level[root ?? 'INFO']);
  if (typeof level === 'string') {
    map.set('', levelOrThrow(level, 'level'));
  } else if (level !== undefined) {
    for (const [prefix, name] of Object.entries(level)) map.set(prefix, levelOrThrow(name, `level["${prefix}"]`));
  }
  return map;
}

function levelOrThrow(name: string, option: string): number {
  const level = toLevelName(name);
  if (level === undefined) throw new TypeError(`${option} must be one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL; got "${name}"`);
  return Level[level];
}

function defaultOnError(error: unknown): void {
  try {
    process.stderr.write(`logwire: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  } catch {
    // stderr itself is gone; nothing left to tell.
  }
}
