import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { LevelName } from '@logwire/protocol';
import { requestContext, runOwned } from '../context/request-context.js';
import { activeTrace, type TraceIdFormat } from '../context/trace.js';
import type { Fields } from '../logger/format.js';
import { RequestRecord } from '../logger/request-record.js';
import type { IngestRecord, Logger } from '../logger/logger.js';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { clientIp } from './client-ip.js';
import { requestIdFrom } from './request-id.js';

/** Options of `logwire.http()` and of the `logwire.fastify` plugin. */
export interface RequestLoggerOptions {
  /**
   * Take `client_ip` from `Forwarded` / `X-Forwarded-For` (the client-most address). Only set it
   * behind a proxy that overwrites these headers: anyone else can forge them. @default false
   */
  trustProxy?: boolean | undefined;
  /** The user of a request (`user_id`), e.g. `(req) => req.user?.id`. Asked on entry and again when the request ends. */
  user?: ((req: IncomingMessage) => string | number | null | undefined) | undefined;
  /** The record's level. @default 5xx ERROR, 4xx WARNING, else INFO (an aborted request at least WARNING) */
  level?: ((status: number, req: IncomingMessage) => LevelName) | undefined;
  /** Requests not logged: exact paths (without query, e.g. `['/health', '/ws/logs']`) or a predicate. */
  ignore?: readonly string[] | ((req: IncomingMessage) => boolean) | undefined;
  /** Requests taking at least this many milliseconds get `slow: true`. @default undefined (never) */
  slowMs?: number | undefined;
  /** Log the query string as a `query` object (its values pass through redaction like any field). @default false */
  query?: boolean | undefined;
}

