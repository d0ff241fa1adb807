import { randomBytes } from 'node:crypto';
import type { LogType } from '@logwire/protocol';
import type { LogEntry } from '../logger/format.js';
import { History } from './history.js';
import { compareIds, formatId, parseId, type StreamId } from '@logwire/protocol';
import { IdGenerator } from './stream-id.js';
import type { BackplaneHub, BackplaneLink, HistoryPage, HubGap } from './backplane.js';

/** A message the hub has accepted: the entry plus its stream id and its encoded frame. */
export interface StreamMessage {
  /** `<ms>-<seq>` stream id. */
  id: string;
  /** Parsed form of `id`, for ordering. */
  position: StreamId;
  type: LogType;
  time: number;
  level: number;
  logger: string;
  /** JSON text of `data`. */
  data: string;
  /** JSON text of the whole frame `{"type":…,"id":…,"data":…}`, as legacy clients receive it. */
  frame: string;
  /** How many messages this hub accepted (or restored) before this one; set by the hub. */
  ordinal?: number;
}

/**
 * Receives every batch of newly accepted messages, in id order, once per flush; `previous` is the
 * last message of the batch before (so readers can tell the range a batch continues from).
 */
export type BatchListener = (batch: readonly StreamMessage[], previous: StreamMessage | undefined) => void;

/** Receives the gaps a backplane announces (before the batch that follows them). */
export type GapListener = (gap: HubGap) => void;

/** Options of {@link LogHub}. */
export interface LogHubOptions {
  /** Messages kept in memory for replay. @default 10000 */
  historySize?: number;
  /** Bytes of message data (logger name + data JSON, UTF-8) kept in memory for replay; allocated up front. @default 16 MiB */
  historyBytes?: number;
  /** Flush before the end of the turn once this many messages are pending. @default 256 */
  maxBatchMessages?: number;
  /** Flush before the end of the turn once this many bytes are pending. @default 64 KiB */
  maxBatchBytes?: number;
  /**
   * Identity of the stream. Pass the stored epoch when history survives a restart (file
   * persistence) so ids continue; leave it out for a fresh random epoch.
   */
  epoch?: string;
  /** Called when a listener throws; the other listeners still receive the batch. */
  onListenerError?: (error: unknown) => void;
}

/** A backplane gap as the history keeps it. */
export interface HeldGap {
  gap: HubGap;
  /** Where it sits: after the message with this id (the gap's `from`). */
  at: StreamId;
  /** Messages after the gap have ids above this (the later of `from` and `to`). */
  resume: StreamId;
}

const MAX_HELD_GAPS = 64;

/** Messages that left the history, as far as the hub can tell. */
export interface Missing {
  /** Id of the newest missing message, when known. */
  to: StreamId | undefined;
  /** How many messages are missing, when known. */
  count: number | undefined;
}

const DEFAULTS = {
  historySize: 10_000,
  historyBytes: 16 * 1024 * 1024,
  maxBatchMessages: 256,
  maxBatchBytes: 64 * 1024,
} as const;

/**
 * The heart of the server: gives each entry a stream id, keeps a bounded history for replay, and
 * hands new messages to its listeners (WebSocket endpoints, file sinks) in batches, once per
 * event-loop turn, so the log call itself only formats and enqueues.
 */
