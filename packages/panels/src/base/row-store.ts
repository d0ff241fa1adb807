// What a panel holds, with no DOM: the rows (log entries and gap markers) ordered by `seq`, the
// filtered view of them, the entries received but not rendered yet, the buffer filled while paused,
// de-duplication against entries loaded from history, eviction to `limit`, and the counts.
//
// Every array here is bounded: the rows by `limit` (twice `limit` while the user reads loaded
// history), the paused buffer by `limit` (the oldest buffered entries are dropped and one `limit`
// gap row says how many), and what arrives between two renders is flushed on the next frame.
import type { GapData, LogMessage } from '@logwire/protocol';
import { levelOf, type PanelLevel } from './levels.js';
import { safeJson } from './text.js';

/** A log entry as the panel holds it. `seq` orders everything the panel ever received. */
export interface LogRow<M extends LogMessage> {
  kind: 'log';
  seq: number;
  message: M;
  level: PanelLevel;
  /** Lower-cased text of every field, built the first time a search needs it. */
  haystack?: string;
  /** Whether the search with key `hitKey` matches (cached for counting and stepping through matches). */
  hit?: boolean;
  hitKey?: number;
  /** Loaded from `historySrc` rather than received live. */
  history?: true;
}

/** An inline marker for messages that are missing (said by the server, or dropped while paused). */
export interface GapRow {
  kind: 'gap';
  seq: number;
  gap: GapData;
  /** The marker of entries dropped from the paused buffer (`gap.count` says how many). */
  whilePaused?: true;
}

/** One row of a panel. */
export type Row<M extends LogMessage> = LogRow<M> | GapRow;

/** What the store asks of the panel that owns it. */
export interface RowStoreHooks<M extends LogMessage> {
  /** Whether a log entry passes the panel's filters (gap rows always do). */
  matches(row: LogRow<M>): boolean;
  /** Whether the user reads older entries (not following, or paused): loaded rows are then kept. */
  readingHistory(): boolean;
  /** Whether a page of history is on its way. */
  loadingHistory(): boolean;
  /** A log entry joined the rows (e.g. to remember its values for filter suggestions, to count them). */
  added?(message: M, row: LogRow<M>): void;
  /** The oldest rows were evicted (`removed`, oldest first). */
  evicted?(removed: readonly Row<M>[]): void;
}

/** What one flush added to the view: log entries shown, and how many of those are errors. */
export interface Flushed {
  shown: number;
  errors: number;
}

/** Default and fallback `limit`. */
export const DEFAULT_LIMIT = 10_000;

/** The rows of one panel; see the module comment. */
export class RowStore<M extends LogMessage> {
  readonly #hooks: RowStoreHooks<M>;
  #limit = DEFAULT_LIMIT;
  #rows: Row<M>[] = [];
  #view: Row<M>[] = [];
  #incoming: Row<M>[] = [];
  #paused = false;
  /** The paused buffer: rows from `#heldStart` on (dropping from the front without shifting each time). */
  #held: (Row<M> | undefined)[] = [];
  #heldStart = 0;
  #heldLogs = 0;
  /** The `limit` marker of the paused buffer, once it overflowed; it goes before the rows held. */
  #pausedGap: GapRow | undefined;
  #nextSeq = 1;
  /** Lowest `seq` given out; rows loaded from history get lower ones, so the rows stay ordered by seq. */
  #minSeq = 1;
  #totalLogs = 0;
  #viewLogs = 0;
  /** Rows loaded from history that are still held. */
  #historyHeld = 0;
  /** Ids of those rows, so the live stream does not add them a second time. */
  readonly #historyIds = new Set<string>();
  #sawUnknown = false;

  constructor(hooks: RowStoreHooks<M>) {
    this.#hooks = hooks;
  }

  /** Most rows held (gap markers included); also the bound of the paused buffer. */
  get limit(): number {
    return this.#limit;
  }