/** `logwire.http()`: a middleware for node:http, Express and Connect. */
export interface HttpMiddleware {
  /** Tracks the request and runs `next` (if given) inside its request context. */
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** A request listener for `http.createServer(...)` that runs `handler` inside the request's context. */
  wrap(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void;
  /** An Express error handler (`app.use(log.errorHandler)` after the routes) that puts the error on the request's record. */
  errorHandler: (error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
}

/** Query parameters kept at most in `query`: a hostile query string cannot make the record big. */
const MAX_QUERY_PARAMS = 64;

/**
 * Where a tracked request keeps its state, on the request and on its response: a request is
 * logged once, whichever middleware (of any instance, or of another copy of this module) sees it
 * first. A property instead of a WeakMap, and module-level listeners and write wrappers instead of
 * closures per request, keep the per-request cost to a few property stores (bench/request-logging.mjs).
 */
const STATE = Symbol.for('logwire.request');

/** What is known about one request while it runs. */
export interface RequestState {
  readonly start: number;
  readonly requestId: string;
  /** The fields of the request context the middleware entered. */
  readonly context: Fields;
  route: string | undefined;
  error: unknown;
  bytes: number;
  done: boolean;
}

/** A request's state plus what the shared listeners need to finish it. */
class Tracking implements RequestState {
  route: string | undefined = undefined;
  error: unknown = undefined;
  bytes = 0;
  done = false;

  constructor(
    readonly start: number,
    /** The id of the OpenTelemetry span active when the request started (the record's `span_id`). */
    readonly spanId: string | undefined,
    readonly requestId: string,
    readonly context: Fields,
    readonly tracker: RequestTracker,
    readonly req: IncomingMessage,
    /** The response's own `write` and `end`, called by the counting wrappers. */
    readonly write: ServerResponse['write'],
    readonly end: ServerResponse['end'],
  ) {}
}

interface Marked {
  [STATE]?: Tracking | undefined;
}

/** The pieces of a logwire instance a request logger needs. */
export interface RequestSink {
  logger: Logger;
  /** Writes a request record as it is: its fields already list the request's context and trace ids. */
  ingest(record: IngestRecord): void;
  /** Writes a request record (when absent, its fields go to {@link RequestSink.ingest}). */
  ingestRequest?: ((record: RequestRecord) => void) | undefined;
  onError(error: unknown): void;
  /** How a `trace_id` taken from an active OpenTelemetry span is written. */
  traceIdFormat?: TraceIdFormat | undefined;
}

/** Starts and finishes the records of requests; shared by the node:http middleware and the Fastify plugin. */
export class RequestTracker {
  readonly #sink: RequestSink;
  readonly #options: RequestLoggerOptions;
  readonly #ignorePaths: ReadonlySet<string> | undefined;

  constructor(sink: RequestSink, options: RequestLoggerOptions = {}) {
    const slow = options.slowMs;
    if (slow !== undefined && (typeof slow !== 'number' || !(slow >= 0)))
      throw new LogwireError(LogwireErrorCode.InvalidOption, `slowMs must be a number of at least 0, got ${String(slow)}`);
    this.#sink = sink;
    this.#options = options;
    this.#ignorePaths = Array.isArray(options.ignore) ? new Set(options.ignore as readonly string[]) : undefined;
  }

  /** The state of a request already tracked. */
  stateOf(req: IncomingMessage): RequestState | undefined {
    return (req as Marked)[STATE];
  }

  /**
   * Starts tracking `req` (records it when `res` closes) and echoes its request id.
   * `undefined` when the request is ignored or already tracked (then nothing is added). `outer`
   * is the current request context (read once by callers that also enter the request's).
   */
  start(req: IncomingMessage, res: ServerResponse, outer: Readonly<Fields> | undefined = requestContext.get()): RequestState | undefined {
    if ((req as Marked)[STATE] !== undefined || this.#ignored(req)) return undefined;
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const context: Fields = { request_id: requestId };
    const userId = this.#user(req);
    if (userId !== null) context['user_id'] = userId;
    // The one trace lookup of a request: the record takes its ids from here, not from a second lookup when it ends.
    const span = activeTrace(this.#sink.traceIdFormat);
    const traceId = outer?.['trace_id'] ?? span?.trace_id;
    if (typeof traceId === 'string') context['trace_id'] = traceId;
    // Kept unbound on purpose: the counting wrappers call them with the response as `this`.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const state = new Tracking(performance.now(), span?.span_id, requestId, context, this, req, res.write, res.end);
    (req as Marked)[STATE] = state;
    (res as Marked)[STATE] = state;
    // Lower case, as node:http keeps header names: it lower-cases each name (in setHeader and again
    // when writing the head), and one already lower case comes back as the same interned string,
    // where a mixed-case name's copy is looked up in the string table each time (~0.27k instructions).
    if (!res.headersSent) res.setHeader('x-request-id', requestId);
    res.write = countingWrite;
    res.end = countingEnd;
    // `close` only: it follows `finish` (a tick later) on every response, and a second listener on
    // `finish`, which node:http already listens to, would turn its listeners into an array to copy per emit.
    res.on('close', responseClosed);
    return state;
  }

  /** Writes the record of a request that ended (once). */
  finish(res: ServerResponse, state: Tracking, aborted: boolean): void {
    if (state.done) return;
    state.done = true;
    const req = state.req;
    try {
      this.#record(req, res, state, aborted);
    } catch (error) {
      this.#sink.onError(error);
    } finally {
      // The listener stays (cheaper than removing it): a response closes once.
      (req as Marked)[STATE] = undefined;
    }
  }

  #ignored(req: IncomingMessage): boolean {
    const ignore = this.#options.ignore;
    if (ignore === undefined) return false;
    if (this.#ignorePaths !== undefined) return this.#ignorePaths.has(pathOf(req));
    try {
      return Boolean((ignore as (req: IncomingMessage) => boolean)(req));
    } catch (error) {
      this.#sink.onError(error);
      return false;
    }
  }

  #user(req: IncomingMessage): string | number | null {
    const user = this.#options.user;
    if (user === undefined) return null;
    try {
      const id = user(req);
      return typeof id === 'string' || typeof id === 'number' ? id : null;
    } catch (error) {
      this.#sink.onError(error);
      return null;
    }
  }

  #record(req: IncomingMessage, res: ServerResponse, state: Tracking, aborted: boolean): void {
    const status = res.statusCode;
    const level = this.#level(status, req, aborted);
    if (!this.#sink.logger.isEnabled(level)) return;
    const elapsed = Math.round((performance.now() - state.start) * 1000) / 1000;
    const path = pathOf(req);
    const options = this.#options;
    const sink = this.#sink;
    const record = new RequestRecord(
      level,
      sink.logger.name,
      `${req.method ?? ''} ${path} ${aborted ? 'aborted' : statusText(status)}`,
      sink.logger.category === undefined,
      req.method ?? '',
      path,
      routeOf(req) ?? state.route ?? null,
      aborted && !res.headersSent ? null : status,
      elapsed,
      state.bytes,
      clientIp(req, options.trustProxy === true),
      header(req, 'user-agent'),
      header(req, 'referer'),
      this.#user(req) ?? state.context['user_id'] ?? null,
      state.requestId,
      state.context['trace_id'] ?? null,
      // Inside a span the ids lead, as on any record logged in one.
      state.spanId,
      options.query === true ? queryOf(req) : undefined,
      aborted ? 'aborted: the connection closed before the response finished' : state.error,
      options.slowMs !== undefined && elapsed >= options.slowMs,
    );
    if (sink.ingestRequest !== undefined) sink.ingestRequest(record);
    else sink.ingest({ level, logger: record.logger, message: record.message, fields: record.toFields() });
  }

  #level(status: number, req: IncomingMessage, aborted: boolean): LevelName {
    const custom = this.#options.level;
    if (custom !== undefined) {
      try {
        return custom(status, req);
      } catch (error) {
        this.#sink.onError(error);
      }
    }
    if (status >= 500) return 'ERROR';
    return status >= 400 || aborted ? 'WARNING' : 'INFO';
  }
}

/** The middleware of `logwire.http(options)`. */
export function createHttpMiddleware(tracker: RequestTracker): HttpMiddleware {
  const middleware = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    const outer = requestContext.get();
    const state = tracker.start(req, res, outer);
    if (next === undefined) return;
    if (state === undefined) {
      next();
      return;
    }
    try {
      runOwned(state.context, next, outer);
    } catch (error) {
      state.error = error;
      throw error;
    }
  };
  const wrap: HttpMiddleware['wrap'] = (handler) => (req, res) => middleware(req, res, () => handler(req, res));
  const errorHandler: HttpMiddleware['errorHandler'] = (error, req, _res, next) => {
    const state = tracker.stateOf(req);
    if (state !== undefined) state.error = error;
    next(error);
  };
  return Object.assign(middleware, { wrap, errorHandler });
}

/** `close`: the response is done (a tick after `finish`) or its connection ended; aborted unless it had finished. */
function responseClosed(this: ServerResponse): void {
  const state = (this as Marked)[STATE];
  state?.tracker.finish(this, state, !this.writableFinished);
}

// The counting wrappers pass the caller's arguments on as they came (their count included):
// `write(chunk, callback)` and `write(chunk, encoding, callback)` must reach the response unchanged.
// No rest parameters: they would allocate an array per call.

/** `res.write` of a tracked response: counts the body bytes (streamed responses included). */
const countingWrite = function (this: ServerResponse, chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
  const state = (this as Marked)[STATE] as Tracking;
  state.bytes += byteLength(chunk, encoding);
  const write = state.write as (...args: unknown[]) => boolean;
  if (arguments.length <= 1) return write.call(this, chunk);
  if (arguments.length === 2) return write.call(this, chunk, encoding);
  // eslint-disable-next-line prefer-rest-params -- see above
  return arguments.length === 3 ? write.call(this, chunk, encoding, callback) : (Reflect.apply(write, this, arguments) as boolean);
} as ServerResponse['write'];

/** `res.end` of a tracked response: counts the last body bytes. */
const countingEnd = function (this: ServerResponse, chunk?: unknown, encoding?: unknown, callback?: unknown): ServerResponse {
  const state = (this as Marked)[STATE] as Tracking;
  if (!this.writableEnded) state.bytes += byteLength(chunk, encoding);
  const end = state.end as (...args: unknown[]) => ServerResponse;
  if (arguments.length === 0) return end.call(this);
  if (arguments.length === 1) return end.call(this, chunk);
  if (arguments.length === 2) return end.call(this, chunk, encoding);
  // eslint-disable-next-line prefer-rest-params -- see above
  return arguments.length === 3 ? end.call(this, chunk, encoding, callback) : (Reflect.apply(end, this, arguments) as ServerResponse);
} as ServerResponse['end'];

function byteLength(chunk: unknown, encoding: unknown): number {
  if (typeof chunk === 'string') return Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
  if (chunk instanceof Uint8Array) return chunk.byteLength;
  return 0;
}

/** The request's full URL as received (Express keeps it in `originalUrl` when routers strip prefixes). */
function urlOf(req: IncomingMessage): string {
  const original = (req as { originalUrl?: unknown }).originalUrl;
  return typeof original === 'string' ? original : (req.url ?? '');
}

function pathOf(req: IncomingMessage): string {
  const url = urlOf(req);
  const question = url.indexOf('?');
  return question === -1 ? url : url.slice(0, question);
}

function queryOf(req: IncomingMessage): Fields {
  const url = urlOf(req);
  const question = url.indexOf('?');
  if (question === -1) return {};
  const entries: [string, string][] = [];
  for (const entry of new URLSearchParams(url.slice(question + 1))) {
    if (entries.length === MAX_QUERY_PARAMS) break;
    entries.push(entry);
  }
  return Object.fromEntries(entries);
}

/** The route pattern Express matched (`/users/:id`), when there is one. */
function routeOf(req: IncomingMessage): string | undefined {
  const route = (req as { route?: { path?: unknown } }).route;
  return typeof route?.path === 'string' ? route.path : undefined;
}

/** The status codes a response can have, as text: made once, not per record. */
const STATUS_TEXT = Array.from({ length: 1000 }, (_, status) => String(status));

function statusText(status: number): string {
  return STATUS_TEXT[status] ?? String(status);
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}
