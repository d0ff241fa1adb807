/**
 * RedisBackplane: several logwire server nodes share one ordered, resumable log stream through
 * Redis Streams.
 *
 * Integration interface (how a node's hub uses it):
 *
 * 1. **Append.** The hub hands every flushed batch of local entries to
 *    `backplane.append(stream, entries)` instead of assigning ids itself. The call is synchronous
 *    and never throws: records go to a bounded per-node backlog, and one Lua call per stream per
 *    round trip writes them (`XADD *` per record, so every record gets its own Redis id, plus a
 *    `prev` link and the stream's epoch). A per-node producer id and sequence make re-sent batches
 *    idempotent.
 * 2. **Fan out.** `await backplane.subscribe(stream, handler)` reads the stream with
 *    `XREAD BLOCK` from the last id it delivered and calls `handler` with {@link ReadBatch}es in
 *    stream order: entries of every node, each with its Redis id (the wire cursor id), `prev` and
 *    epoch. The hub stores them in its ring (ids as given; see {@link toStreamMessage}) and sends
 *    them to its own sockets. A batch may carry a {@link Gap} (trimmed / epoch / diverged /
 *    dropped) that the hub forwards to its clients as a `gap` message.
 * 3. **Replay.** A client resuming with cursor `(epoch, id)` on any node is served from the hub's
 *    ring when it still holds `id`, otherwise from `backplane.range(stream, { after: id, epoch })`,
 *    page by page, which proves continuity from the cursor or reports the gap.
 * 4. **Health.** `on('error' | 'outage' | 'recovered' | 'dropped' | 'gap', …)` and the `metrics`
 *    getter report outages, backlog size, drops and gaps.
 *
 * What the hub needs for this (not in `@logwire/server` yet): an `ingest(messages)` that stores
 * messages with the ids given into the ring and delivers them to its listeners without assigning
 * new ids (fed with `batch.entries.map(toStreamMessage)`); an epoch that follows `batch.epoch`;
 * gap forwarding (`toGapFrame`); and, in multi-node mode, `publish()` handing entries to
 * `append()` instead of delivering them locally (local records come back through the reader).
 *
 * Keys per stream (the hash tag keeps them in one Cluster slot): `<prefix>{<stream>}:x` the stream,
 * `:m` the meta hash (`e` epoch, `last` newest id, `created`), `:pr` producer high-water marks.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { compareIds, type GapData, parseId, type StreamId } from '@logwire/protocol';
import type { BackplaneHub, BackplaneLink, HistoryPage, HubGap, LogEntry, LogwireBackplane, StreamMessage } from '@logwire/server';
import { Redis, type RedisOptions } from 'ioredis';
import { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';
import { APPEND_LUA, ENSURE_EPOCH_LUA } from './lua.js';
import { AppendConfirmations } from './confirmations.js';
import type { BackplaneEntry, BackplaneGapReason, BackplaneMetrics, BackplaneRecord, BatchHandler, Gap, RangeResult, ReadBatch } from './types.js';

/** Options of {@link RedisBackplane}. */
export interface RedisBackplaneOptions {
  /** Redis URL or ioredis options. @default 'redis://127.0.0.1:6379' */
  redis?: string | RedisOptions;
  /** Prefix of every key. @default 'lw:' */
  prefix?: string;
  /** Stream a server node shares when the backplane is passed to `createLogwire({ backplane })`. @default 'logs' */
  stream?: string;
  /** Name of this node, stored with each entry it appends. @default `<hostname>-<pid>` */
  node?: string;
  retention?: {
    /** Entries kept per stream. 0 disables. @default 1_000_000 */
    maxLength?: number;
    /** Age (ms) after which entries are trimmed. 0 disables. @default 24 h */
    maxAgeMs?: number;
    /** Trim exactly instead of by whole radix-tree nodes (`~`, cheaper, keeps a few more). @default false */
    exact?: boolean;
  };
  backlog?: {
    /** Records held while Redis is slow or away; newer records are dropped beyond it. @default 10_000 */
    maxRecords?: number;
    /** Bytes held (record data + logger). @default 8 MiB */
    maxBytes?: number;
  };
  batch?: {
    /** Records per append call. @default 1000 */
    maxRecords?: number;
    /** Bytes per append call. @default 1 MiB */
    maxBytes?: number;
  };
  read?: {
    /** Entries per XREAD reply (the most a node holds from one read). @default 1000 */
    count?: number;
    /** XREAD BLOCK timeout; after each idle timeout the epochs are checked. @default 2000 */
    blockMs?: number;
  };
  reconnect?: {
    /** First reconnection delay. @default 100 */
    minDelayMs?: number;
    /** Largest reconnection delay. @default 5000 */
    maxDelayMs?: number;
  };
  /** Seconds a producer's high-water mark outlives its last append. @default 7 days */
  producerTtlSeconds?: number;
  /** How long `head()` and `range()` wait for a connection (at start, or while reconnecting) before rejecting. @default 5000 */
  connectWaitMs?: number;
}

/** Events of {@link RedisBackplane}. */
export interface BackplaneEvents {
  /** Something failed; the backplane carries on (retrying, or skipping the bad entry). */
  error: (error: RedisBackplaneError) => void;
  /** Redis became unreachable. */
  outage: (info: { since: number; error: RedisBackplaneError }) => void;
  /** Both connections are back. */
  recovered: (info: { downMs: number }) => void;
  /**
   * A run of records dropped from a full backlog was announced in the stream (a `dropped` marker
   * is queued as soon as the stream has room again). While records are being dropped, `error`
   * reports `ERR_LOGWIRE_REDIS_BACKLOG_FULL` once per run.
   */
  dropped: (info: { stream: string; count: number }) => void;
  /** A subscription saw a gap (also delivered in its batch). */
  gap: (info: { stream: string; gap: Gap }) => void;
}

