import { randomBytes } from 'node:crypto';
import { compareIds, formatId, GapReason, logFrame, type LogType, type StreamId } from '@logwire/protocol';
import { EndOfTurnTask } from '../end-of-turn.js';
import type { LogEntry } from '../logger/format.js';
import type { BackplaneHub, BackplaneLink, HistoryPage, HubGap } from './backplane.js';
import { EvictionLog } from './eviction-log.js';
import { type HeldGap, HeldGaps } from './held-gaps.js';
import { History } from './history.js';
import { HUB_DEFAULTS as DEFAULTS, type LogHubOptions } from './hub-options.js';
import { parsePosition, type Position } from './position.js';
import { IdGenerator } from './stream-id.js';

export type { HeldGap } from './held-gaps.js';
export type { LogHubOptions } from './hub-options.js';
export type { Position } from './position.js';

/** A message the hub has accepted: the entry plus its stream id and its encoded frame. */
export interface StreamMessage extends Position {
  type: LogType;
  time: number;
  level: number;
  logger: string;
  /** JSON text of `data`. */
  data: string;
  /** JSON text of the whole frame `{"type":…,"id":…,"data":…}`, as legacy clients receive it. */
  frame: string;
}

/**
 * Receives every batch of newly accepted messages, in id order, once per flush; `previous` is where
 * the batch before ended (so readers can tell the range a batch continues from), `previousSystem`
 * the newest `system_log` delivered before it (the same for readers without audit permission).
 */
export type BatchListener = (batch: readonly StreamMessage[], previous: Position | undefined, previousSystem: Position | undefined) => void;

/** Receives the gaps a backplane announces (before the batch that follows them). */
export type GapListener = (gap: HubGap) => void;

