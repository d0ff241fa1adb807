/**
 * The stream reader: subscriptions and the one `XREAD BLOCK` loop that serves them all, on its own
 * connection. Each reply's entries are unpacked into records (`entry-codec.ts`: one entry per
 * appended batch), checked for continuity (`continuity.ts`) and delivered in stream order; a
 * handler's returned promise is awaited before the next read (backpressure: Redis holds the rest).
 * After each idle read the epochs of the streams are checked, because a stream recreated with ids
 * below a reader's position would never show up in XREAD.
 */
import type { Connection, SharedParts } from './connection.js';
import { checkLinks, type ReadPosition } from './continuity.js';
import { type KnownRecords, type RawEntry, readItems, toReadPosition } from './entry-codec.js';
import { RedisBackplaneErrorCode } from './errors.js';
import { type BackplaneEmitter, type ErrorReporter, message } from './events.js';
import { cursorOf, type StreamHead } from './history-reader.js';
import type { KeyOf } from './keys.js';
import type { OwnBatches } from './own-batches.js';
import type { BackplaneGapReason, BackplaneMetrics, BatchHandler, Gap, ReadBatch } from './types.js';

export interface StreamReaderOptions {
  /** Stream entries (batches of records) per XREAD reply. */
  count: number;
  /** XREAD BLOCK timeout; after each idle timeout the epochs are checked. */
  blockMs: number;
  /** Delay before a reader that stopped on a bug starts again. */
  restartDelayMs: number;
}

/** Where a subscription starts: after `after` (an id, or `null` for the start of the epoch) in `epoch`. */
export interface SubscribeFrom {
  after?: string | null;
  epoch?: string;
}

/** The reader's part of `BackplaneMetrics`. */
export type ReaderMetrics = Pick<BackplaneMetrics, 'delivered' | 'gaps' | 'subscriptions'>;

interface Subscription extends ReadPosition {
  stream: string;
  key: string;
  handlers: Set<BatchHandler>;
}

type Unsubscribe = () => void;

type XReadReply = Array<[key: Buffer, entries: RawEntry[]]> | null;

/** Reads every subscribed stream with one blocking XREAD loop; see the module comment. */
export class StreamReader {
  readonly #connection: Connection;
  readonly #options: StreamReaderOptions;
  readonly #keyOf: KeyOf;
  readonly #events: BackplaneEmitter;
  readonly #report: ErrorReporter;
  readonly #own: OwnBatches;
  readonly #subs = new Map<string, Subscription>();
  readonly #byKey = new Map<string, Subscription>();
  #reading = false;
  #readerId: number | undefined;
  #wake: (() => void) | undefined;
  readonly #metrics = { delivered: 0, gaps: { trimmed: 0, epoch: 0, diverged: 0, dropped: 0 } as Record<BackplaneGapReason, number> };

