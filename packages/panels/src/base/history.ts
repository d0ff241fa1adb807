// Loading older entries from the server's query API (`GET <base>/system`, `GET <base>/audit`,
// answering `{ entries, cursor }`, newest last). Nothing here throws: every failure becomes a
// result with a message the panel shows as text.
import { type FieldConstraint, type LogMessage, parseId, validate } from '@logwire/protocol';
import { fieldParams } from './field-filter-input.js';
import { visible } from './text.js';

/**
 * The `fetch` the panels use for history requests. Pass your own to add an `Authorization`
 * header, send cookies cross-origin (`credentials: 'include'`) or route through a proxy. `init`
 * holds `method`, `headers` (a plain object, so it can be spread) and an abort `signal`.
 */
export type HistoryFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Where a history load stands. */
export const HistoryState = {
  /** Nothing loading; older entries may exist. */
  Idle: 'idle',
  Loading: 'loading',
  /** The last load failed; the message says why. Loading again retries. */
  Error: 'error',
  /** The server has no entries older than the oldest one held. */
  End: 'end',
  /** The panel holds 1.5 × its `limit` or more; raise `limit` to load more. */
  Full: 'full',
} as const;
/** One of the history states. */
export type HistoryState = (typeof HistoryState)[keyof typeof HistoryState];

/** Largest page the query API serves. */
export const MAX_HISTORY_PAGE = 1000;

/** Where the page ends: strictly older than a stream id (`cursor`), or at or before a time (`until`, ms). */
export interface HistoryBound {
  cursor?: string;
  until?: number;
}

/** The answer to one history request. */
export type HistoryResult<M extends LogMessage> =
  | {
      ok: true;
      /** The valid entries of the page, oldest first. */
      messages: M[];
      /** Entries of the page that were not valid log messages of the panel's type. */
      skipped: number;
      /** The API's cursor for the next older page; null at the start of history. */
      cursor: string | null;
    }
  | { ok: false; status: number | undefined; message: string };

/**
 * The request URL: `<base>/<route>?limit=N[&cursor=ID | &until=MS][&field.<path>=…]`, resolved
 * against the page for a relative base; `fields` are the panel's field filter.
 */
export function historyUrl(
  base: string,
  route: 'system' | 'audit',
  limit: number,
  bound: HistoryBound,
  documentBase: string,
  fields: readonly FieldConstraint[] = [],
): string | undefined {
  try {
    const url = new URL(`${base.replace(/\/+$/, '')}/${route}`, documentBase);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    url.searchParams.set('limit', String(limit));
    if (bound.cursor !== undefined) url.searchParams.set('cursor', bound.cursor);
    else if (bound.until !== undefined) url.searchParams.set('until', String(bound.until));
    for (const [name, value] of fieldParams(fields)) url.searchParams.append(name, value);
    return url.href;
  } catch {
    return undefined;
  }
}

/** What the server said, shortened and with invisible characters shown, for an error message. */
function serverMessage(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const message = (body as Record<string, unknown>)['message'];
  return typeof message === 'string' ? visible(message.slice(0, 200)) : '';
}

/** Fetches one page and maps its entries (`{type, id, seq?, data}`) to stream messages of `type`. */
export async function fetchHistory<M extends LogMessage>(
  fetcher: HistoryFetch,
  url: string,
  type: M['type'],
  signal: AbortSignal,
): Promise<HistoryResult<M>> {
  let response: Response;
  try {
    response = await fetcher(url, { method: 'GET', headers: { Accept: 'application/json' }, signal });
  } catch {
    return { ok: false, status: undefined, message: 'Could not reach the history server.' };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (response.status === 401) return { ok: false, status: 401, message: 'Not signed in: the history server refused the request (401).' };
  if (response.status === 403) return { ok: false, status: 403, message: 'Not allowed to read this history (403).' };
  if (!response.ok) {
    const detail = serverMessage(body);
    return {
      ok: false,
      status: response.status,
      message: `Loading older entries failed (HTTP ${response.status})${detail === '' ? '.' : `: ${detail}`}`,
    };
  }
  const page = body as { entries?: unknown; cursor?: unknown } | undefined;
  if (
    typeof page !== 'object' ||
    page === null ||
    !Array.isArray(page.entries) ||
    (page.cursor !== null && typeof page.cursor !== 'string')
  ) {
    return { ok: false, status: response.status, message: 'The history server answered with something that is not a page of log entries.' };
  }
  const messages: M[] = [];
  let skipped = 0;
  for (const entry of page.entries as unknown[]) {
    const message = toMessage<M>(entry, type);
    if (message === undefined) skipped++;
    else messages.push(message);
  }
  return { ok: true, messages, skipped, cursor: page.cursor };
}

/**
 * A query entry as the stream would have sent it: `{type, id, data}`, and `chain` for audit
 * entries. The API's `seq` (also in `chain`) is left out. Undefined when invalid.
 */
export function toMessage<M extends LogMessage>(entry: unknown, type: M['type']): M | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const { type: entryType, id, data, chain } = entry as Record<string, unknown>;
  if (entryType !== type || typeof id !== 'string' || parseId(id) === undefined) return undefined;
  // Audit entries keep their place in the hash-chained trail, so loaded pages are verified too.
  const result = validate(
    chain === undefined || type !== 'audit_log' ? { type: entryType, id, data } : { type: entryType, id, data, chain },
  );
  return result.ok ? (result.message as M) : undefined;
}
