/**
 * History reads on the command connection: a stream's head, its newest records, and pages of
 * history after a cursor with continuity proven (`continuity.ts`). Each stream entry holds a batch
 * of records (`entry-codec.ts`), so the reads ask for as many entries as the records wanted need. Live entries come from the
 * blocking reader instead (`stream-reader.ts`).
 */
import { parseId } from '@logwire/protocol';
import type { Connection } from './connection.js';
import { continuousPage } from './continuity.js';
import { fromRedisId, isMarker, parseEntry, type RawEntry, readItems, reportForeign, toReadPosition } from './entry-codec.js';
import type { ErrorReporter } from './events.js';
import type { KeyOf } from './keys.js';
import type { BackplaneEntry, RangeResult } from './types.js';

/** What history reads use. */
export interface HistorySource {
  connection: Connection;
  keyOf: KeyOf;
  report: ErrorReporter;
}

/** A stream's current epoch and newest id (`null` when it holds nothing). */
export interface StreamHead {
  epoch: string | undefined;
  last: string | null;
}

/** The newest records of a stream's current epoch, oldest first. */
export interface RecentEntries {
  epoch: string | undefined;
  entries: BackplaneEntry[];
}

/** Options of a history page; see `RedisBackplane.range`. */
export interface RangeOptions {
  after?: string | null;
  epoch?: string;
  count?: number;
}

/** Reads stream entries with Buffer replies: an entry's `l` lengths count the bytes of its `b` field. */
type RawRead = (command: 'XRANGE' | 'XREVRANGE', key: string, start: string, end: string, count: number) => Promise<RawEntry[]>;

function rawReader(connection: Connection): RawRead {
  return (command, key, start, end, count) =>
    connection.writer.callBuffer(command, key, start, end, 'COUNT', count).catch((e: unknown) => connection.fail(e)) as Promise<RawEntry[]>;
}

/**
 * Entries to ask for next, to get about `wanted` more records: a stream entry holds one batch of
 * records (one record when traffic is light, hundreds under load), so the count follows the
 * records per entry seen so far, starting small; at most 1000 entries per reply.
 */
function nextCount(wanted: number, records: number, entries: number): number {
  const perEntry = entries === 0 ? 1 : Math.max(1, records / entries);
  return Math.max(1, Math.min(entries === 0 ? 16 : 1000, Math.ceil(wanted / perEntry)));
}

/** The head of `stream`, read now (no wait for the connection; a failure rejects as `Unavailable` or `Closed`). */
export async function readHead({ connection, keyOf }: HistorySource, stream: string): Promise<StreamHead> {
  const { writer } = connection;
  const read = rawReader(connection);
  const [epoch, top] = await Promise.all([
    writer.hget(keyOf(stream, 'm'), 'e').catch((e: unknown) => connection.fail(e)),
    // The newest entry's id is its last record's id.
    read('XREVRANGE', keyOf(stream, 'x'), '+', '-', 1),
  ]);
  return { epoch: epoch ?? undefined, last: top[0] ? top[0][0].toString() : null };
}

/** The newest `count` records of the current epoch, oldest first (markers left out). */
export async function readRecent({ connection, keyOf, report }: HistorySource, stream: string, count: number): Promise<RecentEntries> {
  const n = Math.max(1, Math.min(Math.floor(count) || 1, 100_000));
  const read = rawReader(connection);
  const x = keyOf(stream, 'x');
  const [epoch, newest] = await Promise.all([connection.writer.hget(keyOf(stream, 'm'), 'e'), read('XREVRANGE', x, '+', '-', 16)]);
  const current = epoch ?? undefined;
  // Newest first: each entry's records are reversed into `reversed`.
  const reversed: BackplaneEntry[] = [];
  let raw = newest;
  let asked = 16;
  let entriesSeen = 0;
  let recordsSeen = 0;
  for (;;) {
    for (const [rawId, fields] of raw) {
      entriesSeen++;
      const records = parseEntry(rawId, fields);
      if (!records) {
        reportForeign(stream, rawId.toString(), report);
        continue;
      }
      recordsSeen += records.length;
      // Only the current epoch, and markers are not messages.
      if (records[0]!.epoch !== current) return { epoch: current, entries: reversed.reverse() };
      for (let i = records.length - 1; i >= 0 && reversed.length < n; i--) if (!isMarker(records[i]!)) reversed.push(records[i]!);
      if (reversed.length >= n) return { epoch: current, entries: reversed.reverse() };
    }
    if (raw.length < asked) return { epoch: current, entries: reversed.reverse() };
    const oldest = raw.at(-1)![0].toString();
    asked = nextCount(n - reversed.length, recordsSeen, entriesSeen);
    raw = await read('XREVRANGE', x, `(${oldest}`, '-', asked);
  }
}

/** One page of history after `options.after`; see `RedisBackplane.range`. */
export async function readRange({ connection, keyOf, report }: HistorySource, stream: string, options: RangeOptions): Promise<RangeResult> {
  const { writer } = connection;
  const count = Math.max(1, Math.min(options.count ?? 1000, 10_000));
  const after = cursorOf(options.after);
  const x = keyOf(stream, 'x');
  const read = rawReader(connection);
  const [epochReply, top] = await Promise.all([
    writer.hget(keyOf(stream, 'm'), 'e').catch((e: unknown) => connection.fail(e)),
    read('XREVRANGE', x, '+', '-', 1),
  ]);
  const epoch = epochReply ?? undefined;
  const head = top[0] ? top[0][0].toString() : null;
  const fromStart = after === undefined || (options.epoch !== undefined && options.epoch !== epoch);
  // Entries are read until the page has `count` records (one more tells whether it ends there),
  // the stream ends, or 32 replies were read.
  const records: Array<BackplaneEntry | undefined> = [];
  let start = fromStart ? '-' : `(${toReadPosition(after)}`;
  let end = false;
  let entriesSeen = 0;
  for (let reads = 0; records.length <= count && reads < 32; reads++) {
    const asked = nextCount(count + 1 - records.length, records.length, entriesSeen);
    const raw = await read('XRANGE', x, start, '+', asked);
    entriesSeen += raw.length;
    const items = readItems(stream, raw, fromStart ? undefined : after, report);
    for (const item of items) {
      if (item.records === undefined) records.push(undefined);
      else for (const record of item.records) records.push(record);
    }
    if (raw.length < asked) {
      end = true;
      break;
    }
    start = `(${raw.at(-1)![0].toString()}`;
  }
  return continuousPage({ after, fromStart, epoch, head, count, entries: records, end });
}

/** A cursor given by a caller: an unusable one is no cursor; Redis's `0-0` is the start of the epoch (`null`). */
export function cursorOf(after: string | null | undefined): string | null | undefined {
  if (after === null) return null;
  return typeof after === 'string' && parseId(after) !== undefined ? fromRedisId(after) : undefined;
}
