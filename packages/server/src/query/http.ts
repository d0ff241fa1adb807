// GET /logs/system, /logs/audit and the routes of ./routes.ts: routing, Origin check for cookie
// requests, authentication, concurrency limits (429), and the answer.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { AuthReports } from '../security/auth-reports.js';
import { type Authenticate, runAuthenticate } from '../security/authenticate.js';
import { originAllowed, type OriginPolicy } from '../security/origin.js';
import { type AroundPage, parseAround, queryAround } from './around.js';
import type { LogQuery } from './filter.js';
import { QueryGate, type QueryLimits, type ResolvedLimits, resolveLimits } from './limits.js';
import { type QueryRoute, ROUTES } from './routes.js';

export { parseQuery, parseTime } from './params.js';

/** Options of {@link createQueryHandler}; every one given as `undefined` means its default. */
export interface QueryHandlerOptions {
  /** The persistence directory (`persistence.dir`). */
  dir: string;
  /** The same hook that guards the WebSocket endpoint. Without one, every request is admitted. */
  authenticate?: Authenticate | undefined;
  /**
   * Origins whose pages may send cookie-carrying requests (the WebSocket endpoint's option of the
   * same name): a request with a `Cookie` header and an `Origin` outside it is refused with 403.
   * @default 'same-origin' (the Origin's host must be the request's Host)
   */
  allowedOrigins?: OriginPolicy | undefined;
  /** Path prefix of the two routes. @default '/logs' */
  prefix?: string | undefined;
  /** Concurrency limits and per-query budgets; see {@link QueryLimits}. */
  limits?: QueryLimits | undefined;
  /**
   * Called after each audit query that was answered, and after each one refused for lack of audit
   * permission (`refused: true`, `count: 0`), e.g. to audit the read itself.
   */
  onAuditRead?: ((read: AuditRead) => void) | undefined;
  /**
   * Told what the `authenticate` hook threw (the request got 500): each distinct message once, at
   * most 100, as the stream endpoint reports them (code `ERR_LOGWIRE_AUTHENTICATE`).
   */
  onError?: ((error: LogwireError) => void) | undefined;
}

/** An audit query, answered or refused, as {@link QueryHandlerOptions.onAuditRead} sees it. */
export interface AuditRead {
  user: unknown;
  query: LogQuery;
  count: number;
  /** True when the client was refused (403) for lack of audit permission. */
  refused?: boolean;
}

/** A request handler for plain `http` and Express (`next` is called for other paths). */
export type QueryHandler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void;

interface Context {
  options: QueryHandlerOptions;
  limits: ResolvedLimits;
  gate: QueryGate;
  auth: AuthReports;
}

/**
 * Serves `GET <prefix>/system` and `GET <prefix>/audit` (the query API over the log files, as
 * JSON `{ entries, cursor }`), `GET <prefix>/errors`, `GET <prefix>/search?q=` (pages of the same
 * shape), `GET <prefix>/stats` and `GET <prefix>/events` (counts; see ./routes.ts). A request
 * with a `Cookie` from an `Origin` outside `allowedOrigins` → 403. Behind `authenticate`: refused
 * → 401 (500 if the hook throws); a client without audit permission → 403 on the audit and events
 * routes. Invalid parameters → 400 with `{ error, message }`. More
 * queries at once than `limits` allow → 429 with `Retry-After`. Other paths go to `next`
 * (Express) or get 404 (plain `http`). Queries read in slices that yield to the event loop and
 * stop at their budget with a cursor to continue.
 *
 * @example
 * http.createServer(createQueryHandler({ dir: '/var/log/app', authenticate }));
 * app.use(createQueryHandler({ dir, authenticate }));   // Express
 */
export function createQueryHandler(options: QueryHandlerOptions): QueryHandler {
  const prefix = (options.prefix ?? '/logs').replace(/\/+$/, '');
  const limits = resolveLimits(options.limits);
  const gate = new QueryGate(limits.maxConcurrent, limits.maxConcurrentPerPrincipal);
  const context: Context = { options, limits, gate, auth: new AuthReports(options.onError) };
  return (request, response, next) => {
    const url = request.url ?? '/';
    const rawPath = url.split('?', 1)[0] as string;
    const name = rawPath.startsWith(prefix + '/') ? rawPath.slice(prefix.length + 1).replace(/\/$/, '') : '';
    const route = Object.hasOwn(ROUTES, name) ? ROUTES[name] : undefined;
    if (route === undefined) {
      if (rawPath.startsWith(prefix + '/') && /\.\.|%2e|%2f|%5c|\\|%00/i.test(rawPath)) {
        send(response, 400, { error: 'bad_request', message: 'invalid path' });
        return;
      }
      if (next !== undefined) next();
      else
        send(response, 404, {
          error: 'not_found',
          message: `use GET ${Object.keys(ROUTES)
            .map((known) => `${prefix}/${known}`)
            .join(', ')}`,
        });
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, { error: 'method_not_allowed', message: 'use GET' });
      return;
    }
    void serve(route, url, request, response, context).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: 'internal', message: 'the query failed' });
      else response.destroy(error instanceof Error ? error : undefined);
    });
  };
}

