/**
 * Continuity checks, pure (no Redis): every entry names the id of the entry before it (`prev`) and
 * its epoch, so a reader proves that what it got continues what it saw last, or reports a
 * {@link Gap} with its reason:
 *
 * - `epoch`: the entry belongs to another epoch, or links to nothing (`prev` is `null`) after a
 *   cursor: the stream was recreated and old ids mean nothing now;
 * - `trimmed`: the entry links past the expected id: entries in between existed and are gone;
 * - `diverged`: the entry links before the expected id (or the cursor is ahead of the newest
 *   entry): this is not the history the reader saw (a failover lost a tail);
 * - `dropped`: a marker entry announces records a node dropped from its full backlog.
 *
 * {@link checkLinks} serves the live reader (`stream-reader.ts`), {@link continuousPage} the
 * history pages of `range()`.
 */
import { compareIds, parseId } from '@logwire/protocol';
import { isMarker, type ReadItem, toReadPosition } from './entry-codec.js';
import type { BackplaneEntry, Gap, RangeResult, ReadBatch } from './types.js';

/** Where a live reader stands in a stream. {@link checkLinks} moves it forward. */
export interface ReadPosition {
  /** Id of the last entry read (the XREAD position), `null` before the first. */
  cursor: string | null;
  /** What the next entry's `prev` must be: an id, `null` (an epoch's first entry), or `undefined` (any, after an epoch change). */
  linkTo: string | null | undefined;
  /** Epoch of the entries read so far; `undefined` before the first. */
  epoch: string | undefined;
}

/** The reason of a broken link: `prev` is what the entry links to, `expected` what the reader saw last. */
export function linkGap(prev: string | null, expected: string | null): 'trimmed' | 'diverged' | 'epoch' {
  // An entry linking to nothing starts an epoch: the history before it is another incarnation.
  if (prev === null) return 'epoch';
  const p = parseId(prev);
  const e = parseId(toReadPosition(expected));
  // A link past the expected id means entries in between existed and are gone; a link before it
  // (or an unparsable one) means this is not the history the reader saw.
  return p && e && compareIds(p, e) > 0 ? 'trimmed' : 'diverged';
}

/** The `dropped` gap a marker entry announces (its data carries the count of dropped records). */
export function markerGap(entry: BackplaneEntry): Gap {
  let count: number | undefined;
  try {
    const parsed = JSON.parse(entry.data) as { count?: unknown };
    if (typeof parsed.count === 'number') count = parsed.count;
  } catch {
    // A marker with unreadable data still marks a drop.
  }
  const gap: Gap = { reason: 'dropped', from: entry.prev, to: entry.id, epoch: entry.epoch, node: entry.node };
  if (count !== undefined) gap.count = count;
  return gap;
}

/**
 * Checks each entry's link and epoch against what the reader saw last and splits the entries into
 * batches at the gaps; a marker becomes a batch with its `dropped` gap and no entries. Moves
 * `position` past every item, foreign ones included. A foreign entry (not written by the append
 * script) is not part of the chain: it is skipped, and the next entry must still link to the
 * last logwire entry.
 */
export function checkLinks(position: ReadPosition, stream: string, items: readonly ReadItem[]): ReadBatch[] {
  const batches: ReadBatch[] = [];
  let current: ReadBatch | undefined;
  for (const { id, records } of items) {
    if (!records) {
      position.cursor = id;
      continue;
    }
    for (const entry of records) {
      const before = position.linkTo !== undefined ? position.linkTo : position.cursor;
      position.cursor = entry.id;
      let gap: Gap | undefined;
      if (position.epoch !== undefined && entry.epoch !== position.epoch) {
        gap = { reason: 'epoch', from: before, to: entry.prev, epoch: entry.epoch };
      } else if (position.linkTo !== undefined && entry.prev !== position.linkTo) {
        gap = { reason: linkGap(entry.prev, position.linkTo), from: position.linkTo, to: entry.prev, epoch: entry.epoch };
      }
      position.epoch = entry.epoch;
      position.linkTo = entry.id;
      if (gap) batches.push((current = { stream, epoch: entry.epoch, gap, entries: [] }));
      if (isMarker(entry)) {
        batches.push((current = { stream, epoch: entry.epoch, gap: markerGap(entry), entries: [] }));
        continue;
      }
      if (!current) batches.push((current = { stream, epoch: entry.epoch, entries: [] }));
      current.entries.push(entry);
    }
  }
  return batches;
}

/** What {@link continuousPage} needs: the state of the stream and the records of XRANGE replies. */
export interface PageInput {
  /** The cursor the page continues from: an id, `null` (before the epoch's first entry) or `undefined` (no cursor). */
  after: string | null | undefined;
  /** The reply starts at the oldest retained entry (no cursor, or the cursor's epoch is not the current one). */
  fromStart: boolean;
  /** Current epoch of the stream. */
  epoch: string | undefined;
  /** Id of the newest entry, `null` if the stream is empty. */
  head: string | null;
  /** Records the page holds at most. */
  count: number;
  /** The records read, oldest first, none at or before `after`; `undefined` for a foreign entry. */
  entries: ReadonlyArray<BackplaneEntry | undefined>;
  /** The reads reached the end of the stream (nothing after the last record read). */
  end: boolean;
}

/**
 * One page of history with continuity proven from the cursor: the gap before the first entry, if
 * any, then entries up to (not including) the first broken link, epoch change or drop marker,
 * which the next page reports as its gap.
 */
export function continuousPage({ after, fromStart, epoch, head, count, entries: replied, end }: PageInput): RangeResult {
  let entries = replied;
  let gap: Gap | undefined;
  if (fromStart) {
    if (after !== undefined) {
      // Old-epoch leftovers (meta lost while the stream survived) are not part of this history.
      const firstCurrent = entries.findIndex((e) => e !== undefined && e.epoch === epoch);
      entries = firstCurrent < 0 ? [] : entries.slice(firstCurrent);
      gap = { reason: 'epoch', from: after, to: entries[0]?.prev ?? null, epoch };
    }
  } else if (after !== undefined) {
    const first = entries[0];
    if (first && first.prev !== after) gap = { reason: linkGap(first.prev, after), from: after, to: first.prev, epoch: first.epoch };
    else if (!first && head !== null && compareIds(parseId(head)!, parseId(toReadPosition(after))!) < 0) {
      // The cursor is ahead of the newest entry: the stream lost its tail (failover).
      gap = { reason: 'diverged', from: after, to: head, epoch };
    }
  }
  const out: BackplaneEntry[] = [];
  let truncated = false;
  let link = gap ? gap.to : after;
  for (const [i, entry] of entries.entries()) {
    if (entry === undefined) continue; // foreign entry: not part of the chain
    const broken = link !== undefined && entry.prev !== link && !(i === 0 && fromStart);
    if (broken || isMarker(entry) || out.length === count) {
      if (out.length === 0 && !gap && isMarker(entry) && !broken) {
        gap = markerGap(entry);
        link = entry.id;
        continue;
      }
      truncated = true;
      break;
    }
    out.push(entry);
    link = entry.id;
  }
  const lastId = out.length > 0 ? out.at(-1)!.id : gap !== undefined ? gap.to : (after ?? null);
  const done = !truncated && (end || lastId === head);
  const result: RangeResult = { epoch, head, entries: out, done };
  if (gap) result.gap = gap;
  return result;
}
