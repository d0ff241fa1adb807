/**
 * History reads on the command connection: a stream's head, its newest entries, and pages of
 * history after a cursor with continuity proven (`continuity.ts`). Live entries come from the
 * blocking reader instead (`stream-reader.ts`).
 */
import { parseId } from '@logwire/protocol';
import type { Connection } from './connection.js';
import { continuousPage } from './continuity.js';
import { fromRedisId, isMarker, readEntry, toReadPosition } from './entry-codec.js';
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

/** The newest entries of a stream's current epoch, oldest first. */
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

/** The head of `stream`, read now (no wait for the connection; a failure rejects as `Unavailable` or `Closed`). */
export async function readHead({ connection, keyOf }: HistorySource, stream: string): Promise<StreamHead> {
  const { writer } = connection;
  const [epoch, top] = await Promise.all([
    writer.hget(keyOf(stream, 'm'), 'e').catch((e: unknown) => connection.fail(e)),
    writer.xrevrange(keyOf(stream, 'x'), '+', '-', 'COUNT', 1).catch((e: unknown) => connection.fail(e)),
  ]);
  return { epoch: epoch ?? undefined, last: top[0]?.[0] ?? null };
}

/** The newest `count` entries of the current epoch, oldest first (markers left out). */
export async function readRecent({ connection, keyOf, report }: HistorySource, stream: string, count: number): Promise<RecentEntries> {
  const { writer } = connection;
  const n = Math.max(1, Math.min(Math.floor(count) || 1, 100_000));
  const [epoch, raw] = await Promise.all([
    writer.hget(keyOf(stream, 'm'), 'e'),
    writer.xrevrange(keyOf(stream, 'x'), '+', '-', 'COUNT', n),
  ]);
  const current = epoch ?? undefined;
  const entries: BackplaneEntry[] = [];
  for (const [id, fields] of raw) {
    const entry = readEntry(stream, id, fields, report);
    // Only the current epoch, and markers are not messages.
    if (!entry || entry.epoch !== current) break;
    if (!isMarker(entry)) entries.push(entry);
  }
  return { epoch: current, entries: entries.reverse() };
}

/** One page of history after `options.after`; see `RedisBackplane.range`. */
export async function readRange({ connection, keyOf, report }: HistorySource, stream: string, options: RangeOptions): Promise<RangeResult> {
  const { writer } = connection;
  const count = Math.max(1, Math.min(options.count ?? 1000, 10_000));
  const after = cursorOf(options.after);
  const x = keyOf(stream, 'x');
  const [epochReply, top] = await Promise.all([
    writer.hget(keyOf(stream, 'm'), 'e').catch((e: unknown) => connection.fail(e)),
    writer.xrevrange(x, '+', '-', 'COUNT', 1).catch((e: unknown) => connection.fail(e)),
  ]);
  const epoch = epochReply ?? undefined;
  const fromStart = after === undefined || (options.epoch !== undefined && options.epoch !== epoch);
  const start = fromStart ? '-' : `(${toReadPosition(after)}`;
  const raw = await writer.xrange(x, start, '+', 'COUNT', count).catch((e: unknown) => connection.fail(e));
  const entries = raw.map(([id, fields]) => readEntry(stream, id, fields, report));
  return continuousPage({ after, fromStart, epoch, head: top[0]?.[0] ?? null, count, entries });
}

/** A cursor given by a caller: an unusable one is no cursor; Redis's `0-0` is the start of the epoch (`null`). */
export function cursorOf(after: string | null | undefined): string | null | undefined {
  if (after === null) return null;
  return typeof after === 'string' && parseId(after) !== undefined ? fromRedisId(after) : undefined;
}
