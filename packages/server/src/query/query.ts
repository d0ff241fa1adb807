// Running a query over the files of a persistence directory: `queryLogs` synchronously (for the
// app's own calls), `queryLogsAsync` in slices that yield to the event loop and stop at a budget
// (for the HTTP query API, where many clients may query at once).
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compareIds } from '@logwire/protocol';
import { listTrailFiles } from '../persistence/audit-trail.js';
import { boundsReader } from '../persistence/file-bounds.js';
import { readLinesBackwardSync } from '../persistence/lines.js';
import { SYSTEM_LOG_FILE, systemFiles } from '../persistence/records.js';
import { type CompiledFilter, compileQuery, type LogKind, type LogQuery, PageBuilder, type QueryPage } from './filter.js';
import { type ByteSlice, firstLineId, readChunksBackward } from './read-backward.js';
import { sharedScheduler, SLICE_MS } from './scheduler.js';

export { type LogKind, type LogQuery, MAX_QUERY_LIMIT, MAX_TEXT_LENGTH, type QueryEntry, type QueryPage } from './filter.js';

/**
 * Queries the files in the persistence directory `dir`, reading them backwards from the newest
 * line and stopping once `limit` matches are found (or `since` is passed), so the cost grows with
 * what is returned and skipped, not with the size of the files. Synchronous: it blocks the event
 * loop while it reads; the HTTP query API uses {@link queryLogsAsync}.
 * Throws {@link LogwireError} `ERR_LOGWIRE_INVALID_OPTION` for invalid filters.
 */
export function queryLogs(dir: string, kind: LogKind, query: LogQuery = {}): QueryPage {
  const filter = compileQuery(kind, query);
  const builder = new PageBuilder(filter);
  for (const file of windowFiles(dir, filter, builder)) {
    let stopped = false;
    readLinesBackwardSync(file, (line) => {
      stopped = !builder.visit(line);
      return !stopped;
    });
    if (stopped) break;
  }
  return builder.page(true);
}

/** How much one {@link queryLogsAsync} call may cost before it returns what it found with a cursor. */
export interface QueryBudget {
  /** Bytes of log lines read at most (lines newer than the query's cursor are not counted). @default 16 MiB */
  maxBytes?: number | undefined;
  /** Milliseconds of reading at most. @default 1000 */
  maxMs?: number | undefined;
  /** Stops the reading early (e.g. when the client went away); the page then ends where it stopped. */
  signal?: AbortSignal | undefined;
  /** Called after each slice of lines, before the query yields to the event loop (for monitoring). */
  onSlice?: (() => void) | undefined;
}

/** Default {@link QueryBudget.maxBytes}. */
export const DEFAULT_QUERY_BYTES = 16 << 20;
/** Default {@link QueryBudget.maxMs}. */
export const DEFAULT_QUERY_MS = 1000;

/**
 * {@link queryLogs} without blocking the event loop: files are read with fs/promises in 64 KiB
 * chunks, into the buffers of a pool all queries of the process share (./read-pool.ts: a query
 * waits its turn for one, and the wait counts against `maxMs`); lines are tested on their bytes
 * and parsed in slices of about a millisecond, all running queries together getting a few
 * milliseconds per event-loop turn (./scheduler.ts), and the query yields to the event loop
 * (`setImmediate`) after the lines of each chunk.
 * When the budget is spent it returns the entries found so far and a cursor where it stopped, so
 * the next call with that cursor goes on without gaps or repeats (it may hold fewer than `limit`
 * entries, even none). Every call looks at some lines after its cursor before it stops, so paging
 * always moves on. Files entirely newer than the cursor are skipped after reading their first line.
 * Throws {@link LogwireError} `ERR_LOGWIRE_INVALID_OPTION` for invalid filters.
 */
export async function queryLogsAsync(dir: string, kind: LogKind, query: LogQuery = {}, budget: QueryBudget = {}): Promise<QueryPage> {
  const filter = compileQuery(kind, query);
  const builder = new PageBuilder(filter);
  return builder.page(await scanLogs(dir, filter, builder, budget));
}

/**
 * Feeds the lines of the files that overlap the filter's time window to `builder`, newest first,
 * in slices that yield to the event loop, until the builder is done (true) or the budget is spent
 * (false: the builder's `examined` is where to continue).
 */
export async function scanLogs(dir: string, filter: CompiledFilter, builder: PageBuilder, budget: QueryBudget = {}): Promise<boolean> {
  const maxBytes = budget.maxBytes ?? DEFAULT_QUERY_BYTES;
  const maxMs = budget.maxMs ?? DEFAULT_QUERY_MS;
  const started = performance.now();
  let bytes = 0;
  for (const file of windowFiles(dir, filter, builder)) {
    if (filter.before !== undefined) {
      const first = await firstLineId(file);
      if (first !== undefined && compareIds(first, filter.before) >= 0) continue;
    }
    for await (const slice of readChunksBackward(file)) {
      const more = await visitInSlices(builder, slice);
      // The pool's buffer goes back before this query yields, for the next query in line.
      slice.release();
      if (!more) return true;
      // A line gathered over earlier chunks comes as a slice of its own, read with them: no turn of its own.
      if (slice.bytes === 0) continue;
      budget.onSlice?.();
      if (builder.examined !== undefined) {
        bytes += slice.bytes;
        if (bytes >= maxBytes || performance.now() - started >= maxMs || budget.signal?.aborted === true) return false;
      }
      await nextTurn();
    }
  }
  return true;
}

/**
 * Visits the lines of `slice` in turns of about {@link SLICE_MS}, each when the shared scheduler
 * gives it one; false when the page is complete.
 */
async function visitInSlices(builder: PageBuilder, slice: ByteSlice): Promise<boolean> {
  const { buffer, ranges } = slice;
  let index = 0;
  builder.beginBytes(buffer, slice.scratch);
  try {
    while (index < ranges.length) {
      await sharedScheduler.enter();
      const start = performance.now();
      try {
        while (index < ranges.length) {
          const more = builder.visitRange(buffer, ranges[index] as number, ranges[index + 1] as number);
          index += 2;
          if (!more) return false;
          if ((index & 63) === 0 && performance.now() - start >= SLICE_MS) break;
        }
      } finally {
        sharedScheduler.leave(performance.now() - start);
      }
    }
    return true;
  } finally {
    builder.endBytes();
  }
}

/**
 * The files a query reads, newest first: with a time window, only those whose span of ids (see
 * ../persistence/file-bounds.ts) overlaps it. A file older than `since` ends the list (every
 * older file is older still), and tells the builder it passed `since`.
 */
function* windowFiles(dir: string, filter: CompiledFilter, builder: PageBuilder): Generator<string> {
  const windowed = Number.isFinite(filter.since) || Number.isFinite(filter.until);
  const bounds = windowed && filter.kind === 'system' ? boundsReader(path.join(dir, SYSTEM_LOG_FILE)) : undefined;
  for (const file of logFiles(dir, filter.kind)) {
    if (windowed) {
      const span = bounds === undefined ? boundsReader(file)(file) : bounds(file);
      if (span !== undefined && span.first > filter.until) continue;
      if (span !== undefined && span.last < filter.since) {
        builder.reachedSince();
        return;
      }
    }
    yield file;
  }
}

/** The files a query reads, newest first. */
function logFiles(dir: string, kind: LogKind): string[] {
  if (kind === 'system') return systemFiles(dir);
  const trail = path.join(dir, 'audit');
  return listTrailFiles(trail)
    .reverse()
    .map((name) => path.join(trail, name));
}
