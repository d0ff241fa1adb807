/**
 * RedisBackplane: several logwire server nodes share one ordered, resumable log stream through
 * Redis Streams. This file is the public face; the work is done by:
 *
 * - `append-queue.ts`: `append()` and `flush()`. Records wait in a bounded per-node backlog and go
 *   out in one append-script call per stream per round trip, stored as one stream entry per call
 *   (every record still gets its own id, a `prev` link and the stream's epoch: see
 *   `entry-codec.ts`); a producer id and sequence make re-sent batches idempotent; a full backlog
 *   drops records and announces them with a marker.
 * - `stream-reader.ts`: `subscribe()`. One `XREAD BLOCK` loop delivers {@link ReadBatch}es in
 *   stream order (entries of every node, with their Redis ids, links and epoch, possibly after a
 *   {@link Gap}), awaiting each handler before reading on.
 * - `history-reader.ts`: `head()`, `recent()` and `range()`, pages of history after a cursor.
 * - `continuity.ts`: the pure link and epoch checks that find the gaps (trimmed, epoch, diverged,
 *   dropped).
 * - `entry-codec.ts`: a batch of records as one stream entry, and back to records with their ids;
 *   `batch-packer.ts` writes a batch's bytes; `own-batches.ts` lets the reader take this node's
 *   own batches back without decoding them.
 * - `connection.ts`: the two connections, outages, reconnection and retries.
 * - `hub-link.ts`: `connect(hub)`, which drives a `@logwire/server` hub (`createLogwire({ backplane })`):
 *   the hub appends through the backplane, and ingests every entry read back with its Redis id.
 *
 * Health: `on('error' | 'outage' | 'recovered' | 'dropped' | 'gap', …)` and the `metrics` getter.
 * Keys per stream: see `keys.ts`.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { BackplaneHub, BackplaneLink, LogwireBackplane } from '@logwire/server';
import { createNanoEvents } from 'nanoevents';
import { AppendQueue } from './append-queue.js';
import { AppendConfirmations } from './confirmations.js';
import { closedError, Connection } from './connection.js';
import { headerSafeNode } from './entry-codec.js';
import { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';
import type { BackplaneEvents, ErrorReporter } from './events.js';
import { type HistorySource, type RangeOptions, readHead, readRange, readRecent, type StreamHead } from './history-reader.js';
import { linkHub } from './hub-link.js';
import { type KeyOf, keysUnder } from './keys.js';
import { ENSURE_EPOCH_LUA } from './lua.js';
import { type RedisBackplaneOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { OwnBatches } from './own-batches.js';
import { StreamReader, type SubscribeFrom } from './stream-reader.js';
import type { BackplaneEntry, BackplaneMetrics, BackplaneRecord, BatchHandler, RangeResult } from './types.js';

export type { BackplaneEvents } from './events.js';
export type { RedisBackplaneOptions } from './options.js';
export { toFrame, toGapFrame, toStreamMessage } from './wire.js';

/** Shares logwire streams between server nodes through Redis Streams. See the module comment. */
export class RedisBackplane implements LogwireBackplane {
  /** This node's name. */
  readonly node: string;
  /** Producer id of this backplane instance (the key of its high-water marks). */
  readonly producer: string;
  readonly #stream: string;
  readonly #opts: ResolvedOptions;
  readonly #keyOf: KeyOf;
  readonly #events = createNanoEvents<BackplaneEvents>();
  readonly #report: ErrorReporter;
  readonly #connection: Connection;
  readonly #queue: AppendQueue;
  readonly #reader: StreamReader;
  readonly #source: HistorySource;
  #hubConnected = false;
  #confirmations: AppendConfirmations | undefined;

  constructor(options: RedisBackplaneOptions = {}) {
    this.#opts = resolveOptions(options);
    const opts = this.#opts;
    this.#keyOf = keysUnder(options.prefix ?? 'lw:');
    this.#stream = options.stream ?? 'logs';
    this.node = headerSafeNode(options.node ?? `${hostname()}-${process.pid}`);
    this.producer = `${this.node}:${randomBytes(6).toString('base64url')}`;
    this.#report = (code, text, cause) => {
      this.#connection.metrics.lastError = text;
      this.#events.emit('error', new RedisBackplaneError(code, text, cause === undefined ? undefined : { cause }));
    };
    const { minDelayMs, maxDelayMs, connectWaitMs, backlogRecords } = opts;
    const onRecovered = () => this.#queue.schedule();
    this.#connection = new Connection(options.redis, { minDelayMs, maxDelayMs, connectWaitMs, backlogRecords }, this.#events, onRecovered);
    const parts = { connection: this.#connection, keyOf: this.#keyOf, events: this.#events, report: this.#report };
    // The batches this node sends, remembered until the reader takes them back (own-batches.ts).
    const own = new OwnBatches();
    this.#queue = new AppendQueue(parts, opts, { node: this.node, producer: this.producer }, own);
    this.#queue.onStored = (stream, seq) => this.#confirmations?.stored(stream, seq);
    this.#reader = new StreamReader(parts, { count: opts.count, blockMs: opts.blockMs, restartDelayMs: opts.minDelayMs }, own);
    this.#source = parts;
  }