/** Messages that left the history, as far as the hub can tell. */
export interface Missing {
  /** Id of the newest missing message, when known. */
  to: StreamId | undefined;
  /** How many messages are missing, when known. */
  count: number | undefined;
}

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
  /** Bookkeeping listeners (metrics, alerts): they get each batch after it is sent and stored. */
  readonly #observers = new Set<BatchListener>();
  readonly #gapListeners = new Set<GapListener>();
  readonly #gaps = new HeldGaps();
  /** Set when a backplane assigns the ids: local entries go to it and come back through ingest(). */
  #backplane: BackplaneLink | undefined;
  #outbox: LogEntry[] = [];
  readonly #outboxTask = new EndOfTurnTask(() => this.#sendOutbox());
  readonly #options: Required<Omit<LogHubOptions, 'onListenerError' | 'epoch'>> & Pick<LogHubOptions, 'onListenerError'>;
  readonly #evicted: EvictionLog;
  /** True once messages older than the first restored one are known to be absent. */
  #truncatedStart = false;
  #ordinal = 0;
  #pending: StreamMessage[] = [];
  /** How many of the pending messages are already in the history (see {@link LogHub.#store}). */
  #stored = 0;
  /** The batch being delivered, while part of it (from {@link LogHub.#unstoredFrom}) is not in the history yet. */
  #unstored: StreamMessage[] | undefined;
  #unstoredFrom = 0;
  #pendingBytes = 0;
  readonly #flushTask = new EndOfTurnTask(() => this.flush());
  /** The newest message accepted or restored. */
  #head: StreamMessage | undefined;
  /** The newest position: the head, or the end of a later backplane gap. Ingest skips anything not after it. */
  #last: Position | undefined;
  /** Where the last delivered batch (or restored history, or backplane gap) ended; replays stop here. */
  #delivered: Position | undefined;
  /** The newest `system_log` delivered (or restored): the head as a reader without audit permission sees it. */
  #deliveredSystem: Position | undefined;

  constructor(options: LogHubOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
    this.#history = new History(this.#options.historySize, this.#options.historyBytes);
    // A ring of the last evictions, larger than the history, so a gap can count what a cursor missed.
    this.#evicted = new EvictionLog(Math.max(4096, Math.min(this.#options.historySize * 2, 1 << 16)));
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
      else this.#outboxTask.schedule();
      return undefined;
    }
    const position = this.#ids.next(entry.time);
    const id = streamId(position);
    const { type, time, level, logger, data } = entry;
    return this.#accept({ id, position, type, time, level, logger, data, frame: logFrame(type, id, data) });
  }

  #sendOutbox(): void {
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
   * ones. Messages not newer than the newest held are skipped (a re-read never duplicates). The hub
   * keeps each message object and sets its `ordinal`; one that already has an ordinal (another
   * hub's) is copied instead.
   */
  ingest(messages: readonly StreamMessage[]): void {
    for (const message of messages) {
      if (this.#last !== undefined && compareIds(message.position, this.#last.position) <= 0) continue;
      if (message.ordinal === undefined) {
        this.#accept(message);
        continue;
      }
      const { ordinal: _ignored, ...fresh } = message;
      this.#accept(fresh);
    }
  }

  /** Announces a backplane gap to the gap listeners; an `epoch` gap starts over in `next`. */
  gap(gap: HubGap, next?: string): void {
    this.flush();
    if (gap.reason === GapReason.Epoch) {
      this.#reset(next ?? randomBytes(6).toString('base64url'), [], true);
    } else if (gap.to !== null) {
      const end = parsePosition(gap.to);
      // The next batch continues from the gap's end, so its `from` says where it resumes.
      if (end !== undefined) this.#delivered = this.#last = end;
      const at = gap.from === null ? undefined : parsePosition(gap.from);
      if (end !== undefined && at !== undefined) this.#gaps.add(gap, at.position, end.position);
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
    if (epoch !== before.epoch) this.#emitGap({ reason: GapReason.Epoch, from: before.id, to: null, epoch: before.epoch });
  }

  #reset(epoch: string, messages: readonly StreamMessage[], complete: boolean): void {
    this.#epoch = epoch;
    // A batch being delivered belongs to the stream that is replaced (its history goes with it).
    this.#unstored = undefined;
    this.#history = new History(this.#options.historySize, this.#options.historyBytes);
    this.#evicted.clear();
    this.#head = undefined;
    this.#last = undefined;
    this.#delivered = undefined;
    this.#deliveredSystem = undefined;
    this.#ordinal = 0;
    this.#gaps.clear();
    this.#truncatedStart = false;
    this.restore(messages);
    if (complete) this.#truncatedStart = false;
  }

  /**
   * The first backplane gap (of the latest 64) placed at or after `after` (or strictly after): a reader replaying the
   * history from `after` must report it once it reaches `at` and continue after `resume`.
   */
  gapFrom(after: StreamId | undefined, strictlyAfter = false): HeldGap | undefined {
    return this.#gaps.from(after, strictlyAfter);
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
    this.#head = this.#last = message;
    this.#pending.push(message);
    this.#pendingBytes += message.frame.length;
    if (this.#pending.length >= this.#options.maxBatchMessages || this.#pendingBytes >= this.#options.maxBatchBytes) {
      this.flush();
    } else {
      this.#flushTask.schedule();
    }
    return message;
  }

  /**
   * Loads messages recovered from storage (oldest first) into the replay history without
   * delivering them again, and continues the id sequence after the last one.
   */
  restore(messages: readonly StreamMessage[]): void {
    this.#store();
    for (const message of messages) {
      if (this.#last !== undefined && compareIds(message.position, this.#last.position) <= 0) continue;
      // Storage may hold only the newest part of the epoch: what came before is unknown here.
      if (this.#last === undefined) this.#truncatedStart = true;
      this.#history.push(message, this.#ordinal++, this.#evicted.record);
      this.#ids.resumeAfter(message.position);
      this.#head = this.#last = this.#delivered = message;
      if (message.type === 'system_log') this.#deliveredSystem = message;
    }
  }

  /** Delivers pending messages now: to the listeners, then into the history, then to {@link afterDelivery} listeners. */
  flush(): void {
    if (this.#pending.length === 0) return;
    // A batch still unstored here is an outer flush's (a listener flushed again): it goes first.
    this.#storeUnstored();
    const batch = this.#pending;
    this.#unstored = batch;
    this.#unstoredFrom = this.#stored;
    this.#pending = [];
    this.#stored = 0;
    this.#pendingBytes = 0;
    const previous = this.#delivered;
    const previousSystem = this.#deliveredSystem;
    this.#delivered = batch[batch.length - 1];
    for (let i = batch.length - 1; i >= 0; i--) {
      const message = batch[i] as StreamMessage;
      if (message.type !== 'system_log') continue;
      this.#deliveredSystem = message;
      break;
    }
    this.#deliver(this.#listeners, batch, previous, previousSystem);
    this.#store();
    this.#deliver(this.#observers, batch, previous, previousSystem);
  }

  #deliver(
    listeners: Set<BatchListener>,
    batch: StreamMessage[],
    previous: Position | undefined,
    previousSystem: Position | undefined,
  ): void {
    for (const listener of listeners) {
      try {
        listener(batch, previous, previousSystem);
      } catch (error) {
        this.#options.onListenerError?.(error);
      }
    }
  }

  /**
   * Copies what is not stored yet into the history, oldest first (the batch being delivered, then the
   * pending messages): once per batch, after its sends, or sooner when anything reads the history
   * (every read calls this), so nothing reads it incomplete. A log call only queues its message.
   */
  #store(): void {
    this.#storeUnstored();
    const pending = this.#pending;
    if (this.#stored === pending.length) return;
    this.#history.pushAll(pending, this.#stored, this.#evicted.record);
    this.#stored = pending.length;
  }

  #storeUnstored(): void {
    const batch = this.#unstored;
    if (batch === undefined) return;
    this.#unstored = undefined;
    this.#history.pushAll(batch, this.#unstoredFrom, this.#evicted.record);
  }

  /** Registers a batch listener (delivery: endpoints, stores); returns the function that removes it. */
  on(listener: BatchListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Registers a bookkeeping listener (metrics, alerts): it gets every batch after all {@link on}
   * listeners and after the history holds it, so counting never delays a send. Returns the
   * function that removes it.
   */
  afterDelivery(listener: BatchListener): () => void {
    this.#observers.add(listener);
    return () => this.#observers.delete(listener);
  }

  /** The newest message, if any. */
  get head(): StreamMessage | undefined {
    return this.#head;
  }

  /** Where the stream already handed to listeners (or restored) ends; replays stop here. */
  get delivered(): Position | undefined {
    return this.#delivered;
  }

  /** The newest `system_log` already handed to listeners (or restored): `delivered` for a reader without audit permission. */
  get deliveredSystem(): Position | undefined {
    return this.#deliveredSystem;
  }

  /** Messages held for replay. */
  get historyLength(): number {
    this.#store();
    return this.#history.length;
  }

  /** The oldest message still held in memory. */
  get oldest(): StreamMessage | undefined {
    this.#store();
    return this.#history.at(0);
  }

  /**
   * The newest messages held in memory, oldest first: at most `perType` of each type, merged in
   * id order (audit events are rare, so a busy system stream must not push them out of a replay).
   * `accept` narrows which messages count; `upTo` ignores anything newer.
   */
  recent(perType: number, accept?: (message: StreamMessage) => boolean, upTo?: StreamId): StreamMessage[] {
    this.#store();
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
    this.#store();
    const start = after === undefined ? 0 : this.#history.indexAfter(after);
    const out: StreamMessage[] = [];
    for (let i = start; i < this.#history.length && out.length < limit; i++) {
      if (upTo !== undefined && compareIds(this.#history.idAt(i) as StreamId, upTo) > 0) break;
      out.push(this.#history.at(i) as StreamMessage);
    }
    return out;
  }

  /**
   * The last message of the replay page that follows `after` (and ends at `upTo` at the latest),
   * found without decoding any: pages hold at most `size` messages and end just before an ordinal
   * that is a multiple of `size`, so readers that start at different places line up on the same
   * pages after their first one (and can share them). `undefined` when nothing follows.
   */
  pageEnd(after: StreamId | undefined, size: number, upTo?: StreamId): Position | undefined {
    this.#store();
    const start = after === undefined ? 0 : this.#history.indexAfter(after);
    const first = this.#history.ordinalAt(start);
    if (first === undefined) return undefined;
    // Held ordinals are consecutive (only a message too large to keep skips one), so an ordinal
    // boundary is an index boundary; where it is not, the page is merely shorter.
    let end = Math.min(this.#history.length, start + size - (first % size));
    if (upTo !== undefined) end = Math.min(end, this.#history.indexAfter(upTo));
    if (end <= start) return undefined;
    const position = this.#history.idAt(end - 1) as StreamId;
    return { id: formatId(position), position, ordinal: this.#history.ordinalAt(end - 1) };
  }

  /** How many messages come after `after` up to and including `upTo` (both must be held, or `after` just evicted). */
  countBetween(after: StreamId, upTo: StreamId): number | undefined {
    this.#store();
    const from = this.#ordinalOf(after);
    const to = this.#ordinalOf(upTo);
    return from === undefined || to === undefined ? undefined : Math.max(0, to - from);
  }

  /**
   * What a reader positioned at `cursor` (an id of this epoch) can no longer get: `undefined` when
   * every message after it is still held, otherwise the missing range's end and size. For a reader
   * without audit permission (`audit` false) only evicted `system_log` count, and the size is not
   * told (it would count audit messages).
   */
  missingAfter(cursor: StreamId | undefined, cursorOrdinal?: number, audit = true): Missing | undefined {
    this.#store();
    const oldest = this.#history.idAt(0);
    const evicted = this.#evicted.last;
    const visible = audit ? evicted : this.#evicted.lastSystem;
    if (cursor === undefined) {
      // From the start of the epoch: whatever was evicted (or never restored) is missing.
      if (visible !== undefined) return { to: visible.id, count: this.#truncatedStart || !audit ? undefined : visible.ordinal + 1 };
      return this.#truncatedStart ? { to: undefined, count: undefined } : undefined;
    }
    if (oldest === undefined || compareIds(cursor, oldest) >= 0) return undefined;
    if (evicted === undefined) {
      // Nothing was evicted: the cursor predates a restored history (unknown range), or it is
      // older than anything this epoch ever had.
      return this.#truncatedStart ? { to: undefined, count: undefined } : undefined;
    }
    if (visible === undefined || compareIds(cursor, visible.id) >= 0) return undefined;
    if (!audit) return { to: visible.id, count: undefined };
    const from = cursorOrdinal ?? this.#ordinalOf(cursor);
    return { to: visible.id, count: from === undefined ? undefined : visible.ordinal - from };
  }

  #ordinalOf(id: StreamId): number | undefined {
    this.#store();
    const index = this.#history.indexAfter(id, true);
    const held = this.#history.idAt(index);
    if (held !== undefined && compareIds(held, id) === 0) return this.#history.ordinalAt(index);
    return this.#evicted.ordinalOf(id);
  }

  /** Delivers pending messages and drops listeners (a flush still scheduled then finds nothing to do). */
  close(): void {
    this.#sendOutbox();
    this.flush();
    this.#gapListeners.clear();
    this.#listeners.clear();
    this.#observers.clear();
  }
}

let idMs = Number.NaN;
let idPrefix = '';

/**
 * `formatId(position)`, with `<ms>-` kept for the last millisecond: many records share one, and a
 * millisecond timestamp is beyond small integers, so writing it is a float-to-text conversion.
 */
function streamId(position: StreamId): string {
  if (position.ms !== idMs) {
    idMs = position.ms;
    idPrefix = `${position.ms}-`;
  }
  return idPrefix + position.seq;
}