  /** `own`: the batches this node sent, taken instead of decoded when they come back. */
  constructor({ connection, keyOf, events, report }: SharedParts, options: StreamReaderOptions, own: OwnBatches) {
    this.#connection = connection;
    this.#own = own;
    this.#options = options;
    this.#keyOf = keyOf;
    this.#events = events;
    this.#report = report;
    const { reader } = connection;
    reader.on('ready', () => {
      // CLIENT UNBLOCK needs the reader's id, which changes on every reconnection.
      reader.call('CLIENT', 'ID').then(
        (id) => (this.#readerId = Number(id)),
        () => undefined,
      );
    });
  }

  get metrics(): ReaderMetrics {
    return { delivered: this.#metrics.delivered, gaps: { ...this.#metrics.gaps }, subscriptions: this.#subs.size };
  }

  /**
   * Adds `handler` to the subscription of `stream`; see `RedisBackplane.subscribe`. `head` reads
   * the stream's head when the subscription starts there.
   */
  async subscribe(stream: string, handler: BatchHandler, from: SubscribeFrom = {}, head: () => Promise<StreamHead>): Promise<Unsubscribe> {
    let sub = this.#subs.get(stream);
    if (!sub) {
      const key = this.#keyOf(stream, 'x');
      const start = cursorOf(from.after);
      if (start !== undefined) {
        sub = { stream, key, handlers: new Set(), cursor: start, linkTo: start, epoch: from.epoch };
      } else {
        const { epoch, last } = await head();
        sub = { stream, key, handlers: new Set(), cursor: last, linkTo: last ?? undefined, epoch };
      }
      const existing = this.#subs.get(stream);
      if (existing) sub = existing;
      else {
        this.#subs.set(stream, sub);
        this.#byKey.set(key, sub);
        this.#own.watch(stream);
      }
    }
    sub.handlers.add(handler);
    this.#interruptRead();
    this.#startReading();
    const owned = sub;
    return () => {
      owned.handlers.delete(handler);
      if (owned.handlers.size === 0 && this.#subs.get(stream) === owned) {
        this.#subs.delete(stream);
        this.#byKey.delete(owned.key);
        this.#own.unwatch(stream);
        this.#interruptRead();
      }
    };
  }

  /** Ends every subscription (the backplane is closing). */
  clear(): void {
    this.#subs.clear();
    this.#byKey.clear();
    this.#own.clear();
  }

  #startReading(): void {
    if (this.#reading || this.#connection.closed) return;
    this.#reading = true;
    this.#readLoop()
      .catch((error: unknown) => this.#report(RedisBackplaneErrorCode.Read, `reader stopped: ${message(error)}`, error))
      .finally(() => {
        this.#reading = false;
        // A reader that stopped on a bug must not leave subscriptions silently dead.
        if (!this.#connection.closed && this.#subs.size > 0) setTimeout(() => this.#startReading(), this.#options.restartDelayMs).unref();
      });
  }

  #interruptRead(): void {
    this.#wake?.();
    // A blocked XREAD only sees a changed set of streams after it returns.
    const { writer } = this.#connection;
    if (this.#readerId !== undefined && writer.status === 'ready') {
      writer.call('CLIENT', 'UNBLOCK', this.#readerId).catch(() => undefined);
    }
  }

  async #readLoop(): Promise<void> {
    const connection = this.#connection;
    const { reader } = connection;
    let failures = 0;
    while (!connection.closed) {
      if (this.#subs.size === 0) {
        await Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), connection.closedSignal]);
        this.#wake = undefined;
        continue;
      }
      if (reader.status !== 'ready') {
        await connection.ready(reader);
        continue;
      }
      const subs = [...this.#subs.values()];
      let reply: XReadReply;
      try {
        const streams = ['STREAMS', ...subs.map((s) => s.key), ...subs.map((s) => toReadPosition(s.cursor))];
        // Buffer replies: an entry's `l` lengths count the bytes of its `b` field (entry-codec.ts).
        reply = (await reader.callBuffer('XREAD', 'COUNT', this.#options.count, 'BLOCK', this.#options.blockMs, ...streams)) as XReadReply;
        failures = 0;
      } catch (error) {
        if (connection.closed) return;
        failures++;
        if (reader.status === 'ready') {
          this.#report(RedisBackplaneErrorCode.Read, `XREAD failed: ${message(error)}`, error);
          await connection.sleep(connection.backoff(failures));
        } else {
          connection.down(error);
        }
        continue;
      }
      if (reply === null) {
        await this.#probeEpochs(subs);
        continue;
      }
      for (const [key, raw] of reply) {
        const sub = this.#byKey.get(key.toString());
        // A subscription ended while the read was in flight: its entries go nowhere.
        if (!sub) continue;
        const known: KnownRecords = (lengths, blob) => this.#own.take(sub.stream, lengths, blob);
        // Entry by entry: a batch's records go to the handlers right after they are decoded, while
        // they are still in the CPU's cache (a reply may hold `count` batches of records).
        for (const entry of raw) {
          const items = readItems(sub.stream, [entry], sub.cursor, this.#report, known);
          for (const batch of checkLinks(sub, sub.stream, items)) await this.#deliver(sub, batch);
        }
      }
    }
  }

  /**
   * After an idle read: a stream whose meta names another epoch was recreated, possibly with ids
   * below this reader's cursor, which XREAD would never return. Report it and read it from the start.
   */
  async #probeEpochs(subs: Subscription[]): Promise<void> {
    const { writer } = this.#connection;
    const known = subs.filter((s) => s.epoch !== undefined && this.#subs.get(s.stream) === s);
    if (known.length === 0 || writer.status !== 'ready') return;
    try {
      const epochs = await Promise.all(known.map((s) => writer.hget(this.#keyOf(s.stream, 'm'), 'e')));
      for (const [i, sub] of known.entries()) {
        const epoch = epochs[i];
        if (!epoch || epoch === sub.epoch) continue;
        const first = (await writer.callBuffer('XRANGE', sub.key, '-', '+', 'COUNT', 1)) as RawEntry[];
        const firstEntry = first[0] && readItems(sub.stream, first, undefined, this.#report)[0]?.records?.[0];
        const gap: Gap = { reason: 'epoch', from: sub.linkTo !== undefined ? sub.linkTo : sub.cursor, to: null, epoch };
        if (firstEntry?.epoch === epoch) sub.cursor = null;
        sub.epoch = epoch;
        sub.linkTo = undefined;
        await this.#deliver(sub, { stream: sub.stream, epoch, gap, entries: [] });
      }
    } catch (error) {
      this.#report(RedisBackplaneErrorCode.Read, `epoch check failed: ${message(error)}`, error);
    }
  }

  async #deliver(sub: Subscription, batch: ReadBatch): Promise<void> {
    if (batch.gap) {
      this.#metrics.gaps[batch.gap.reason]++;
      this.#events.emit('gap', { stream: sub.stream, gap: batch.gap });
    }
    this.#metrics.delivered += batch.entries.length;
    for (const handler of [...sub.handlers]) {
      try {
        const result = handler(batch);
        // Awaiting the handler is the backpressure: the next XREAD waits, Redis holds the rest.
        if (result && typeof result.then === 'function') await result;
      } catch (error) {
        this.#report(RedisBackplaneErrorCode.Handler, `subscriber of ${sub.stream} failed: ${message(error)}`, error);
      }
    }
  }
}