  /**
   * Drives a `@logwire/server` hub (called by `createLogwire({ backplane })`): the hub's entries are
   * appended to the stream (option `stream`), the hub's history is filled with the stream's newest
   * entries, every entry read from the stream (this node's and the others') is fed to the hub with
   * its Redis id, gaps become `gap` messages, and resuming clients the hub cannot serve are served
   * from {@link range}. Backplane errors (outages included) go to `onError`. Once per backplane.
   */
  connect(hub: BackplaneHub, onError: (error: unknown) => void): BackplaneLink {
    if (this.#hubConnected) {
      const text = 'this backplane already drives a hub; create one RedisBackplane per logwire instance';
      throw new RedisBackplaneError(RedisBackplaneErrorCode.InvalidOption, text);
    }
    this.#hubConnected = true;
    const stream = this.#stream;
    const connection = this.#connection;
    const confirmations = (this.#confirmations = new AppendConfirmations(stream));
    return linkHub(
      {
        stream,
        closeWaitMs: this.#opts.connectWaitMs,
        get closed() {
          return connection.closed;
        },
        ensureEpoch: () => connection.retry(() => this.#ensureEpoch(stream)),
        head: () => connection.retry(() => readHead(this.#source, stream)),
        recent: (count) => connection.retry(() => this.recent(stream, count)),
        subscribe: (handler, from) => this.subscribe(stream, handler, from),
        append: (records) => {
          const dropped = this.#queue.metrics.dropped;
          this.append(stream, records);
          confirmations.appended(records, this.#queue.lastSeq(stream), this.#queue.metrics.dropped - dropped);
        },
        confirm: (since, through) => confirmations.wait(since, through),
        range: (options) => this.range(stream, options),
        flush: () => this.flush(),
        sleep: (ms) => connection.sleep(ms),
        onError: (listener) => this.on('error', (error) => listener(error)),
        close: () => this.close(),
      },
      hub,
      onError,
    );
  }

  /** Registers an event listener; returns the function that removes it. A listener that throws does not stop the backplane. */
  on<E extends keyof BackplaneEvents>(event: E, listener: BackplaneEvents[E]): () => void {
    const call = listener as (...args: Parameters<BackplaneEvents[E]>) => void;
    const guarded = (...args: Parameters<BackplaneEvents[E]>): void => {
      try {
        call(...args);
      } catch {
        // A failing listener must not stop the backplane.
      }
    };
    return this.#events.on(event, guarded as BackplaneEvents[E]);
  }

  /**
   * Queues records for appending to `stream`, in order. Synchronous, never throws: when the backlog
   * is full the records are dropped, counted, and announced to every reader by a `dropped` gap.
   */
  append(stream: string, records: readonly BackplaneRecord[]): void {
    this.#queue.append(stream, records);
  }

  /** Resolves once everything appended so far is in Redis (or the backplane is closed). */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /**
   * Reads `stream` and calls `handler` with every batch of entries, in stream order. Starts after
   * `after` (in `epoch`) when given (`null`: from the start of the epoch), otherwise at the current
   * head. Resolves once the start is fixed (waiting for Redis if it is away), with the function
   * that ends the subscription. Several handlers on one stream share one read position; the first
   * fixes the start.
   */
  async subscribe(stream: string, handler: BatchHandler, from?: SubscribeFrom): Promise<() => void> {
    if (this.#connection.closed) throw closedError();
    return this.#reader.subscribe(stream, handler, from, () => this.#connection.retry(() => this.head(stream)));
  }

  /** Current epoch and newest id of `stream` (`null` when it holds nothing). Rejects while Redis is away. */
  head(stream: string): Promise<StreamHead> {
    return this.#connection.withConnection(() => readHead(this.#source, stream));
  }

  /**
   * The newest `count` entries of `stream`, oldest first, and the current epoch: to fill a node's
   * replay ring when it starts, and to give a client without a cursor its recent history.
   */
  recent(stream: string, count: number): Promise<{ epoch: string | undefined; entries: BackplaneEntry[] }> {
    return this.#connection.withConnection(() => readRecent(this.#source, stream, count));
  }

  /**
   * One page of history after the cursor `after` (exclusive; `null`: from the start of the epoch)
   * in `epoch`, at most `count` entries, with continuity proven from the cursor: if the first entry
   * does not link to `after`, or the epoch changed, the result carries the {@link Gap}. Without
   * `after`, starts at the oldest retained entry. Rejects while Redis is away.
   */
  range(stream: string, options: RangeOptions = {}): Promise<RangeResult> {
    return this.#connection.withConnection(() => readRange(this.#source, stream, options));
  }

  /** The epoch of `stream`, given one now if it has none (before anything is appended). */
  async #ensureEpoch(stream: string): Promise<string> {
    const candidate = randomBytes(6).toString('base64url');
    return String(await this.#connection.writer.eval(ENSURE_EPOCH_LUA, 2, this.#keyOf(stream, 'm'), this.#keyOf(stream, 'c'), candidate));
  }

  /** State and counters, for health checks and metrics. */
  get metrics(): BackplaneMetrics {
    const c = this.#connection.metrics;
    const q = this.#queue.metrics;
    const r = this.#reader.metrics;
    return {
      connected: this.#connection.connected,
      outages: c.outages,
      downSince: c.downSince,
      downMs: c.downTotal + (c.downSince === undefined ? 0 : Date.now() - c.downSince),
      reconnectAttempts: c.reconnectAttempts,
      lastError: c.lastError,
      backlogRecords: q.backlogRecords,
      backlogBytes: q.backlogBytes,
      backlogPeak: q.backlogPeak,
      dropped: q.dropped,
      appended: q.appended,
      duplicatesSkipped: q.duplicatesSkipped,
      batches: q.batches,
      delivered: r.delivered,
      gaps: r.gaps,
      subscriptions: r.subscriptions,
    };
  }

  /** Stops reading and appending and closes both connections. Call {@link flush} first to drain. */
  async close(): Promise<void> {
    if (this.#connection.closed) return;
    this.#connection.markClosed();
    this.#confirmations?.close();
    this.#queue.release();
    this.#reader.clear();
    await this.#connection.disconnect();
  }
}
