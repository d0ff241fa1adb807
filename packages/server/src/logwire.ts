import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isMainThread } from 'node:worker_threads';
import type { LevelName } from '@logwire/protocol';
import { LogHub, type LogHubOptions } from './hub/log-hub.js';
import type { Fields, LogEntry } from './logger/format.js';
import { mergeFields } from './logger/fields.js';
import { type AuditOptions, type IngestRecord, type Logger, LoggerTree } from './logger/logger.js';
import { type RequestRecord, writeRequest } from './logger/request-record.js';
import { createRedactor, type RedactOptions } from './redact/redactor.js';
import { LogStreamEndpoint, type LogStreamEndpointOptions } from './transport/ws-endpoint.js';
import { LogStore, type PersistenceOptions, type StoreEvents } from './persistence/store.js';
import { type ExportOptions, OtlpExport } from './export/otlp.js';
import { DEFAULT_WORKER_CHANNEL, receiveFromWorkers, WorkerForwarder } from './worker/bridge.js';
import { LogwireError, LogwireErrorCode } from './errors.js';
import type { BackplaneLink, LogwireBackplane } from './hub/backplane.js';
import { type ConsoleOption, ConsoleSink, resolveConsole } from './console/console-sink.js';
import { type LogContext, type RequestContext, requestContext } from './context/request-context.js';
import type { TraceIdFormat } from './context/trace.js';
import {
  createHttpMiddleware,
  type HttpMiddleware,
  type RequestLoggerOptions,
  type RequestSink,
  RequestTracker,
} from './http/request-logger.js';
import { createFastifyPlugin, type FastifyRequestLogger } from './http/fastify.js';
import { LogwireMetrics, type MetricsOptions } from './metrics/metrics.js';
import { createMetricsHandler, type MetricsHandler, type MetricsHandlerOptions } from './metrics/http.js';
import { AlertSet } from './alerts/alerts.js';
import { categoryMap, defaultOnError, definedOnly, neverThrows, persistenceOptions, thresholds, traceIdFormat } from './logwire-options.js';

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
  /**
   * Characters of message, action and field values one record may hold (at least 1024). Longer
   * strings are cut in the log call and end with `…[truncated]`; the record gets
   * `"logwire_truncated": true`. See docs/server.md. @default 65536
   */
  maxRecordBytes?: number;
  /**
   * Secret redaction, applied before a record reaches the hub (so frames, files and any other
   * sink only see redacted data). On by default; `false` turns it off.
   * @default true (built-in keys and patterns)
   */
  redact?: boolean | RedactOptions;
  /**
   * Category per logger-name prefix, as in the seeds' structured logging design
   * (`{ 'code_monet.auth': 'auth' }`). When set, every `system_log` carries a `category` field
   * (the longest matching prefix, segment-wise, else {@link LogwireOptions.defaultCategory}).
   * @default undefined (no `category` field)
   */
  categories?: Record<string, string>;
  /** Category of loggers that no prefix of `categories` matches. @default 'system' */
  defaultCategory?: string;
  /**
   * Receive records logged in `worker_threads` (through the process-wide `getLogger` there, or an
   * instance created with `forwardToMainThread`). A string names the channel; give each instance
   * its own when one process runs several. Only meaningful in the main thread.
   * @default true (channel 'logwire:records')
   */
  workers?: boolean | string;
  /**
   * Send records to the main thread's instance instead of this instance's own hub: for loggers
   * inside a worker thread. A string names the channel.
   * @default false (true for the process-wide instance inside a worker thread)
   */
  forwardToMainThread?: boolean | string;
  /** Called with errors raised inside logwire (never thrown into a log call). @default prints to stderr */
  onError?: (error: unknown) => void;
  /**
   * Write the logs to files under `persistence.dir` and rebuild the stream's history and id
   * sequence from them at construction (synchronously). Write failures go to `onError`.
   * See docs/persistence.md.
   */
  persistence?: PersistenceOptions;
  /**
   * Send every record (system and audit, after redaction) elsewhere: `{ otlp: { url, headers } }`
   * to an OpenTelemetry collector over OTLP/HTTP. See docs/guides/exporting.md.
   */
  export?: ExportOptions;
  /**
   * Share the stream with other server nodes (`new RedisBackplane(…)` of `@logwire/redis`): ids,
   * epoch and order come from the backplane, every node fans out every node's records, and a
   * client resumes on any node. See docs/scaling.md. With a backplane, `persistence` still writes
   * files but the replay history comes from the backplane.
   */
  backplane?: LogwireBackplane;
  /**
   * Terminal output of every record this instance logs or receives from worker threads:
   * `'pretty'`, `'json'` (one record per line: the wire's `data`, with `"type":"audit_log"` first
   * for audit records), `false`, a Writable (json), or `{ stream, format, colour, maxBufferBytes }`.
   * Never blocks a log call; see docs/server.md. Ignored when forwarding to the main thread.
   * @default process.env.LOGWIRE_CONSOLE, else 'pretty' when stdout is a TTY, else 'json'
   */
  console?: ConsoleOption;
  /**
   * How `trace_id` is written when `@opentelemetry/api` is installed and a span is active (records
   * then carry `trace_id` and `span_id`): `'w3c'` (32 hex digits) or `'xray'` (`1-5f84c7a1-…`).
   * @default 'w3c'
   */
  traceIdFormat?: TraceIdFormat;
  /**
   * Metrics of records, requests and streaming (`logwire.metrics`; `logwire.metricsHandler()` serves them as Prometheus text);
   * `false` turns them off, and latency alerts with them. See docs/guides/metrics-and-alerts.md. @default true
   */
  metrics?: boolean | MetricsOptions;
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
  /** One endpoint per server: attaching twice must not answer one upgrade twice. */
  readonly #attached = new WeakMap<HttpServer, LogStreamEndpoint>();
  readonly #auditLogger: Logger;
  /** The log files (query, instance logs, sync), when `persistence` is configured. */
  readonly persistence: LogStore | undefined;
  /** The OTLP export (`export.otlp`), when configured: `dropped` and `exported` counts, `flush()`. */
  readonly otlp: OtlpExport | undefined;
  readonly #forwarder: WorkerForwarder | undefined;
  readonly #stopWorkers: (() => void) | undefined;
  readonly #backplane: BackplaneLink | undefined;
  readonly #onError: (error: unknown) => void;
  /** The terminal output (see the `console` option), or `undefined` when it is off. */
  readonly console: ConsoleSink | undefined;
  /** Settles once the backplane (if any) reads the stream; immediately without one. Never rejects. */
  readonly ready: Promise<void>;

  /** Records, requests and streaming health; `undefined` with `metrics: false`. */
  readonly metrics: LogwireMetrics | undefined;
  /** Alerts over the stream's records and the request metrics (`logwire.alerts.add({ … })`). */
  readonly alerts: AlertSet;

  /** Audit events logged on this node: `commit()` covers the ones logged before it is called. */
  #auditLogged = 0;

  constructor(given: LogwireOptions = {}) {
    // An option set to `undefined` means its default, as if it were not given.
    const options = definedOnly(given);
    const onError = neverThrows(options.onError ?? defaultOnError);
    this.#onError = onError;
    const persistence = options.persistence === undefined ? undefined : persistenceOptions(options.persistence);
    this.persistence = persistence === undefined ? undefined : new LogStore(persistence, onError, this.#storeEvents());
    const recovered =
      this.persistence !== undefined && options.persistence?.recover !== false
        ? this.persistence.recover(options.historySize ?? 10_000)
        : undefined;
    this.hub = new LogHub({ ...options, epoch: options.epoch ?? recovered?.epoch, onListenerError: options.onListenerError ?? onError });
    if (recovered !== undefined) this.hub.restore(recovered.messages);
    this.#backplane = options.backplane?.connect(this.hub, onError);
    if (this.#backplane !== undefined) this.hub.useBackplane(this.#backplane);
    this.ready = this.#backplane?.ready.catch(onError) ?? Promise.resolve();
    this.persistence?.attach(this.hub, { logged: () => this.#auditLogged, backplane: this.#backplane });
    this.otlp = options.export?.otlp === undefined ? undefined : new OtlpExport(options.export.otlp, onError);
    this.otlp?.attach(this.hub);
    const forward = options.forwardToMainThread ?? false;
    this.#forwarder = forward === false ? undefined : new WorkerForwarder(typeof forward === 'string' ? forward : DEFAULT_WORKER_CHANNEL);
    const forwarder = this.#forwarder;
    const settings = {
      levels: thresholds(options.level, onError),
      callsite: options.callsite ?? true,
      redactor: createRedactor(options.redact),
      categories: options.categories === undefined ? undefined : categoryMap(options.categories),
      defaultCategory: options.defaultCategory ?? 'system',
      maxRecordBytes: options.maxRecordBytes,
      traceIdFormat: traceIdFormat(options.traceIdFormat),
    };
    // A forwarding instance's records are printed by the main thread's sink, whole lines only.
    const consoleSettings = forwarder === undefined ? resolveConsole(options.console, process.env, onError) : undefined;
    this.console = consoleSettings === undefined ? undefined : new ConsoleSink(consoleSettings, onError);
    const sink = forwarder === undefined ? (entry: LogEntry) => this.#publish(entry) : (entry: LogEntry) => forwarder.push(entry);
    this.#tree = new LoggerTree(settings, sink, onError);
    this.#auditLogger = this.#tree.get('audit');
    const workers = options.workers ?? true;
    if (workers !== false && forwarder === undefined && isMainThread) {
      const channel = typeof workers === 'string' ? workers : DEFAULT_WORKER_CHANNEL;
      this.#stopWorkers = receiveFromWorkers(channel, (entry) => this.#publish(entry), onError);
    }
    const metricsOption = options.metrics ?? true;
    this.metrics =
      metricsOption === false
        ? undefined
        : new LogwireMetrics(metricsOption === true ? {} : metricsOption, {
            endpoints: () => this.#endpoints,
            categoryOf: (logger) => (settings.categories === undefined ? undefined : this.#tree.categoryFor(logger)),
            alerts: () => this.alerts.list().map((alert) => ({ name: alert.name, firing: alert.status === 'firing' })),
            dir: options.persistence?.dir,
            onError,
          });
    const metrics = this.metrics;
    this.alerts = new AlertSet({
      audit: (action, metadata) => this.audit(action, metadata),
      requests: metrics === undefined ? undefined : (windowMs, now) => metrics.window(windowMs, now),
      history: () => this.hub.after(undefined),
      onError,
      changed: (alert) => this.#endpoints.forEach((endpoint) => endpoint.broadcastAlert(alert)),
    });
    // Counting comes after the sends (afterDelivery), so it never delays a client.
    this.hub.afterDelivery((batch) => {
      metrics?.observe(batch);
      this.alerts.observe(batch);
    });
    // Modules that log through the process-wide getLogger() should reach the stream the app
    // attached, so the first instance of the main thread also serves them.
    if (defaultInstance === undefined && isMainThread && forwarder === undefined) defaultInstance = this;
  }

  #publish(entry: LogEntry): void {
    if (entry.type === 'audit_log') this.#auditLogged++;
    this.console?.push(entry);
    this.hub.publish(entry);
  }

  /** The store's links to the stream: instance lifecycle records, and recorded audit reads. */
  #storeEvents(): StoreEvents {
    return {
      instanceEvents: () => this.getLogger('instance'),
      queryError: this.#reportingAuth(this.#onError),
      auditRead: (read) =>
        read.refused === true
          ? this.#auditLogger.audit('audit_read_refused', { user: read.user === undefined ? null : read.user, filters: read.query })
          : this.#auditLogger.audit('audit_read', {
              user: read.user === undefined ? null : read.user,
              filters: read.query,
              count: read.count,
            }),
    };
  }

  /** The logger called `name` (dotted, hierarchical); the same object for the same name. */
  getLogger(name = ''): Logger {
    if (typeof name !== 'string')
      throw new LogwireError(LogwireErrorCode.InvalidOption, `logger name must be a string, got ${typeof name}`);
    return this.#tree.get(name);
  }

  /** Sets the minimum level of every logger under `prefix` (`''` for all). */
  setLevel(prefix: string, level: LevelName): void {
    this.#tree.setLevel(prefix, level);
  }

  /**
   * Feeds a record from another source (the pino and winston adapters use this) through the same
   * classification, redaction and formatting as a logger call. `context`: the request context and
   * span where the record was made (`captureContext()` there; `false` when it returned
   * `undefined`), for a source that hands records on later; by default the current ones. Never throws.
   */
  ingest(record: IngestRecord, context?: LogContext | false): void {
    this.#tree.ingest(record, context ?? true);
  }

  /** Records an audit event on the `audit` logger. See {@link Logger.audit}. */
  audit(action: string, metadata?: Fields, options?: AuditOptions): void {
    this.#auditLogger.audit(action, metadata, options);
  }

  /**
   * The seeds' `log_audit_event(event_type, instance_id, details, **kwargs)`: an INFO audit event
   * on the `orchestrator.audit` logger, message and action `eventType`, metadata
   * `{ instance_id, details, ...extra }`.
   */
  logAuditEvent(eventType: string, instanceId?: string | null, details?: Fields | null, extra?: Fields): void {
    try {
      const metadata = mergeFields(typeof extra === 'object' && extra !== null ? extra : {}, {
        instance_id: instanceId ?? null,
        details: details ?? {},
      });
      this.#tree.get('orchestrator.audit').audit(eventType, metadata);
    } catch (cause) {
      this.#tree.reportInternalError(cause);
    }
  }

  /**
   * Serves the log stream on an existing HTTP server at `/ws/logs` (and `/ws/monitor`). Attaching
   * the same server again returns the endpoint already serving it (its options stay those of the
   * first call), so every client still receives each message once.
   */
  attach(server: HttpServer, options?: LogStreamEndpointOptions): LogStreamEndpoint {
    const existing = this.#attached.get(server);
    if (existing !== undefined && this.#endpoints.has(existing)) return existing;
    const endpoint = new LogStreamEndpoint(this.hub, this.#endpointOptions(options)).attach(server);
    this.#endpoints.add(endpoint);
    this.#attached.set(server, endpoint);
    return endpoint;
  }

  /** Serves the log stream on its own port. Resolves with the endpoint and its address. */
  async listen(
    port = 0,
    host = '127.0.0.1',
    options?: LogStreamEndpointOptions,
  ): Promise<{ endpoint: LogStreamEndpoint; address: AddressInfo }> {
    const endpoint = new LogStreamEndpoint(this.hub, this.#endpointOptions(options));
    this.#endpoints.add(endpoint);
    const address = await endpoint.listen(port, host);
    return { endpoint, address };
  }

  /** The request context: fields every record logged inside `context.run(fields, fn)` carries. See docs/guides/request-logging.md. */
  readonly context: RequestContext = requestContext;
  #fastify: FastifyRequestLogger | undefined;

  /** A request-logging middleware for node:http, Express and Connect: one record per request on logger `http`. */
  http(options?: RequestLoggerOptions): HttpMiddleware {
    return createHttpMiddleware(new RequestTracker(this.#requestSink(), options));
  }

  /** The Fastify request-logging plugin: `app.register(logwire.fastify, options)`. */
  get fastify(): FastifyRequestLogger {
    this.#fastify ??= createFastifyPlugin(this.#requestSink());
    return this.#fastify;
  }

  #requestSink(): RequestSink {
    const traceIdFormat = this.#tree.settings.traceIdFormat;
    const ingest = (record: IngestRecord): void => {
      if (record.fields !== undefined) this.metrics?.request(record.fields);
      // The request logger lists the request's context and trace ids itself.
      this.#tree.ingest(record, false);
    };
    const ingestRequest = (record: RequestRecord): void => {
      this.metrics?.request(record);
      writeRequest(this.#tree, record);
    };
    return { logger: this.getLogger('http'), ingest, ingestRequest, onError: this.#onError, traceIdFormat };
  }

  /**
   * A handler for `GET /metrics` (Prometheus text) behind `authenticate` — give it the hook that
   * guards the stream. `undefined` with `metrics: false`.
   */
  metricsHandler(options?: MetricsHandlerOptions): MetricsHandler | undefined {
    return this.metrics === undefined ? undefined : createMetricsHandler(this.metrics, options);
  }

  /**
   * Endpoint options with the instance's reporting: the endpoint's own `onError` or else the
   * instance's, and each reported `authenticate` failure also as an ERROR record on `logwire.auth`.
   */
  #endpointOptions(options: LogStreamEndpointOptions | undefined): LogStreamEndpointOptions {
    return {
      chains: this.persistence?.chains,
      alerts: this.alerts,
      ...options,
      onError: this.#reportingAuth(options?.onError ?? this.#onError),
    };
  }

  /** `report`, plus each reported `authenticate` failure as an ERROR record on `logwire.auth`. */
  #reportingAuth(report: (error: LogwireError) => void): (error: LogwireError) => void {
    return (error) => {
      report(error);
      if (error.code === LogwireErrorCode.Authenticate) this.#tree.get('logwire.auth').error(error.message, { code: error.code });
    };
  }

  /** Flushes pending messages and closes every endpoint. */
  async close(): Promise<void> {
    if (defaultInstance === this) defaultInstance = undefined;
    this.#stopWorkers?.();
    this.#forwarder?.close();
    this.console?.close();
    this.hub.flush();
    this.alerts.close();
    this.metrics?.close();
    await Promise.all([...this.#endpoints].map((endpoint) => endpoint.close()));
    this.#endpoints.clear();
    this.hub.close();
    await this.#backplane?.close().catch((error: unknown) => this.#onError(error));
    this.persistence?.close();
    await this.otlp?.close();
  }
}

/**
 * Creates an independent logging pipeline. Most apps need one. The first instance created in the
 * main thread also becomes the process-wide instance behind {@link getLogger} and {@link audit}
 * (until it is closed), unless one exists already.
 */
export function createLogwire(options?: LogwireOptions): Logwire {
  return new Logwire(options);
}

let defaultInstance: Logwire | undefined;

/**
 * The process-wide instance behind {@link getLogger} and {@link audit}, created on first use with
 * default options. Inside a worker thread it forwards every record to the main thread.
 */
export function defaultLogwire(): Logwire {
  defaultInstance ??= new Logwire(isMainThread ? {} : { forwardToMainThread: true });
  return defaultInstance;
}

/** Makes `logwire` the process-wide instance (call it before the first {@link getLogger}). */
export function setDefaultLogwire(logwire: Logwire): void {
  defaultInstance = logwire;
}

/** The logger called `name` on the process-wide instance. */
export function getLogger(name = ''): Logger {
  return defaultLogwire().getLogger(name);
}

/** Records an audit event on the process-wide instance. */
export function audit(action: string, metadata?: Fields, options?: AuditOptions): void {
  defaultLogwire().audit(action, metadata, options);
}

/** The seeds' `log_audit_event` on the process-wide instance. */
export function logAuditEvent(eventType: string, instanceId?: string | null, details?: Fields | null, extra?: Fields): void {
  defaultLogwire().logAuditEvent(eventType, instanceId, details, extra);
}
