// `around=<id>&before=N&after=N` of the query API: the entry with stream id `<id>` and up to N
// entries on each side of it, oldest first, for a link to one entry ("show it in its context").
// Files are read backwards from the one just newer than the entry's file (files entirely newer are
// skipped after reading their first line), in slices that yield to the event loop, within the
// query budget. Other filters do not apply: the page is the entry's context as written.
import path from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { compareIds, parseId, type StreamId } from '@logwire/protocol';
import { listTrailFiles } from '../persistence/audit-trail.js';
import { auditMessage, systemFiles, systemMessage } from '../persistence/records.js';
import { auditChainFields } from './chain-fields.js';
import { type LogKind, lineId, type QueryEntry } from './filter.js';
import { firstLineId, readSlicesBackward } from './read-backward.js';

/** Most entries asked for on each side. */
export const MAX_AROUND = 500;
/** Entries on each side when `before` / `after` are not given. */
export const DEFAULT_AROUND = 50;

/** A parsed `around` query. */
export interface AroundQuery {
  id: string;
  position: StreamId;
  before: number;
  after: number;
}

/** The answer: the entries (oldest first) and whether the entry itself was found. */
export interface AroundPage {
  entries: QueryEntry[];
  /** Pass as `cursor` to get the entries older than this page; null when there are none. */
  cursor: string | null;
  around: string;
  found: boolean;
  /** True when the budget ran out before the entry was reached. */
  incomplete: boolean;
}

const NAMES = new Set(['around', 'before', 'after']);

/**
 * The `around` query of a query string: undefined when `around` is absent, a message when it is
 * invalid or combined with other parameters (they would not apply).
 */
export function parseAround(url: string): AroundQuery | string | undefined {
  let params: URLSearchParams;
  try {
    params = new URL(url, 'http://localhost').searchParams;
  } catch {
    return undefined;
  }
  const id = params.get('around');
  if (id === null) {
    if (params.has('before') || params.has('after')) return 'before and after go with around=<id>';
    return undefined;
  }
  for (const name of params.keys()) if (!NAMES.has(name)) return `around=<id> takes only before and after, not "${name.slice(0, 40)}"`;
  const position = parseId(id);
  if (position === undefined) return 'around must be a stream id (<ms>-<seq>)';
  const count = (name: string): number | string => {
    const value = params.get(name);
    if (value === null) return DEFAULT_AROUND;
    if (!/^\d{1,4}$/.test(value) || Number(value) > MAX_AROUND) return `${name} must be a whole number from 0 to ${MAX_AROUND}`;
    return Number(value);
  };
  const before = count('before');
  if (typeof before === 'string') return before;
  const after = count('after');
  if (typeof after === 'string') return after;
  return { id, position, before, after };
}

/** Reads the page around `query.position`; see the module comment. */
export async function queryAround(
  dir: string,
  kind: LogKind,
  query: AroundQuery,
  budget: { maxBytes: number; signal?: AbortSignal },
): Promise<AroundPage> {
  const files =
    kind === 'system'
      ? systemFiles(dir)
      : listTrailFiles(path.join(dir, 'audit'))
          .reverse()
          .map((name) => path.join(dir, 'audit', name));
  // The newest file that starts at or before the entry holds it; the one newer than it may hold what follows.
  let start = files.length;
  for (let index = 0; index < files.length; index++) {
    const first = await firstLineId(files[index] as string);
    if (first !== undefined && compareIds(first, query.position) <= 0) {
      start = index;
      break;
    }
  }
  const state = { bytes: 0, stop: false };
  const spend = async (bytes: number): Promise<void> => {
    state.bytes += bytes;
    if (state.bytes >= budget.maxBytes || budget.signal?.aborted === true) state.stop = true;
    else await nextTurn();
  };
  // The entry's file, backwards: what follows the entry in it, the entry, then what precedes it.
  const newer: string[] = [];
  const older: string[] = [];
  let found: string | undefined;
  let passed = false;
  scan: for (let index = start; index < files.length && !state.stop; index++) {
    for await (const slice of readSlicesBackward(files[index] as string)) {
      for (const line of slice.lines) {
        const id = lineId(line);
        if (id === undefined) continue;
        const order = compareIds(id, query.position);
        if (order > 0) {
          newer.push(line);
          if (newer.length > 2 * query.after + 64) newer.splice(0, newer.length - query.after);
        } else if (order === 0) {
          found = line;
        } else if (found === undefined) {
          passed = true;
          break scan;
        } else if (older.length < query.before) {
          older.push(line);
        } else {
          break scan;
        }
      }
      await spend(slice.bytes);
      if (state.stop) break;
    }
  }
  if (found === undefined) return { entries: [], cursor: null, around: query.id, found: false, incomplete: !passed && state.stop };
  // Newer files, oldest first, for what follows the entry beyond its file.
  const after = newer
    .slice(-query.after || newer.length)
    .reverse()
    .slice(0, query.after);
  for (let index = start - 1; index >= 0 && after.length < query.after && !state.stop; index--) {
    const lines: string[] = [];
    for await (const slice of readSlicesBackward(files[index] as string)) {
      lines.push(...slice.lines);
      await spend(slice.bytes);
      if (state.stop) break;
    }
    for (let k = lines.length - 1; k >= 0 && after.length < query.after; k--)
      if (lineId(lines[k] as string) !== undefined) after.push(lines[k] as string);
  }
  const lines = [...older.reverse(), found, ...after];
  const entries = lines.flatMap((line) => {
    const entry = toEntry(kind, line);
    return entry === undefined ? [] : [entry];
  });
  const oldest = entries[0];
  return {
    entries,
    cursor: older.length === query.before && oldest !== undefined ? oldest.id : null,
    around: query.id,
    found: true,
    incomplete: false,
  };
}

function toEntry(kind: LogKind, line: string): QueryEntry | undefined {
  const message = kind === 'system' ? systemMessage(line) : auditMessage(line);
  if (message === undefined) return undefined;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(message.data) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const entry: QueryEntry = { type: message.type, id: message.id, data };
  if (kind === 'audit') Object.assign(entry, auditChainFields(line));
  return entry;
}
