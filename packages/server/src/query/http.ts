import type { IncomingMessage, ServerResponse } from 'node:http';
import { LogwireError } from '../errors.js';
import { type Authenticate, runAuthenticate } from '../security/authenticate.js';
import { type LogKind, type LogQuery, MAX_QUERY_LIMIT, type QueryPage, queryLogs } from './query.js';

/** Options of {@link createQueryHandler}. */
export interface QueryHandlerOptions {
  /** The persistence directory (`persistence.dir`). */
  dir: string;
  /** The same hook that guards the WebSocket endpoint. Without one, every request is admitted. */
  authenticate?: Authenticate;
  /** Path prefix of the two routes. @default '/logs' */
  prefix?: string;
  /** Called after each answered audit query, e.g. to audit the read itself. */
  onAuditRead?: (read: { user: unknown; query: LogQuery; count: number }) => void;
}

/** A request handler for plain `http` and Express (`next` is called for other paths). */
export type QueryHandler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void;

const PARAMS = new Set(['since', 'until', 'limit', 'level', 'logger', 'action', 'text', 'cursor']);

/**
 * Serves `GET <prefix>/system` and `GET <prefix>/audit`: the query API over the log files, as
 * JSON `{ entries, cursor }`. Behind `authenticate`: refused → 401 (500 if the hook throws); a
 * client without audit permission → 403 on the audit route. Invalid parameters → 400 with
 * `{ error, message }`. Other paths go to `next` (Express) or get 404 (plain `http`).
 *
 * @example
 * http.createServer(createQueryHandler({ dir: '/var/log/app', authenticate }));
 * app.use(createQueryHandler({ dir, authenticate }));   // Express
 */
export function createQueryHandler(options: QueryHandlerOptions): QueryHandler {
  const prefix = (options.prefix ?? '/logs').replace(/\/+$/, '');
  return (request, response, next) => {
    const url = request.url ?? '/';
    const rawPath = url.split('?', 1)[0] as string;
    let kind: LogKind | undefined;
    if (rawPath === `${prefix}/system` || rawPath === `${prefix}/system/`) kind = 'system';
    else if (rawPath === `${prefix}/audit` || rawPath === `${prefix}/audit/`) kind = 'audit';
    if (kind === undefined) {
      if (rawPath.startsWith(prefix + '/') && /\.\.|%2e|%2f|%5c|\\|%00/i.test(rawPath)) {
        send(response, 400, { error: 'bad_request', message: 'invalid path' });
        return;
      }
      if (next !== undefined) next();
      else send(response, 404, { error: 'not_found', message: `use GET ${prefix}/system or GET ${prefix}/audit` });
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, { error: 'method_not_allowed', message: 'use GET' });
      return;
    }
    void serve(kind, url, request, response, options).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { error: 'internal', message: 'the query failed' });
      else response.destroy(error instanceof Error ? error : undefined);
    });
  };
}

async function serve(kind: LogKind, url: string, request: IncomingMessage, response: ServerResponse, options: QueryHandlerOptions): Promise<void> {
  const auth = await runAuthenticate(options.authenticate, request);
  if (!auth.ok) {
    send(response, auth.status, { error: auth.status === 401 ? 'unauthorized' : 'internal', message: auth.status === 401 ? 'authentication required' : 'authentication failed' });
    return;
  }
  if (kind === 'audit' && !auth.audit) {
    send(response, 403, { error: 'forbidden', message: 'this client may not read the audit trail' });
    return;
  }
  const parsed = parseQuery(url, kind);
  if (typeof parsed === 'string') {
    send(response, 400, { error: 'bad_request', message: parsed });
    return;
  }
  let page: QueryPage;
  try {
    page = queryLogs(options.dir, kind, parsed);
  } catch (error) {
    if (error instanceof LogwireError) {
      send(response, 400, { error: 'bad_request', message: error.message });
      return;
    }
    throw error;
  }
  if (kind === 'audit') {
    try {
      options.onAuditRead?.({ user: auth.user, query: parsed, count: page.entries.length });
    } catch {
      // The read is answered even if recording it failed.
    }
  }
  send(response, 200, page, request.method === 'HEAD');
}

/** Turns the query string into a {@link LogQuery}, or a message saying what is wrong. */
export function parseQuery(url: string, kind: LogKind): LogQuery | string {
  let params: URLSearchParams;
  try {
    params = new URL(url, 'http://localhost').searchParams;
  } catch {
    return 'malformed URL';
  }
  const query: LogQuery = {};
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (!PARAMS.has(name)) return `unknown parameter "${name.slice(0, 40)}": use ${[...PARAMS].join(', ')}`;
    if (seen.has(name)) return `parameter "${name}" given more than once`;
    seen.add(name);
    if (value.includes('\0')) return `parameter "${name}" contains a NUL character`;
    switch (name) {
      case 'since':
      case 'until': {
        const ms = parseTime(value);
        if (ms === undefined) return `${name} must be an ISO 8601 date or time (e.g. 2026-03-14 or 2026-03-14T12:00:00Z) or milliseconds since 1970`;
        query[name] = ms;
        break;
      }
      case 'limit': {
        if (!/^\d{1,7}$/.test(value)) return `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`;
        const limit = Number(value);
        if (limit < 1 || limit > MAX_QUERY_LIMIT) return `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`;
        query.limit = limit;
        break;
      }
      case 'level':
        query.level = value.toUpperCase() as LogQuery['level'];
        break;
      case 'action':
        if (kind !== 'audit') return 'action filters audit entries only';
        query.action = value;
        break;
      case 'logger':
      case 'text':
      case 'cursor':
        query[name] = value;
        break;
    }
  }
  return query;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses an ISO 8601 date or date-time (no time zone means UTC) or epoch milliseconds; undefined when invalid. */
export function parseTime(value: string): number | undefined {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const match = ISO.exec(value);
  if (match === null) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const ms = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number((fraction + '000').slice(0, 3)));
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (zone === undefined || zone === 'Z') return ms;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  return ms - sign * offset;
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