  /** Sets `limit` (anything but a positive finite number means the default) and trims the paused buffer to it. */
  set limit(value: number) {
    this.#limit = Number.isFinite(value) && value > 0 ? Math.floor(value) : DEFAULT_LIMIT;
    this.#trimHeld();
  }

  /** Every row held, ordered by seq (not the incoming or paused ones). */
  get rows(): readonly Row<M>[] {
    return this.#rows;
  }

  /** The rows that pass the filters, ordered by seq. */
  get view(): readonly Row<M>[] {
    return this.#view;
  }

  /** Log entries held. */
  get totalLogs(): number {
    return this.#totalLogs;
  }

  /** Log entries in the view. */
  get viewLogs(): number {
    return this.#viewLogs;
  }

  /** Log entries in the paused buffer (at most `limit`). */
  get bufferedLogs(): number {
    return this.#heldLogs;
  }

  /** Log entries dropped from the paused buffer since the pause began. */
  get droppedWhilePaused(): number {
    return this.#pausedGap?.gap.count ?? 0;
  }

  /** Whether received entries go to the paused buffer. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Whether entries wait for the next flush. */
  get hasIncoming(): boolean {
    return this.#incoming.length > 0;
  }

  /** Rows loaded from history that are still held. */
  get historyHeld(): number {
    return this.#historyHeld;
  }

  /** Whether an entry with a level outside the six was ever held. */
  get sawUnknown(): boolean {
    return this.#sawUnknown;
  }

