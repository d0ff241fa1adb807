// The routes of the query API under its prefix (`/logs`): what each one reads, which parameters it
// takes and what it answers. ./http.ts does the rest (authentication, audit permission for the
// `audit` kind, limits, 400 on a parameter message or an invalid filter).
import { auditEventCounts, logStats } from './aggregate.js';
import type { LogKind, LogQuery } from './filter.js';
import { parseQuery, withDefaultWindow } from './params.js';
import { type QueryBudget, queryLogsAsync } from './query.js';

/** Parameters of `around=<id>&before=N&after=N`, which ./around.ts reads itself. */
const AROUND_PARAMS = ['around', 'before', 'after'];

/** One route: the files it reads (`audit` needs audit permission), its parameters and its answer. */
export interface QueryRoute {
  kind: LogKind;
  /** The query string → a query, or a message saying what is wrong (answered with 400). */
  parse: (url: string) => LogQuery | string;
  /** Whether the route also answers `around=<id>&before=N&after=N` (./around.ts). */
  around?: true;
  /** The JSON answer and how many entries it holds (for `onAuditRead`). */
  run: (dir: string, query: LogQuery, budget: QueryBudget) => Promise<{ body: unknown; count: number }>;
}

async function page(dir: string, kind: LogKind, query: LogQuery, budget: QueryBudget): Promise<{ body: unknown; count: number }> {
  const result = await queryLogsAsync(dir, kind, withDefaultWindow(query), budget);
  return { body: result, count: result.entries.length };
}

/**
 * - `system`, `audit`: a page `{ entries, cursor }` of the matching entries, newest last.
 * - `errors`: `system` at level ERROR and above unless `level` says otherwise (as the original `/logs/errors`).
 * - `search`: `system` with the text `q` (required; `text` is the same filter under its own name).
 * - `stats`: system entries counted by level, category and hour (./aggregate.ts).
 * - `events`: audit actions counted overall and per hour (needs audit permission).
 * Every route takes the common parameters (time, level, logger, category, `field.<path>`, …), and
 * covers the last 24 hours when given no time bound or cursor (see `withDefaultWindow`).
 */
export const ROUTES: Readonly<Record<string, QueryRoute>> = {
  system: {
    kind: 'system',
    around: true,
    parse: (url) => parseQuery(url, 'system', AROUND_PARAMS),
    run: (dir, query, budget) => page(dir, 'system', query, budget),
  },
  audit: {
    kind: 'audit',
    around: true,
    parse: (url) => parseQuery(url, 'audit', AROUND_PARAMS),
    run: (dir, query, budget) => page(dir, 'audit', query, budget),
  },
  errors: {
    kind: 'system',
    parse: (url) => {
      const query = parseQuery(url, 'system');
      if (typeof query !== 'string') query.level ??= 'ERROR';
      return query;
    },
    run: (dir, query, budget) => page(dir, 'system', query, budget),
  },
  search: {
    kind: 'system',
    parse: (url) => {
      const extras: Record<string, string> = {};
      const query = parseQuery(url, 'system', ['q'], extras);
      if (typeof query === 'string') return query;
      const q = extras['q'];
      if (q === undefined || q.trim() === '') return 'q is required: the text to search for, e.g. /logs/search?q=timeout';
      if (query.text !== undefined) return 'give q or text, not both';
      query.text = q;
      return query;
    },
    run: (dir, query, budget) => page(dir, 'system', query, budget),
  },
  stats: {
    kind: 'system',
    parse: (url) => parseQuery(url, 'system'),
    run: async (dir, query, budget) => ({ body: await logStats(dir, withDefaultWindow(query), budget), count: 0 }),
  },
  events: {
    kind: 'audit',
    parse: (url) => parseQuery(url, 'audit'),
    run: async (dir, query, budget) => {
      const body = await auditEventCounts(dir, withDefaultWindow(query), budget);
      return { body, count: body.total };
    },
  },
};