export class LogHub implements BackplaneHub {
  #epoch: string;
  #history: History;
  readonly #ids = new IdGenerator();
  readonly #listeners = new Set<BatchListener>();
  readonly #gapListeners = new Set<GapListener>();
  /** The latest backplane gaps inside the held history, oldest first, so catch-ups report them too. */
  #gaps: HeldGap[] = [];
  /** Set when a backplane assigns the ids: local entries go to it and come back through ingest(). */
  #backplane: BackplaneLink | undefined;
  #outbox: LogEntry[] = [];
  #outboxScheduled: ReturnType<typeof setImmediate> | undefined;
  readonly #options: Required<Omit<LogHubOptions, 'onListenerError' | 'epoch'>> & Pick<LogHubOptions, 'onListenerError'>;
  // Ordinals of recently evicted messages (a ring of the last `historySize`), so a gap can say
  // how many messages a cursor missed, not only which range.
  readonly #evictedMs: Float64Array;
  readonly #evictedSeq: Float64Array;
  readonly #evictedOrdinal: Float64Array;
  #evictedCount = 0;
  #lastEvicted: { id: StreamId; ordinal: number } | undefined;
  /** True once messages older than the first restored one are known to be absent. */
  #truncatedStart = false;
  #ordinal = 0;
  #pending: StreamMessage[] = [];
  #pendingBytes = 0;
  #scheduled: ReturnType<typeof setImmediate> | undefined;
  #last: StreamMessage | undefined;
  #delivered: StreamMessage | undefined;
  readonly #onEvict = (id: StreamId, ordinal: number): void => {
    const at = this.#evictedCount % this.#evictedMs.length;
    this.#evictedMs[at] = id.ms;
    this.#evictedSeq[at] = id.seq;
    this.#evictedOrdinal[at] = ordinal;
    this.#evictedCount++;
    this.#lastEvicted = { id, ordinal };
  };

  constructor(options: LogHubOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
    this.#history = new History(this.#options.historySize, this.#options.historyBytes);
    const window = Math.max(4096, Math.min(this.#options.historySize * 2, 1 << 16));
    this.#evictedMs = new Float64Array(window);
    this.#evictedSeq = new Float64Array(window);
    this.#evictedOrdinal = new Float64Array(window);
    this.#epoch = options.epoch ?? randomBytes(6).toString('base64url');
  }

  /** Identity of this stream incarnation; ids are only comparable within one epoch. */
  get epoch(): string {
    return this.#epoch;
  }

  /** Messages kept for replay at most. */
  get historySize(): number {
    return this.#options.historySize;
  }

  /**
   * Hands id assignment to a backplane: from now on {@link publish} queues entries for it (once per
   * turn) and messages arrive through {@link ingest} with the backplane's ids.
   */
  useBackplane(link: BackplaneLink): void {
    this.#backplane = link;
  }

  /**
   * Accepts an entry: assigns its id, stores it, and schedules delivery. With a backplane, queues it
   * for the backplane instead and returns `undefined` (its id comes from there). Never throws.
   */
  publish(entry: LogEntry): StreamMessage | undefined {
    if (this.#backplane !== undefined) {
      this.#outbox.push(entry);
      if (this.#outbox.length >= this.#options.maxBatchMessages) this.#sendOutbox();
      else this.#outboxScheduled ??= setImmediate(() => this.#sendOutbox());
      return undefined;
    }
    const position = this.#ids.next(entry.time);
    const id = formatId(position);
    const frame = '{"type":"' + entry.type + '","id":"' + id + '","data":' + entry.data + '}';
    return this.#accept({ id, position, type: entry.type, time: entry.time, level: entry.level, logger: entry.logger, data: entry.data, frame });
  }

  #sendOutbox(): void {
    if (this.#outboxScheduled !== undefined) clearImmediate(this.#outboxScheduled);
    this.#outboxScheduled = undefined;
    if (this.#outbox.length === 0 || this.#backplane === undefined) return;
    const entries = this.#outbox;
    this.#outbox = [];
    try {
      this.#backplane.append(entries);
    } catch (error) {
      this.#options.onListenerError?.(error);
    }
  }

  /**
   * Stores messages whose ids a backplane assigned (stream order) and delivers them like published
   * ones. Messages not newer than the newest held are skipped (a re-read never duplicates).
   */
  ingest(messages: readonly StreamMessage[]): void {
    for (const message of messages) {
      if (this.#last !== undefined && compareIds(message.position, this.#last.position) <= 0) continue;
      this.#accept({ ...message, ordinal: undefined });
    }
  }

  /** Announces a backplane gap to the gap listeners; an `epoch` gap starts over in `next`. */
  gap(gap: HubGap, next?: string): void {
    this.flush();
    if (gap.reason === 'epoch') {
      this.#reset(next ?? randomBytes(6).toString('base64url'), [], true);
    } else if (gap.to !== null) {
      const position = parseId(gap.to);
      // The next batch continues from the gap's end, so its `from` says where it resumes.
      if (position !== undefined) this.#delivered = this.#last = { id: gap.to, position, type: 'system_log', time: 0, level: 0, logger: '', data: 'null', frame: '' };
      const at = gap.from === null ? undefined : parseId(gap.from);
      if (position !== undefined && at !== undefined) {
        this.#gaps.push({ gap, at, resume: compareIds(position, at) > 0 ? position : at });
        if (this.#gaps.length > MAX_HELD_GAPS) this.#gaps.shift();
      }
    }
    this.#emitGap(gap);
  }

  #emitGap(gap: HubGap): void {
    for (const listener of this.#gapListeners) {
      try {
        listener(gap);
      } catch (error) {
        this.#options.onListenerError?.(error);
      }
    }
  }

  /**
   * Starts over in `epoch` with `messages` (oldest first) as the replay history, delivered to no
   * one; `complete` says nothing older existed in that epoch.
   */
  reset(epoch: string, messages: readonly StreamMessage[], complete: boolean): void {
    this.flush();
    const before = { epoch: this.#epoch, id: this.#delivered?.id ?? null };
    this.#reset(epoch, messages, complete);
    // Clients already connected hold ids (or at least the epoch) of the stream that was replaced.
    if (epoch !== before.epoch) this.#emitGap({ reason: 'epoch', from: before.id, to: null, epoch: before.epoch });
  }

  #reset(epoch: string, messages: readonly StreamMessage[], complete: boolean): void {
    this.#epoch = epoch;
    this.#history = new History(this.#options.historySize, this.#options.historyBytes);
    this.#evictedCount = 0;
    this.#lastEvicted = undefined;
    this.#last = undefined;
    this.#delivered = undefined;
    this.#ordinal = 0;
    this.#gaps = [];
    this.#truncatedStart = false;
    this.restore(messages);
    if (complete) this.#truncatedStart = false;
  }

  /**
   * The first backplane gap (of the latest 64) placed at or after `after` (or strictly after): a reader replaying the
   * history from `after` must report it once it reaches `at` and continue after `resume`.
   */
  gapFrom(after: StreamId | undefined, strictlyAfter = false): HeldGap | undefined {
    for (const held of this.#gaps) {
      if (after === undefined) return held;
      const c = compareIds(held.at, after);
      if (c > 0 || (c === 0 && !strictlyAfter)) return held;
    }
    return undefined;
  }

  /** Registers a gap listener; returns the function that removes it. */
  onGap(listener: GapListener): () => void {
    this.#gapListeners.add(listener);
    return () => this.#gapListeners.delete(listener);
  }

  /** A page of history older than the hub holds, from the backplane; `undefined` without one. */
  olderHistory(after: string, epoch: string, count: number): Promise<HistoryPage> | undefined {
    return this.#backplane?.history?.(after, epoch, count);
  }

  #accept(message: StreamMessage): StreamMessage {
    const ordinal = this.#ordinal++;
    message.ordinal = ordinal;
    this.#history.push(message, ordinal, this.#onEvict);
    this.#last = message;
    this.#pending.push(message);
    this.#pendingBytes += message.frame.length;
    if (this.#pending.length >= this.#options.maxBatchMessages || this.#pendingBytes >= this.#options.maxBatchBytes) {
      this.flush();
    } else if (this.#scheduled === undefined) {
      this.#scheduled = setImmediate(() => this.flush());
    }
    return message;
  }

  /**
   * Loads messages recovered from storage (oldest first) into the replay history without
   * delivering them again, and continues the id sequence after the last one.
   */
  restore(messages: readonly StreamMessage[]): void {
    for (const message of messages) {
      if (this.#last !== undefined && compareIds(message.position, this.#last.position) <= 0) continue;
      // Storage may hold only the newest part of the epoch: what came before is unknown here.
      if (this.#last === undefined) this.#truncatedStart = true;
      this.#history.push(message, this.#ordinal++, this.#onEvict);
      this.#ids.resumeAfter(message.position);
      this.#last = message;
      this.#delivered = message;
    }
  }

  /** Delivers pending messages to every listener now. */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    const previous = this.#delivered;
    this.#delivered = batch[batch.length - 1];
    for (const listener of this.#listeners) {
      try {
        listener(batch, previous);
      } catch (error) {
        this.#options.onListenerError?.(error);
      }
    }
  }

  /** Registers a batch listener; returns the function that removes it. */
  on(listener: BatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The newest message, if any. */
  get head(): StreamMessage | undefined {
    return this.#last;
  }

  /** The newest message already handed to listeners (or restored); replays stop here. */
  get delivered(): StreamMessage | undefined {
    return this.#delivered;
  }

  /** Messages held for replay. */
  get historyLength(): number {
    return this.#history.length;
  }

  /** The oldest message still held in memory. */
  get oldest(): StreamMessage | undefined {
    return this.#history.at(0);
  }

  /** The message at `index` of the history (0 = oldest). */
  historyAt(index: number): StreamMessage | undefined {
    return this.#history.at(index);
  }

  /**
   * The newest messages held in memory, oldest first: at most `perType` of each type, merged in
   * id order (audit events are rare, so a busy system stream must not push them out of a replay).
   * `accept` narrows which messages count; `upTo` ignores anything newer.
   */
  recent(perType: number, accept?: (message: StreamMessage) => boolean, upTo?: StreamId): StreamMessage[] {
    const picked: StreamMessage[] = [];
    let system = 0;
    let audit = 0;
    let i = this.#history.length - 1;
    if (upTo !== undefined) i = this.#history.indexAfter(upTo) - 1;
    for (; i >= 0 && (system < perType || audit < perType); i--) {
      // Skip a type whose quota is full without decoding (audit is rare: the scan can be long).
      const type = this.#history.typeAt(i);
      if (type === 'system_log' ? system >= perType : audit >= perType) continue;
      const message = this.#history.at(i) as StreamMessage;
      if (accept !== undefined && !accept(message)) continue;
      if (message.type === 'system_log') system++;
      else audit++;
      picked.push(message);
    }
    return picked.reverse();
  }

  /** Messages held in memory with an id after `after` (and not after `upTo`), oldest first, at most `limit`. */
  after(after: StreamId | undefined, limit = Infinity, upTo?: StreamId): StreamMessage[] {
    const start = after === undefined ? 0 : this.#history.indexAfter(after);
    const out: StreamMessage[] = [];
    for (let i = start; i < this.#history.length && out.length < limit; i++) {
      if (upTo !== undefined && compareIds(this.#history.idAt(i) as StreamId, upTo) > 0) break;
      out.push(this.#history.at(i) as StreamMessage);
    }
    return out;
  }

  /** How many messages come after `after` up to and including `upTo` (both must be held, or `after` just evicted). */
  countBetween(after: StreamId, upTo: StreamId): number | undefined {
    const from = this.#ordinalOf(after);
    const to = this.#ordinalOf(upTo);
    return from === undefined || to === undefined ? undefined : Math.max(0, to - from);
  }

  /**
   * What a reader positioned at `cursor` (an id of this epoch) can no longer get: `undefined` when
   * every message after it is still held, otherwise the missing range's end and size.
   */
  missingAfter(cursor: StreamId | undefined, cursorOrdinal?: number): Missing | undefined {
    const oldest = this.#history.idAt(0);
    const evicted = this.#lastEvicted;
    if (cursor === undefined) {
      // From the start of the epoch: whatever was evicted (or never restored) is missing.
      if (evicted !== undefined) return { to: evicted.id, count: this.#truncatedStart ? undefined : evicted.ordinal + 1 };
      return this.#truncatedStart ? { to: undefined, count: undefined } : undefined;
    }
    if (oldest === undefined || compareIds(cursor, oldest) >= 0) return undefined;
    if (evicted !== undefined && compareIds(cursor, evicted.id) >= 0) return undefined;
    if (evicted === undefined) {
      // Nothing was evicted: the cursor predates a restored history (unknown range), or it is
      // older than anything this epoch ever had.
      return this.#truncatedStart ? { to: undefined, count: undefined } : undefined;
    }
    const from = cursorOrdinal ?? this.#ordinalOf(cursor);
    return { to: evicted.id, count: from === undefined ? undefined : evicted.ordinal - from };
  }

  #ordinalOf(id: StreamId): number | undefined {
    const index = this.#history.indexAfter(id, true);
    const held = this.#history.idAt(index);
    if (held !== undefined && compareIds(held, id) === 0) return this.#history.ordinalAt(index);
    // Search the evicted window (sorted by ordinal, hence by id) by binary search.
    const size = this.#evictedMs.length;
    const count = Math.min(this.#evictedCount, size);
    let lo = 0;
    let hi = count;
    const base = this.#evictedCount - count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = (base + mid) % size;
      const c = compareIds({ ms: this.#evictedMs[at] as number, seq: this.#evictedSeq[at] as number }, id);
      if (c === 0) return this.#evictedOrdinal[at];
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /** Stops the scheduled flush and drops listeners; pending messages are flushed first. */
  close(): void {
    this.#sendOutbox();
    this.flush();
    this.#gapListeners.clear();
    this.#listeners.clear();
  }
}