  /** The log messages held, oldest first. */
  entries(): M[] {
    return logsOf(this.#rows);
  }

  /** The log messages in the view, oldest first. */
  filteredEntries(): M[] {
    return logsOf(this.#view);
  }

  /** The oldest log entry held. */
  oldestLog(): LogRow<M> | undefined {
    for (const row of this.#rows) if (row.kind === 'log') return row;
    return undefined;
  }

  /** Index of the first row in the view with `seq` ≥ the given one. */
  indexOfSeq(seq: number): number {
    let low = 0;
    let high = this.#view.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#view[mid]!.seq < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /**
   * A live message. Returns false when it was already held (loaded from history before the stream
   * delivered it); otherwise it waits for the next flush, or in the paused buffer.
   */
  push(message: M): boolean {
    // Already shown, loaded from history before the stream delivered it.
    if (message.id !== undefined && this.#historyIds.has(message.id)) return false;
    this.#receive({ kind: 'log', seq: this.#nextSeq++, message, level: levelOf(message.data.level) });
    return true;
  }

  /** A gap the server reported; it is placed like a message. */
  pushGap(gap: GapData): void {
    this.#receive({ kind: 'gap', seq: this.#nextSeq++, gap });
  }

  /** From now on received rows go to the paused buffer. */
  pause(): void {
    this.#paused = true;
  }

  /**
   * Ends the pause: the paused buffer (behind its `limit` marker, if it overflowed) joins what waits
   * for the next flush, in seq order. Returns true when something waits.
   */
  resume(): boolean {
    if (!this.#paused) return this.#incoming.length > 0;
    this.#paused = false;
    const buffered: Row<M>[] = [];
    if (this.#pausedGap !== undefined) buffered.push(this.#pausedGap);
    for (let index = this.#heldStart; index < this.#held.length; index++) buffered.push(this.#held[index]!);
    this.#resetHeld();
    this.#incoming = mergeBySeq(this.#incoming, buffered);
    return this.#incoming.length > 0;
  }

  /** Moves what was received into the rows (and the view, where it passes the filters), then evicts. */
  flush(): Flushed | undefined {
    if (this.#incoming.length === 0) return undefined;
    const added = this.#incoming;
    this.#incoming = [];
    let errors = 0;
    let shown = 0;
    for (const row of added) {
      this.#rows.push(row);
      if (row.kind === 'log') {
        this.#totalLogs++;
        if (row.level === 'UNKNOWN') this.#sawUnknown = true;
        this.#hooks.added?.(row.message, row);
      }
      if (this.#matches(row)) {
        this.#view.push(row);
        if (row.kind === 'log') {
          this.#viewLogs++;
          shown++;
          if (row.level === 'ERROR' || row.level === 'CRITICAL') errors++;
        }
      }
    }
    this.evict();
    return { shown, errors };
  }

  // While the user reads loaded history (not following, or paused), the rows may grow to twice
  // `limit` so live entries do not evict the rows just loaded; otherwise they hold `limit`.
  cap(): number {
    const extended = (this.#historyHeld > 0 || this.#hooks.loadingHistory()) && this.#hooks.readingHistory();
    return extended ? 2 * this.#limit : this.#limit;
  }

  /** Whether more rows are held than the cap allows. */
  overCap(): boolean {
    return this.#rows.length > this.cap();
  }

  /** Removes the oldest rows beyond the cap. */
  evict(): void {
    const excess = this.#rows.length - this.cap();
    if (excess <= 0) return;
    const removed = this.#rows.splice(0, excess);
    const lastRemoved = removed[removed.length - 1]!.seq;
    for (const row of removed) {
      if (row.kind !== 'log') continue;
      this.#totalLogs--;
      if (row.history) {
        this.#historyHeld--;
        if (row.message.id !== undefined) this.#historyIds.delete(row.message.id);
      }
    }
    let cut = 0;
    while (cut < this.#view.length && this.#view[cut]!.seq <= lastRemoved) {
      if (this.#view[cut]!.kind === 'log') this.#viewLogs--;
      cut++;
    }
    if (cut > 0) this.#view.splice(0, cut);
    this.#hooks.evicted?.(removed);
  }

  /** Recomputes the view after a filter changed. */
  refilter(): void {
    const view: Row<M>[] = [];
    let logs = 0;
    for (const row of this.#rows) {
      if (!this.#matches(row)) continue;
      view.push(row);
      if (row.kind === 'log') logs++;
    }
    this.#view = view;
    this.#viewLogs = logs;
  }

  /**
   * Puts older messages (oldest first) above the rows held, leaving out ones already held (by id, or
   * by content for messages without one). `disjoint`: the rows between the page and the oldest row
   * held are gone, and a `limit` marker says so. `beforeInsert` runs when something will be added.
   * Returns how many were added and how many of those pass the filters.
   */
  prepend(messages: readonly M[], disjoint: boolean, beforeInsert?: () => void): [added: number, shown: number] {
    const fresh = this.#unheld(messages);
    if (fresh.length === 0) return [0, 0];
    beforeInsert?.();
    let seq = this.#minSeq - fresh.length - (disjoint ? 1 : 0);
    this.#minSeq = seq;
    const rows: Row<M>[] = [];
    const shown: Row<M>[] = [];
    let shownLogs = 0;
    for (const message of fresh) {
      const row: LogRow<M> = { kind: 'log', seq: seq++, message, level: levelOf(message.data.level), history: true };
      rows.push(row);
      this.#totalLogs++;
      this.#historyHeld++;
      if (message.id !== undefined) this.#historyIds.add(message.id);
      if (row.level === 'UNKNOWN') this.#sawUnknown = true;
      this.#hooks.added?.(message, row);
      if (this.#matches(row)) {
        shown.push(row);
        shownLogs++;
      }
    }
    this.#viewLogs += shownLogs;
    if (disjoint) {
      // The seq left after the page's rows. (Not the shorthand `seq`: the manifest analyzer lists it as a module variable.)
      const gap: GapRow = { kind: 'gap', seq: seq, gap: { from: fresh[fresh.length - 1]!.id ?? null, to: null, reason: 'limit' } };
      rows.push(gap);
      shown.push(gap);
    }
    this.#rows = rows.concat(this.#rows);
    this.#view = shown.concat(this.#view);
    return [fresh.length, shownLogs];
  }

  /** Removes every row, what waits and what is buffered; returns how many log entries that was. */
  clear(): number {
    const removed = this.#totalLogs + this.#heldLogs;
    this.#rows = [];
    this.#view = [];
    this.#incoming = [];
    this.#resetHeld();
    this.#totalLogs = 0;
    this.#viewLogs = 0;
    this.#historyHeld = 0;
    this.#historyIds.clear();
    return removed;
  }

  #receive(row: Row<M>): void {
    if (!this.#paused) {
      this.#incoming.push(row);
      return;
    }
    this.#held.push(row);
    if (row.kind === 'log') this.#heldLogs++;
    this.#trimHeld();
  }

  // Keeps the paused buffer within `limit`, its marker included (so the marker survives the
  // eviction on resume): the oldest buffered rows go, and the marker counts the entries among them.
  #trimHeld(): void {
    let size = this.#held.length - this.#heldStart;
    if (size === 0) return;
    const room = Math.max(1, this.#limit - 1);
    if (this.#pausedGap === undefined && size <= this.#limit) return;
    while (size > room) {
      const row = this.#held[this.#heldStart]!;
      this.#held[this.#heldStart++] = undefined;
      size--;
      const gap = (this.#pausedGap ??= { kind: 'gap', seq: row.seq, gap: { from: null, to: null, reason: 'limit', count: 0 } });
      gap.whilePaused = true;
      // The marker takes the place of the newest dropped row, between the rows shown and the ones kept.
      gap.seq = row.seq;
      if (row.kind === 'log') {
        this.#heldLogs--;
        gap.gap.count = (gap.gap.count ?? 0) + 1;
        if (row.message.id !== undefined) gap.gap.to = row.message.id;
      }
    }
    // Drop the dead front now and then (amortised O(1) per row, no shift of the whole array).
    if (this.#heldStart > 1024 && this.#heldStart * 2 > this.#held.length) {
      this.#held = this.#held.slice(this.#heldStart);
      this.#heldStart = 0;
    }
  }

  #resetHeld(): void {
    this.#held = [];
    this.#heldStart = 0;
    this.#heldLogs = 0;
    this.#pausedGap = undefined;
  }

  #matches(row: Row<M>): boolean {
    return row.kind === 'gap' || this.#hooks.matches(row);
  }

  // The messages of a page that are not held yet (rows, incoming and paused), each once.
  #unheld(messages: readonly M[]): M[] {
    const held: (readonly Row<M>[])[] = [this.#rows, this.#incoming, this.#held.slice(this.#heldStart) as Row<M>[]];
    const ids = new Set<string>();
    let contents: Set<string> | undefined;
    for (const rows of held) for (const row of rows) if (row.kind === 'log' && row.message.id !== undefined) ids.add(row.message.id);
    const fresh: M[] = [];
    for (const message of messages) {
      if (message.id !== undefined) {
        if (ids.has(message.id)) continue;
        ids.add(message.id);
      } else {
        if (contents === undefined) {
          contents = new Set();
          for (const rows of held) {
            for (const row of rows) if (row.kind === 'log' && row.message.id === undefined) contents.add(safeJson(row.message.data));
          }
        }
        const key = safeJson(message.data);
        if (contents.has(key)) continue;
        contents.add(key);
      }
      fresh.push(message);
    }
    return fresh;
  }
}

function logsOf<M extends LogMessage>(rows: readonly Row<M>[]): M[] {
  const out: M[] = [];
  for (const row of rows) if (row.kind === 'log') out.push(row.message);
  return out;
}

// Two seq-ordered lists as one (each is already ordered; a plain loop, no spread of large arrays).
function mergeBySeq<R extends { seq: number }>(a: readonly R[], b: readonly R[]): R[] {
  if (a.length === 0) return b.slice();
  if (b.length === 0) return a.slice();
  const out: R[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.seq <= b[j]!.seq ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