async function serve(route: QueryRoute, url: string, request: IncomingMessage, response: ServerResponse, context: Context): Promise<void> {
  const { options, limits } = context;
  // Browsers attach cookies to cross-site requests; a bearer token they cannot attach.
  if (request.headers.cookie !== undefined && !originAllowed(request, options.allowedOrigins ?? 'same-origin', true)) {
    send(response, 403, { error: 'forbidden', message: 'cookie-authenticated requests are not accepted from this Origin' });
    return;
  }
  const auth = await runAuthenticate(options.authenticate, request);
  if (!auth.ok) {
    if (auth.status === 500) context.auth.hookFailed(auth.error);
    const unauthorized = auth.status === 401;
    const message = unauthorized ? 'authentication required' : 'authentication failed';
    send(response, auth.status, { error: unauthorized ? 'unauthorized' : 'internal', message });
    return;
  }
  const parsed = route.parse(url);
  if (route.kind === 'audit' && !auth.audit) {
    reportAuditRead(options, { user: auth.user, query: typeof parsed === 'string' ? {} : parsed, count: 0, refused: true });
    send(response, 403, { error: 'forbidden', message: 'this client may not read the audit trail' });
    return;
  }
  if (typeof parsed === 'string') {
    send(response, 400, { error: 'bad_request', message: parsed });
    return;
  }
  const leave = context.gate.enter(limits.principal(auth.user, request));
  if (typeof leave === 'string') {
    const retryAfter = Math.max(1, Math.ceil(limits.maxMsPerQuery / 1000));
    response.setHeader('Retry-After', String(retryAfter));
    const message =
      leave === 'principal'
        ? `too many queries at once from this client (at most ${limits.maxConcurrentPerPrincipal}): retry after ${retryAfter} s`
        : `too many queries at once (at most ${limits.maxConcurrent}): retry after ${retryAfter} s`;
    send(response, 429, { error: 'too_many_requests', message });
    return;
  }
  // The slot is held until the answer has been handed to the socket or the client went away.
  response.once('close', leave);
  response.once('finish', leave);
  const gone = new AbortController();
  response.once('close', () => gone.abort());
  let answer: { body: unknown; count: number };
  let missing: AroundPage | undefined;
  try {
    const budget = { maxBytes: limits.maxBytesPerQuery, maxMs: limits.maxMsPerQuery, signal: gone.signal };
    // `around=<id>` (./around.ts) on the system and audit routes: one entry in its context.
    const around = route.around === true ? parseAround(url) : undefined;
    if (typeof around === 'string') throw new LogwireError(LogwireErrorCode.InvalidOption, around);
    if (around === undefined) answer = await route.run(options.dir, parsed, budget);
    else {
      const page = await queryAround(options.dir, route.kind, around, budget);
      answer = { body: page, count: page.entries.length };
      if (!page.found) missing = page;
    }
  } catch (error) {
    leave();
    if (error instanceof LogwireError) {
      send(response, 400, { error: 'bad_request', message: error.message });
      return;
    }
    throw error;
  }
  if (response.destroyed) return;
  if (route.kind === 'audit') reportAuditRead(options, { user: auth.user, query: parsed, count: answer.count });
  if (missing !== undefined) {
    const why = missing.incomplete
      ? 'could not be reached within the query budget'
      : 'is not in the files: no longer kept, or never written here';
    send(response, 404, { error: 'not_found', message: `entry ${missing.around} ${why}`, around: missing.around, found: false });
    return;
  }
  send(response, 200, answer.body, request.method === 'HEAD');
}

function reportAuditRead(options: QueryHandlerOptions, read: AuditRead): void {
  try {
    options.onAuditRead?.(read);
  } catch {
    // The request is answered even if recording it failed.
  }
}

function send(response: ServerResponse, status: number, body: unknown, headOnly = false): void {
  const text = JSON.stringify(body);
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Content-Length', Buffer.byteLength(text));
  response.end(headOnly ? undefined : text);
}
