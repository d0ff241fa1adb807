// Counting instead of listing: `GET /logs/stats` (system entries by level, category and hour) and
// `GET /logs/events` (audit actions per hour). Both read the files of the time window newest first
// through the same filter and budget as a page query; a count cut short by the budget says so
// (`complete: false`) and gives the cursor that counts the older rest.
import { parseId, type QueryEntry } from '@logwire/protocol';
import { compileQuery, type LogQuery, PageBuilder } from './filter.js';
import { type QueryBudget, scanLogs } from './query.js';

/** Counts of one clock hour (UTC). */
export interface HourCounts {
  /** Start of the hour, ISO 8601 UTC (`2026-03-14T10:00:00.000Z`). */
  hour: string;
  total: number;
  /** Per level (stats) or per action (events). */
  counts: Record<string, number>;
}

/** What a count covered and how it ended. */
export interface CountWindow {
  /** Window start (ISO), `null` when unbounded. */
  since: string | null;
  /** Window end (ISO), `null` when unbounded. */
  until: string | null;
  total: number;
  /** Hours with entries, oldest first. */
  hours: HourCounts[];
  /** False when the budget ran out: the counts cover only entries newer than `cursor`. */
  complete: boolean;
  /** With `complete: false`, pass back as `cursor` to count the older rest; otherwise `null`. */
  cursor: string | null;
}

/** `GET /logs/stats`: system entries counted by level, category and hour. */
export interface LogStats extends CountWindow {
  levels: Record<string, number>;
  /** Entries without a `category` count under `"none"`. */
  categories: Record<string, number>;
}

/** `GET /logs/events`: audit actions counted overall and per hour. */
export interface AuditEventCounts extends CountWindow {
  actions: Record<string, number>;
}

/** Distinct keys (categories, actions) counted by name; later ones count under `"other"`, so memory stays bounded. */
export const MAX_COUNT_KEYS = 500;
const HOUR_MS = 3_600_000;

/** Counts the system entries that match `query` by level, category and hour. */
export async function logStats(dir: string, query: LogQuery, budget?: QueryBudget): Promise<LogStats> {
  const levels = new Counter();
  const categories = new Counter();
  const result = await count(dir, 'system', query, budget, (entry) => {
    const level = entry.data['level'];
    const category = entry.data['category'];
    levels.add(typeof level === 'string' ? level : 'INFO');
    categories.add(typeof category === 'string' ? category : 'none');
    return typeof level === 'string' ? level : 'INFO';
  });
  return { ...result, levels: levels.object(), categories: categories.object() };
}

/** Counts the audit events that match `query` by action, overall and per hour. */
export async function auditEventCounts(dir: string, query: LogQuery, budget?: QueryBudget): Promise<AuditEventCounts> {
  const actions = new Counter();
  const result = await count(dir, 'audit', query, budget, (entry) => {
    const action = entry.data['action'];
    const name = typeof action === 'string' ? action : 'none';
    actions.add(name);
    return name;
  });
  return { ...result, actions: actions.object() };
}

async function count(
  dir: string,
  kind: 'system' | 'audit',
  query: LogQuery,
  budget: QueryBudget | undefined,
  key: (entry: QueryEntry) => string,
): Promise<CountWindow> {
  const filter = compileQuery(kind, { ...query, limit: undefined, defaultWindow: false });
  const hours = new Map<number, { total: number; counts: Counter }>();
  let total = 0;
  const builder = new PageBuilder(filter, (entry) => {
    const hour = Math.floor((parseId(entry.id)?.ms ?? 0) / HOUR_MS) * HOUR_MS;
    let bucket = hours.get(hour);
    if (bucket === undefined) hours.set(hour, (bucket = { total: 0, counts: new Counter() }));
    bucket.total++;
    bucket.counts.add(key(entry));
    total++;
  });
  const complete = await scanLogs(dir, filter, builder, budget);
  const iso = (ms: number): string | null => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
  return {
    since: iso(filter.since),
    until: iso(filter.until),
    total,
    hours: [...hours.entries()]
      .sort(([a], [b]) => a - b)
      .map(([hour, bucket]) => ({ hour: new Date(hour).toISOString(), total: bucket.total, counts: bucket.counts.object() })),
    complete,
    cursor: complete ? null : builder.page(false).cursor,
  };
}

/** Counts by name, at most {@link MAX_COUNT_KEYS} names. */
class Counter {
  readonly #counts = new Map<string, number>();

  add(name: string): void {
    const key = this.#counts.has(name) || this.#counts.size < MAX_COUNT_KEYS ? name : 'other';
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** The counts as a plain object without a prototype (a name such as `__proto__` is an ordinary key), largest first. */
  object(): Record<string, number> {
    const out = Object.create(null) as Record<string, number>;
    for (const [name, value] of [...this.#counts].sort((a, b) => b[1] - a[1])) out[name] = value;
    return out;
  }
}
