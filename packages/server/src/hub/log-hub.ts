import { randomBytes } from 'node:crypto';
import type { LogType } from '@logwire/protocol';
import type { LogEntry } from '../logger/format.js';
import { Ring } from './ring.js';
import { compareIds, formatId, type StreamId } from '@logwire/protocol';
import { IdGenerator } from './stream-id.js';

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
}

/** Receives every batch of newly accepted messages, in id order, once per flush. */
export type BatchListener = (batch: readonly StreamMessage[]) => void;

/** Options of {@link LogHub}. */
export interface LogHubOptions {
  /** Messages kept in memory for replay. @default 10000 */
  historySize?: number;
  /** Bytes of encoded frames kept in memory for replay. @default 16 MiB */
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
export class LogHub {
  /** Identity of this stream incarnation; ids are only comparable within one epoch. */
  readonly epoch: string;
  readonly #history: Ring<StreamMessage>;
  readonly #ids = new IdGenerator();
  readonly #listeners = new Set<BatchListener>();
  readonly #options: Required<Omit<LogHubOptions, 'onListenerError' | 'epoch'>> & Pick<LogHubOptions, 'onListenerError'>;
  #pending: StreamMessage[] = [];
  #pendingBytes = 0;
  #scheduled: ReturnType<typeof setImmediate> | undefined;
  #last: StreamMessage | undefined;

  constructor(options: LogHubOptions = {}) {
    this.#options = { ...DEFAULTS, ...options };
    this.#history = new Ring(this.#options.historySize, this.#options.historyBytes);
    this.epoch = options.epoch ?? randomBytes(6).toString('base64url');
  }

  /** Accepts an entry: assigns its id, stores it, and schedules delivery. Never throws. */
  publish(entry: LogEntry): StreamMessage {
    const position = this.#ids.next(entry.time);
    const id = formatId(position);
    const frame = '{"type":"' + entry.type + '","id":"' + id + '","data":' + entry.data + '}';
    const message: StreamMessage = { id, position, type: entry.type, time: entry.time, level: entry.level, logger: entry.logger, data: entry.data, frame };
    this.#history.push(message, frame.length);
    this.#last = message;
    this.#pending.push(message);
    this.#pendingBytes += frame.length;
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
      this.#history.push(message, message.frame.length);
      this.#ids.resumeAfter(message.position);
      this.#last = message;
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
    for (const listener of this.#listeners) {
      try {
        listener(batch);
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

  /** Messages held for replay. */
  get historyLength(): number {
    return this.#history.length;
  }

  /** The oldest message still held in memory. */
  get oldest(): StreamMessage | undefined {
    return this.#history.at(0);
  }

  /**
   * The newest messages held in memory, oldest first: at most `perType` of each type, merged in
   * id order (audit events are rare, so a busy system stream must not push them out of a replay).
   */
  recent(perType: number): StreamMessage[] {
    const picked: StreamMessage[] = [];
    let system = 0;
    let audit = 0;
    for (let i = this.#history.length - 1; i >= 0 && (system < perType || audit < perType); i--) {
      const message = this.#history.at(i) as StreamMessage;
      if (message.type === 'system_log' ? system++ < perType : audit++ < perType) picked.push(message);
    }
    return picked.reverse();
  }

  /** Messages held in memory with an id after `after`, oldest first, at most `limit`. */
  after(after: StreamId, limit = Infinity): StreamMessage[] {
    const start = this.#history.firstIndexWhere((message) => compareIds(message.position, after) > 0);
    const out: StreamMessage[] = [];
    for (let i = start; i < this.#history.length && out.length < limit; i++) out.push(this.#history.at(i) as StreamMessage);
    return out;
  }

  /** Stops the scheduled flush and drops listeners; pending messages are flushed first. */
  close(): void {
    this.flush();
    this.#listeners.clear();
  }
}