interface Queued {
  seq: number;
  record: BackplaneRecord;
  bytes: number;
}

interface StreamQueue {
  items: Queued[];
  head: number;
  /** Last producer sequence given in this stream: contiguous, so a batch sends only its first. */
  seq: number;
  /** Drops not yet announced by a marker entry. */
  dropped: { count: number; from: number; to: number } | undefined;
}

interface Subscription {
  stream: string;
  key: string;
  handlers: Set<BatchHandler>;
  /** XREAD position. */
  cursor: string;
  /** Id the next entry must link to; `undefined` accepts any (after an epoch change). */
  linkTo: string | undefined;
  epoch: string | undefined;
}

type Listener = (...args: never[]) => void;
type Appender = (x: string, m: string, pr: string, ...args: (string | number)[]) => unknown;

const MARKER_TYPE = 'dropped';
/** Separates the header fields of an entry (type, time, level, node, logger; the logger last, whole). */
const US = '\x1f';
const EMPTY = '0-0';

/** Shares logwire streams between server nodes through Redis Streams. See the module comment. */
export class RedisBackplane implements LogwireBackplane {
  /** This node's name. */
  readonly node: string;
  /** Producer id of this backplane instance (the key of its high-water marks). */
  readonly producer: string;
  readonly #prefix: string;
  readonly #stream: string;
  #hubConnected = false;
  readonly #writer: Redis;
  readonly #reader: Redis;
  readonly #opts: {
    maxLength: number;
    maxAgeMs: number;
    exact: boolean;
    backlogRecords: number;
    backlogBytes: number;
    batchRecords: number;
    batchBytes: number;
    count: number;
    blockMs: number;
    minDelayMs: number;
    maxDelayMs: number;
    producerTtl: number;
    connectWaitMs: number;
  };
  readonly #queues = new Map<string, StreamQueue>();
  #topSeq = 0;
  readonly #subs = new Map<string, Subscription>();
  readonly #byKey = new Map<string, Subscription>();
  readonly #listeners = new Map<keyof BackplaneEvents, Set<Listener>>();
  readonly #flushWaiters: Array<() => void> = [];
  /** Audit entries of the hub link that Redis holds, for `commit()` (see confirmations.ts). */
  #confirmations: AppendConfirmations | undefined;
  #backlogRecords = 0;
  #backlogBytes = 0;
  #draining = false;
  #drainScheduled = false;
  #reading = false;
  #readerId: number | undefined;
  #wake: (() => void) | undefined;
  #closed = false;
  #closedSignal: Promise<void>;
  #signalClosed!: () => void;
  #metrics = {
    outages: 0,
    downSince: undefined as number | undefined,
    downTotal: 0,
    reconnectAttempts: 0,
    lastError: undefined as string | undefined,
    backlogPeak: 0,
    dropped: 0,
    appended: 0,
    duplicatesSkipped: 0,
    batches: 0,
    delivered: 0,
    gaps: { trimmed: 0, epoch: 0, diverged: 0, dropped: 0 } as Record<BackplaneGapReason, number>,
  };

  constructor(options: RedisBackplaneOptions = {}) {
    const positive = (name: string, value: number | undefined, fallback: number, zeroOk = false): number => {
      if (value === undefined) return fallback;
      if (!Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
        throw new RedisBackplaneError(RedisBackplaneErrorCode.InvalidOption, `${name} must be a ${zeroOk ? 'non-negative' : 'positive'} number, got ${String(value)}`);
      }
      return Math.floor(value);
    };
    this.#opts = {
      maxLength: positive('retention.maxLength', options.retention?.maxLength, 1_000_000, true),
      maxAgeMs: positive('retention.maxAgeMs', options.retention?.maxAgeMs, 24 * 3600_000, true),
      exact: options.retention?.exact ?? false,
      backlogRecords: positive('backlog.maxRecords', options.backlog?.maxRecords, 10_000),
      backlogBytes: positive('backlog.maxBytes', options.backlog?.maxBytes, 8 * 1024 * 1024),
      batchRecords: positive('batch.maxRecords', options.batch?.maxRecords, 1000),
      batchBytes: positive('batch.maxBytes', options.batch?.maxBytes, 1024 * 1024),
      count: positive('read.count', options.read?.count, 1000),
      blockMs: positive('read.blockMs', options.read?.blockMs, 2000),
      minDelayMs: positive('reconnect.minDelayMs', options.reconnect?.minDelayMs, 100),
      maxDelayMs: positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs, 5000),
      producerTtl: positive('producerTtlSeconds', options.producerTtlSeconds, 7 * 24 * 3600),
      connectWaitMs: positive('connectWaitMs', options.connectWaitMs, 5000, true),
    };
    this.#prefix = options.prefix ?? 'lw:';
    this.#stream = options.stream ?? 'logs';
    // The unit separator delimits header fields; a node name never needs one.
    this.node = (options.node ?? `${hostname()}-${process.pid}`).replaceAll(US, '_');
    this.producer = `${this.node}:${randomBytes(6).toString('base64url')}`;
    this.#closedSignal = new Promise((resolve) => (this.#signalClosed = resolve));

    const base: RedisOptions = typeof options.redis === 'string' || options.redis === undefined ? {} : options.redis;
    const url = typeof options.redis === 'string' ? options.redis : options.redis === undefined ? 'redis://127.0.0.1:6379' : undefined;
    const connection: RedisOptions = {
      ...base,
      // Replies are parsed in their RESP2 shapes (XREAD: [[key, entries]]); ioredis 6 defaults to RESP3.
      protocol: 2,
      // The backlog is the only queue: commands fail fast while disconnected and are retried by
      // the backplane, idempotently, instead of piling up unbounded inside the client.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      retryStrategy: (times) => {
        this.#metrics.reconnectAttempts++;
        return this.#backoff(times);
      },
    };
    this.#writer = url === undefined ? new Redis(connection) : new Redis(url, connection);
    this.#reader = url === undefined ? new Redis(connection) : new Redis(url, connection);
    this.#writer.defineCommand('logwireAppend', { numberOfKeys: 3, lua: APPEND_LUA });
    for (const client of [this.#writer, this.#reader]) {
      // Every caller waiting for the connection adds a one-time 'ready' listener.
      client.setMaxListeners(0);
      client.on('error', (error: Error) => this.#down(error));
      client.on('close', () => this.#down(new Error('connection closed')));
      client.on('ready', () => this.#up());
    }
    this.#reader.on('ready', () => {
      // CLIENT UNBLOCK needs the reader's id, which changes on every reconnection.
      this.#reader.call('CLIENT', 'ID').then(
        (id) => (this.#readerId = Number(id)),
        () => undefined,
      );
    });
  }

  /**
   * Drives a `@logwire/server` hub (called by `createLogwire({ backplane })`): the hub's entries are
   * appended to the stream (option `stream`), the hub's history is filled with the stream's newest
   * entries, every entry read from the stream (this node's and the others') is fed to the hub with
   * its Redis id, gaps become `gap` messages, and resuming clients the hub cannot serve are served
   * from {@link range}. Backplane errors (outages included) go to `onError`. Once per backplane.
   */
  connect(hub: BackplaneHub, onError: (error: unknown) => void): BackplaneLink {
    if (this.#hubConnected) throw new RedisBackplaneError(RedisBackplaneErrorCode.InvalidOption, 'this backplane already drives a hub; create one RedisBackplane per logwire instance');
    this.#hubConnected = true;
    const stream = this.#stream;
    const confirmations = (this.#confirmations = new AppendConfirmations(stream));
    const offError = this.on('error', (error) => onError(error));
    let unsubscribe: (() => void) | undefined;
    const onBatch = (batch: ReadBatch): void => {
      const gap = batch.gap;
      if (gap?.reason === 'epoch') {
        hub.gap({ reason: 'epoch', from: gap.from === EMPTY ? null : gap.from, to: null, epoch: hub.epoch }, gap.epoch ?? batch.epoch);
      } else if (gap !== undefined) {
        hub.gap(toHubGap(gap, hub.epoch));
      } else if (batch.epoch !== undefined && batch.epoch !== hub.epoch) {
        // Entries of an epoch this node did not know (the stream was recreated while it started).
        hub.gap({ reason: 'epoch', from: null, to: null, epoch: hub.epoch }, batch.epoch);
      }
      if (batch.entries.length > 0) hub.ingest(batch.entries.map(toStreamMessage));
    };
    const ready = (async () => {
      // Every node agrees on the epoch before the first append, so clients never see a made-up one.
      const epoch = await this.#retry(async () => String(await this.#writer.eval(ENSURE_EPOCH_LUA, 1, this.#key(stream, 'm'), randomBytes(6).toString('base64url'))));
      const top = await this.#retry(() => this.#head(stream));
      const recent = await this.#retry(() => this.recent(stream, hub.historySize));
      const entries = recent.epoch === epoch ? recent.entries : [];
      const complete = entries.length === 0 ? top.last === EMPTY : entries[0]!.prev === EMPTY;
      hub.reset(recent.epoch ?? epoch, entries.map(toStreamMessage), complete);
      const after = entries.at(-1)?.id ?? (recent.epoch === epoch ? top.last : EMPTY);
      if (this.#closed) return;
      unsubscribe = await this.subscribe(stream, onBatch, { after, epoch: recent.epoch ?? epoch });
    })();
    ready.catch(() => undefined);
    return {
      ready: ready.catch((error: unknown) => {
        if (!this.#closed) onError(error);
      }),
      append: (entries: readonly LogEntry[]) => {
        const dropped = this.#metrics.dropped;
        this.append(stream, entries);
        confirmations.appended(entries, this.#queues.get(stream)?.seq ?? 0, this.#metrics.dropped - dropped);
      },
      confirm: (since: number, through: number) => confirmations.wait(since, through),
      history: async (after: string, epoch: string, count: number): Promise<HistoryPage> => {
        const page = await this.range(stream, { after, epoch, count });
        const result: HistoryPage = { messages: page.entries.map(toStreamMessage), done: page.done };
        if (page.gap) result.gap = page.gap.reason === 'epoch' ? { reason: 'epoch', from: after, to: null, epoch } : toHubGap(page.gap, epoch);
        return result;
      },
      close: async () => {
        // Give buffered records a bounded chance to reach Redis; an absent Redis must not hang shutdown.
        await Promise.race([this.flush(), this.#sleep(this.#opts.connectWaitMs)]);
        confirmations.close();
        unsubscribe?.();
        offError();
        await this.close();
      },
    };
  }

  /** Registers an event listener; returns the function that removes it. */
  on<E extends keyof BackplaneEvents>(event: E, listener: BackplaneEvents[E]): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  /**
   * Queues records for appending to `stream`, in order. Synchronous, never throws: when the backlog
   * is full the records are dropped, counted, and announced to every reader by a `dropped` gap.
   */
  append(stream: string, records: readonly BackplaneRecord[]): void {
    if (this.#closed) return;
    if (typeof stream !== 'string' || !Array.isArray(records)) {
      this.#emitError(RedisBackplaneErrorCode.Malformed, 'append(stream, records) needs a stream name and an array of records; nothing appended');
      return;
    }
    let queue = this.#queues.get(stream);
    // A new queue continues from the highest sequence given in any stream, so each stream's
    // sequences keep increasing across idle periods without remembering every stream ever seen.
    if (!queue) this.#queues.set(stream, (queue = { items: [], head: 0, seq: this.#topSeq, dropped: undefined }));
    for (const record of records) {
      if (!isRecord(record)) {
        this.#emitError(RedisBackplaneErrorCode.Malformed, `append(${stream}): not a record, skipped`);
        continue;
      }
      const bytes = record.data.length + record.logger.length + 64;
      if (this.#backlogRecords + 1 > this.#opts.backlogRecords || this.#backlogBytes + bytes > this.#opts.backlogBytes) {
        this.#metrics.dropped++;
        if (queue.dropped) {
          queue.dropped.count++;
          queue.dropped.to = record.time;
        } else {
          queue.dropped = { count: 1, from: record.time, to: record.time };
          this.#emitError(RedisBackplaneErrorCode.BacklogFull, `backlog full (${this.#backlogRecords} records, ${this.#backlogBytes} bytes): dropping new records of ${stream}`);
        }
        continue;
      }
      this.#announceDrops(stream, queue);
      this.#enqueue(queue, record, bytes);
    }
    this.#scheduleDrain();
  }

  /** Resolves once everything appended so far is in Redis (or the backplane is closed). */
  flush(): Promise<void> {
    if (this.#backlogRecords === 0 && ![...this.#queues.values()].some((q) => q.dropped)) return Promise.resolve();
    this.#scheduleDrain();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /**
   * Reads `stream` and calls `handler` with every batch of entries, in stream order. Starts after
   * `after` (in `epoch`) when given, otherwise at the current head. Resolves once the start is
   * fixed (waiting for Redis if it is away), with the function that ends the subscription.
   * Several handlers on one stream share one read position; the first fixes the start.
   */
  async subscribe(stream: string, handler: BatchHandler, from?: { after?: string; epoch?: string }): Promise<() => void> {
    if (this.#closed) throw new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed');
    let sub = this.#subs.get(stream);
    if (!sub) {
      const key = this.#key(stream, 'x');
      if (from?.after !== undefined && parseId(from.after) !== undefined) {
        sub = { stream, key, handlers: new Set(), cursor: from.after, linkTo: from.after, epoch: from.epoch };
      } else {
        const head = await this.#retry(() => this.head(stream));
        sub = { stream, key, handlers: new Set(), cursor: head.last, linkTo: head.last === EMPTY ? undefined : head.last, epoch: head.epoch };
      }
      const existing = this.#subs.get(stream);
      if (existing) sub = existing;
      else {
        this.#subs.set(stream, sub);
        this.#byKey.set(key, sub);
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
        this.#interruptRead();
      }
    };
  }

  /** Current epoch and newest id of `stream` (`0-0` when it holds nothing). Rejects while Redis is away. */
  head(stream: string): Promise<{ epoch: string | undefined; last: string }> {
    return this.#withConnection(() => this.#head(stream));
  }

  async #head(stream: string): Promise<{ epoch: string | undefined; last: string }> {
    const [epoch, top] = await Promise.all([
      this.#writer.hget(this.#key(stream, 'm'), 'e').catch((e: unknown) => this.#fail(e)),
      this.#writer.xrevrange(this.#key(stream, 'x'), '+', '-', 'COUNT', 1).catch((e: unknown) => this.#fail(e)),
    ]);
    const last = top[0]?.[0] ?? EMPTY;
    return { epoch: epoch ?? undefined, last };
  }

  /**
   * The newest `count` entries of `stream`, oldest first, and the current epoch: to fill a node's
   * replay ring when it starts, and to give a client without a cursor its recent history.
   */
  recent(stream: string, count: number): Promise<{ epoch: string | undefined; entries: BackplaneEntry[] }> {
    return this.#withConnection(async () => {
      const n = Math.max(1, Math.min(Math.floor(count) || 1, 100_000));
      const [epoch, raw] = await Promise.all([this.#writer.hget(this.#key(stream, 'm'), 'e'), this.#writer.xrevrange(this.#key(stream, 'x'), '+', '-', 'COUNT', n)]);
      const current = epoch ?? undefined;
      const entries: BackplaneEntry[] = [];
      for (const [id, fields] of raw) {
        const entry = this.#parse(stream, id, fields);
        // Only the current epoch, and markers are not messages.
        if (!entry || entry.epoch !== current) break;
        if (entry.type !== (MARKER_TYPE as string)) entries.push(entry);
      }
      return { epoch: current, entries: entries.reverse() };
    });
  }

  /**
   * One page of history after the cursor `after` (exclusive) in `epoch`, at most `count` entries,
   * with continuity proven from the cursor: if the first entry does not link to `after`, or the
   * epoch changed, the result carries the {@link Gap}. Without `after`, starts at the oldest
   * retained entry. Rejects while Redis is away.
   */
  range(stream: string, options: { after?: string; epoch?: string; count?: number } = {}): Promise<RangeResult> {
    return this.#withConnection(() => this.#range(stream, options));
  }

  async #range(stream: string, options: { after?: string; epoch?: string; count?: number }): Promise<RangeResult> {
    const count = Math.max(1, Math.min(options.count ?? 1000, 10_000));
    const after = options.after !== undefined && parseId(options.after) !== undefined ? options.after : undefined;
    const x = this.#key(stream, 'x');
    const [epochReply, top] = await Promise.all([
      this.#writer.hget(this.#key(stream, 'm'), 'e').catch((e: unknown) => this.#fail(e)),
      this.#writer.xrevrange(x, '+', '-', 'COUNT', 1).catch((e: unknown) => this.#fail(e)),
    ]);
    const epoch = epochReply ?? undefined;
    const head = top[0]?.[0] ?? EMPTY;
    const fromStart = after === undefined || (options.epoch !== undefined && options.epoch !== epoch);
    const raw = await this.#writer.xrange(x, fromStart ? '-' : `(${after}`, '+', 'COUNT', count).catch((e: unknown) => this.#fail(e));
    let entries = raw.map((r) => this.#parse(stream, r[0], r[1]));
    let gap: Gap | undefined;
    if (fromStart) {
      if (after !== undefined) {
        // Old-epoch leftovers (meta lost while the stream survived) are not part of this history.
        const firstCurrent = entries.findIndex((e) => e !== undefined && e.epoch === epoch);
        entries = firstCurrent < 0 ? [] : entries.slice(firstCurrent);
        gap = { reason: 'epoch', from: after, to: entries[0]?.prev ?? EMPTY, epoch };
      }
    } else if (after !== undefined) {
      const first = entries[0];
      if (first && first.prev !== after) gap = { reason: linkGap(first.prev, after), from: after, to: first.prev, epoch: first.epoch };
      else if (!first && head !== EMPTY && compareIds(parseId(head)!, parseId(after)!) < 0) {
        // The cursor is ahead of the newest entry: the stream lost its tail (failover).
        gap = { reason: 'diverged', from: after, to: head, epoch };
      }
    }
    // Keep the page continuous: stop before the first broken link, epoch change or drop marker;
    // the next call reports it as its gap.
    const out: BackplaneEntry[] = [];
    let truncated = false;
    let link = gap ? gap.to : after;
    for (const [i, entry] of entries.entries()) {
      if (entry === undefined) continue; // foreign entry: not part of the chain
      const broken = link !== undefined && entry.prev !== link && !(i === 0 && fromStart);
      if (broken || entry.type === (MARKER_TYPE as string)) {
        if (out.length === 0 && !gap && entry.type === (MARKER_TYPE as string) && !broken) {
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
    const lastId = out.at(-1)?.id ?? gap?.to ?? after ?? EMPTY;
    // A short page means XRANGE reached the end of the stream.
    const done = !truncated && (raw.length < count || lastId === head);
    const result: RangeResult = { epoch, head, entries: out, done };
    if (gap) result.gap = gap;
    return result;
  }

  /** State and counters, for health checks and metrics. */
  get metrics(): BackplaneMetrics {
    const m = this.#metrics;
    return {
      connected: this.#writer.status === 'ready' && this.#reader.status === 'ready',
      outages: m.outages,
      downSince: m.downSince,
      downMs: m.downTotal + (m.downSince === undefined ? 0 : Date.now() - m.downSince),
      reconnectAttempts: m.reconnectAttempts,
      lastError: m.lastError,
      backlogRecords: this.#backlogRecords,
      backlogBytes: this.#backlogBytes,
      backlogPeak: m.backlogPeak,
      dropped: m.dropped,
      appended: m.appended,
      duplicatesSkipped: m.duplicatesSkipped,
      batches: m.batches,
      delivered: m.delivered,
      gaps: { ...m.gaps },
      subscriptions: this.#subs.size,
    };
  }

  /** Stops reading and appending and closes both connections. Call {@link flush} first to drain. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#signalClosed();
    this.#confirmations?.close();
    for (const resolve of this.#flushWaiters.splice(0)) resolve();
    this.#subs.clear();
    this.#byKey.clear();
    this.#reader.disconnect();
    await this.#writer.quit().catch(() => this.#writer.disconnect());
  }

  // ── append path ────────────────────────────────────────────────────────────

  #enqueue(queue: StreamQueue, record: BackplaneRecord, bytes: number): void {
    queue.items.push({ seq: ++queue.seq, record, bytes });
    if (queue.seq > this.#topSeq) this.#topSeq = queue.seq;
    this.#backlogRecords++;
    this.#backlogBytes += bytes;
    if (this.#backlogRecords > this.#metrics.backlogPeak) this.#metrics.backlogPeak = this.#backlogRecords;
  }

  /** Turns a run of drops into a marker entry, placed where the dropped records would have been. */
  #announceDrops(stream: string, queue: StreamQueue): void {
    const dropped = queue.dropped;
    if (!dropped) return;
    queue.dropped = undefined;
    const data = JSON.stringify({ count: dropped.count, from: dropped.from, to: dropped.to });
    // The marker may exceed the bound by one small record: the drop must be announced.
    this.#enqueue(queue, { type: MARKER_TYPE as BackplaneRecord['type'], time: dropped.to, level: 0, logger: '', data }, data.length + 64);
    this.#emit('dropped', { stream, count: dropped.count });
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled || this.#draining || this.#closed) return;
    this.#drainScheduled = true;
    // Records appended in the same event-loop turn go out in one batch.
    setImmediate(() => {
      this.#drainScheduled = false;
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    let failures = 0;
    try {
      for (;;) {
        if (this.#closed) return;
        for (const [stream, queue] of this.#queues) {
          if (queue.dropped && this.#backlogRecords < this.#opts.backlogRecords) this.#announceDrops(stream, queue);
        }
        const jobs: Array<{ stream: string; queue: StreamQueue; taken: number }> = [];
        for (const [stream, queue] of this.#queues) {
          if (queue.items.length - queue.head > 0) jobs.push({ stream, queue, taken: 0 });
          else if (!queue.dropped) this.#queues.delete(stream); // idle streams cost nothing
        }
        if (jobs.length === 0) break;
        if (this.#writer.status !== 'ready') {
          await this.#ready(this.#writer);
          continue;
        }
        const pipeline = this.#writer.pipeline() as unknown as { logwireAppend: Appender; exec(): Promise<Array<[Error | null, unknown]> | null> };
        for (const job of jobs) {
          const first = job.queue.items[job.queue.head]!.seq;
          const args: (string | number)[] = [this.producer, randomBytes(6).toString('base64url'), this.#opts.maxLength, this.#opts.maxAgeMs, this.#opts.exact ? '1' : '0', this.#opts.producerTtl, first];
          let bytes = 0;
          const { items, head } = job.queue;
          while (head + job.taken < items.length && job.taken < this.#opts.batchRecords) {
            const item = items[head + job.taken]!;
            if (job.taken > 0 && bytes + item.bytes > this.#opts.batchBytes) break;
            const r = item.record;
            args.push(r.type + US + r.time + US + r.level + US + this.node + US + r.logger, r.data);
            bytes += item.bytes;
            job.taken++;
          }
          pipeline.logwireAppend(this.#key(job.stream, 'x'), this.#key(job.stream, 'm'), this.#key(job.stream, 'pr'), ...args);
        }
        let results: Array<[Error | null, unknown]> | null;
        try {
          results = await pipeline.exec();
        } catch (error) {
          results = jobs.map(() => [error as Error, undefined]);
        }
        let failed: unknown;
        for (const [i, job] of jobs.entries()) {
          const [error, reply] = results?.[i] ?? [new Error('no reply'), undefined];
          if (error) {
            failed ??= error;
            continue;
          }
          const [, appended, skipped] = reply as [string, number, number, string, string];
          this.#metrics.batches++;
          this.#metrics.appended += Number(appended);
          this.#metrics.duplicatesSkipped += Number(skipped);
          this.#confirmations?.stored(job.stream, job.queue.items[job.queue.head + job.taken - 1]!.seq);
          this.#consume(job.queue, job.taken);
        }
        if (failed !== undefined) {
          failures++;
          if (this.#writer.status === 'ready') {
            // Connected but refused (script error, OOM): report, then back off before retrying.
            this.#emitError(RedisBackplaneErrorCode.Append, `append failed: ${message(failed)}`, failed);
            await this.#sleep(this.#backoff(failures));
          } else {
            this.#down(failed);
          }
        } else {
          failures = 0;
        }
      }
    } finally {
      this.#draining = false;
      if (this.#backlogRecords === 0) for (const resolve of this.#flushWaiters.splice(0)) resolve();
      else if (!this.#closed) this.#scheduleDrain();
    }
  }

  #consume(queue: StreamQueue, n: number): void {
    for (let i = 0; i < n; i++) {
      const item = queue.items[queue.head + i]!;
      this.#backlogRecords--;
      this.#backlogBytes -= item.bytes;
    }
    queue.head += n;
    if (queue.head === queue.items.length) {
      queue.items = [];
      queue.head = 0;
    } else if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
      queue.items = queue.items.slice(queue.head);
      queue.head = 0;
    }
  }

  // ── read path ──────────────────────────────────────────────────────────────

  #startReading(): void {
    if (this.#reading || this.#closed) return;
    this.#reading = true;
    this.#readLoop()
      .catch((error: unknown) => this.#emitError(RedisBackplaneErrorCode.Read, `reader stopped: ${message(error)}`, error))
      .finally(() => {
        this.#reading = false;
        // A reader that stopped on a bug must not leave subscriptions silently dead.
        if (!this.#closed && this.#subs.size > 0) setTimeout(() => this.#startReading(), this.#opts.minDelayMs).unref();
      });
  }

  #interruptRead(): void {
    this.#wake?.();
    // A blocked XREAD only sees a changed set of streams after it returns.
    if (this.#readerId !== undefined && this.#writer.status === 'ready') {
      this.#writer.call('CLIENT', 'UNBLOCK', this.#readerId).catch(() => undefined);
    }
  }

  async #readLoop(): Promise<void> {
    let failures = 0;
    while (!this.#closed) {
      if (this.#subs.size === 0) {
        await Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), this.#closedSignal]);
        this.#wake = undefined;
        continue;
      }
      if (this.#reader.status !== 'ready') {
        await this.#ready(this.#reader);
        continue;
      }
      const subs = [...this.#subs.values()];
      let reply: Array<[string, Array<[string, string[]]>]> | null;
      try {
        reply = (await this.#reader.call('XREAD', 'COUNT', this.#opts.count, 'BLOCK', this.#opts.blockMs, 'STREAMS', ...subs.map((s) => s.key), ...subs.map((s) => s.cursor))) as typeof reply;
        failures = 0;
      } catch (error) {
        if (this.#closed) return;
        failures++;
        if (this.#reader.status === 'ready') {
          this.#emitError(RedisBackplaneErrorCode.Read, `XREAD failed: ${message(error)}`, error);
          await this.#sleep(this.#backoff(failures));
        } else {
          this.#down(error);
        }
        continue;
      }
      if (reply === null) {
        await this.#probeEpochs(subs);
        continue;
      }
      for (const [key, raw] of reply) {
        const sub = this.#byKey.get(key);
        if (!sub) continue;
        for (const batch of this.#continuity(sub, raw)) await this.#deliver(sub, batch);
      }
    }
  }

  /** Checks each entry's link and epoch against what this reader saw last, splitting at gaps. */
  #continuity(sub: Subscription, raw: Array<[string, string[]]>): ReadBatch[] {
    const batches: ReadBatch[] = [];
    let current: ReadBatch | undefined;
    for (const [id, fields] of raw) {
      const before = sub.linkTo ?? sub.cursor;
      sub.cursor = id;
      const entry = this.#parse(sub.stream, id, fields);
      // A foreign entry (not written by the append script) is not part of the chain: skip it and
      // keep expecting the link to the last logwire entry.
      if (!entry) continue;
      let gap: Gap | undefined;
      if (sub.epoch !== undefined && entry.epoch !== sub.epoch) {
        gap = { reason: 'epoch', from: before, to: entry.prev, epoch: entry.epoch };
      } else if (sub.linkTo !== undefined && entry.prev !== sub.linkTo) {
        gap = { reason: linkGap(entry.prev, sub.linkTo), from: sub.linkTo, to: entry.prev, epoch: entry.epoch };
      }
      sub.epoch = entry.epoch;
      sub.linkTo = entry.id;
      if (gap) batches.push((current = { stream: sub.stream, epoch: entry.epoch, gap, entries: [] }));
      if (entry.type === (MARKER_TYPE as string)) {
        batches.push((current = { stream: sub.stream, epoch: entry.epoch, gap: markerGap(entry), entries: [] }));
        continue;
      }
      if (!current) batches.push((current = { stream: sub.stream, epoch: entry.epoch, entries: [] }));
      current.entries.push(entry);
    }
    return batches;
  }

  /**
   * After an idle read: a stream whose meta names another epoch was recreated, possibly with ids
   * below this reader's cursor, which XREAD would never return. Report it and read it from the start.
   */
  async #probeEpochs(subs: Subscription[]): Promise<void> {
    const known = subs.filter((s) => s.epoch !== undefined && this.#subs.get(s.stream) === s);
    if (known.length === 0 || this.#writer.status !== 'ready') return;
    try {
      const epochs = await Promise.all(known.map((s) => this.#writer.hget(this.#key(s.stream, 'm'), 'e')));
      for (const [i, sub] of known.entries()) {
        const epoch = epochs[i];
        if (!epoch || epoch === sub.epoch) continue;
        const first = await this.#writer.xrange(sub.key, '-', '+', 'COUNT', 1);
        const firstEntry = first[0] && this.#parse(sub.stream, first[0][0], first[0][1]);
        const gap: Gap = { reason: 'epoch', from: sub.linkTo ?? sub.cursor, to: EMPTY, epoch };
        if (firstEntry && firstEntry.epoch === epoch) sub.cursor = EMPTY;
        sub.epoch = epoch;
        sub.linkTo = undefined;
        await this.#deliver(sub, { stream: sub.stream, epoch, gap, entries: [] });
      }
    } catch (error) {
      this.#emitError(RedisBackplaneErrorCode.Read, `epoch check failed: ${message(error)}`, error);
    }
  }

  async #deliver(sub: Subscription, batch: ReadBatch): Promise<void> {
    if (batch.gap) {
      this.#metrics.gaps[batch.gap.reason]++;
      this.#emit('gap', { stream: sub.stream, gap: batch.gap });
    }
    this.#metrics.delivered += batch.entries.length;
    for (const handler of [...sub.handlers]) {
      try {
        const result = handler(batch);
        // Awaiting the handler is the backpressure: the next XREAD waits, Redis holds the rest.
        if (result && typeof result.then === 'function') await result;
      } catch (error) {
        this.#emitError(RedisBackplaneErrorCode.Handler, `subscriber of ${sub.stream} failed: ${message(error)}`, error);
      }
    }
  }

  #parse(stream: string, id: string, fields: string[]): BackplaneEntry | undefined {
    let prev: string | undefined;
    let epoch: string | undefined;
    let header: string | undefined;
    let data: string | undefined;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      const value = fields[i + 1]!;
      switch (fields[i]) {
        case 'p':
          prev = value;
          break;
        case 'e':
          epoch = value;
          break;
        case 'h':
          header = value;
          break;
        case 'd':
          data = value;
          break;
      }
    }
    const parts = header?.split(US, 4);
    const rest = parts && parts.length === 4 ? header!.slice(parts.join(US).length + 1) : undefined;
    const type = parts?.[0];
    const time = Number(parts?.[1]);
    const level = Number(parts?.[2]);
    if ((type !== 'system_log' && type !== 'audit_log' && type !== MARKER_TYPE) || prev === undefined || epoch === undefined || data === undefined || rest === undefined || !Number.isFinite(time) || !Number.isFinite(level)) {
      this.#emitError(RedisBackplaneErrorCode.Malformed, `entry ${id} of ${stream} lacks logwire fields; skipped`);
      return undefined;
    }
    return { id, prev, epoch, node: parts![3]!, type: type as BackplaneEntry['type'], time, level, logger: rest, data };
  }

  // ── connection state ───────────────────────────────────────────────────────

  #down(error: unknown): void {
    if (this.#closed) return;
    this.#metrics.lastError = message(error);
    if (this.#metrics.downSince !== undefined) return;
    const since = Date.now();
    this.#metrics.downSince = since;
    this.#metrics.outages++;
    const wrapped = new RedisBackplaneError(RedisBackplaneErrorCode.Unavailable, `Redis unavailable: ${message(error)}; buffering up to ${this.#opts.backlogRecords} records and reconnecting`, { cause: error });
    this.#emit('error', wrapped);
    this.#emit('outage', { since, error: wrapped });
  }

  #up(): void {
    const since = this.#metrics.downSince;
    if (since === undefined || this.#writer.status !== 'ready' || this.#reader.status !== 'ready') return;
    const downMs = Date.now() - since;
    this.#metrics.downTotal += downMs;
    this.#metrics.downSince = undefined;
    this.#emit('recovered', { downMs });
    this.#scheduleDrain();
  }

  #ready(client: Redis): Promise<void> {
    if (client.status === 'ready' || this.#closed) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => client.once('ready', () => resolve())), this.#closedSignal]);
  }

  /** Waits up to `connectWaitMs` for the command connection; rejects if it does not come. */
  async #connected(): Promise<void> {
    if (this.#closed) throw new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed');
    if (this.#writer.status === 'ready') return;
    await Promise.race([this.#ready(this.#writer), this.#sleep(this.#opts.connectWaitMs)]);
    if (this.#closed) throw new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed');
    // The status changed while awaiting; TypeScript's narrowing from the first check does not know.
    if ((this.#writer.status as string) !== 'ready') {
      throw new RedisBackplaneError(RedisBackplaneErrorCode.Unavailable, `Redis unavailable: no connection within ${this.#opts.connectWaitMs} ms (${this.#metrics.lastError ?? this.#writer.status})`);
    }
  }

  /**
   * Runs a read-only `task` once the connection is there; a connection that dies under it (the
   * client notices a moment later) gets one more try after reconnecting.
   */
  async #withConnection<T>(task: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.#connected();
      try {
        return await task();
      } catch (error) {
        if (attempt >= 2 || this.#closed) throw error;
        await this.#sleep(this.#opts.minDelayMs);
      }
    }
  }

  /** Runs `task` until it succeeds, waiting for the connection between attempts. */
  async #retry<T>(task: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.#ready(this.#writer);
      if (this.#closed) throw new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed');
      try {
        return await task();
      } catch (error) {
        if (this.#writer.status === 'ready') await this.#sleep(this.#backoff(attempt));
      }
    }
  }

  /** Exponential backoff with jitter: between half and all of min(max, min·2^(n-1)). */
  #backoff(attempt: number): number {
    const ceiling = Math.min(this.#opts.maxDelayMs, this.#opts.minDelayMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  #sleep(ms: number): Promise<void> {
    return Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), this.#closedSignal]);
  }

  #fail(error: unknown): never {
    if (this.#closed) throw new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed', { cause: error });
    throw new RedisBackplaneError(RedisBackplaneErrorCode.Unavailable, `Redis unavailable: ${message(error)}`, { cause: error });
  }

  #key(stream: string, part: 'x' | 'm' | 'pr'): string {
    return `${this.#prefix}{${stream}}:${part}`;
  }

  #emitError(code: RedisBackplaneErrorCode, text: string, cause?: unknown): void {
    this.#metrics.lastError = text;
    this.#emit('error', new RedisBackplaneError(code, text, cause === undefined ? undefined : { cause }));
  }

  #emit<E extends keyof BackplaneEvents>(event: E, ...args: Parameters<BackplaneEvents[E]>): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      try {
        (listener as unknown as (...a: Parameters<BackplaneEvents[E]>) => void)(...args);
      } catch {
        // A failing listener must not stop the backplane.
      }
    }
  }
}

/**
 * The wire `gap` message for a gap (`{"type":"gap","data":{from,to,reason,count?,epoch?}}`, see
 * `GapMessage` in `@logwire/protocol`). `to` is the last missing id; `0-0` (start of a new epoch) becomes `null`.
 */
export function toGapFrame(gap: Gap): string {
  const data: GapData = { from: gap.from === EMPTY ? null : gap.from, to: gap.to === EMPTY ? null : gap.to, reason: gap.reason };
  if (gap.count !== undefined) data.count = gap.count;
  if (gap.epoch !== undefined) data.epoch = gap.epoch;
  return JSON.stringify({ type: 'gap', data });
}

/** The wire frame of an entry, byte for byte what `@logwire/server`'s hub sends for a message. */
export function toFrame(entry: BackplaneEntry): string {
  return '{"type":"' + entry.type + '","id":"' + entry.id + '","data":' + entry.data + '}';
}

/**
 * An entry in the shape of `@logwire/server`'s `StreamMessage`, so a hub can take Redis-assigned
 * ids into its ring and fan-out unchanged.
 */
export function toStreamMessage(entry: BackplaneEntry): StreamMessage {
  return { id: entry.id, position: parseId(entry.id) ?? { ms: 0, seq: 0 }, type: entry.type, time: entry.time, level: entry.level, logger: entry.logger, data: entry.data, frame: toFrame(entry) };
}

/** A backplane gap as the hub announces it (a wire `gap`); `epoch` is the epoch both ends belong to. */
function toHubGap(gap: Gap, epoch: string): HubGap {
  const out: HubGap = { reason: gap.reason, from: gap.from === EMPTY ? null : gap.from, to: gap.to === EMPTY ? null : gap.to, epoch };
  if (gap.count !== undefined) out.count = gap.count;
  return out;
}

function linkGap(prev: string, expected: string): 'trimmed' | 'diverged' | 'epoch' {
  // An entry linking to 0-0 starts an epoch: the history before it is another incarnation.
  if (prev === EMPTY) return 'epoch';
  const p = parseId(prev);
  const e = parseId(expected);
  // A link past the expected id means entries in between existed and are gone; a link before it
  // (or an unparsable one) means this is not the history the reader saw.
  return p && e && compareIds(p, e) > 0 ? 'trimmed' : 'diverged';
}

function markerGap(entry: BackplaneEntry): Gap {
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

function isRecord(value: unknown): value is BackplaneRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (r.type === 'system_log' || r.type === 'audit_log') && typeof r.data === 'string' && typeof r.logger === 'string' && Number.isFinite(r.time) && Number.isFinite(r.level);
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
