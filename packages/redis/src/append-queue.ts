/**
 * The append queue: records wait here, per stream and in order, until Redis has them.
 *
 * - **Bounded backlog.** At most `backlogRecords` records and `backlogBytes` bytes wait (while
 *   Redis is slow or away); newer records are dropped beyond that, counted, and announced to
 *   every reader by a `dropped` marker entry queued where they would have been.
 * - **One call per stream per round trip.** Records appended in the same event-loop turn go out
 *   together: one append-script call per stream (one stream entry per call, holding the batch),
 *   all streams in one pipeline.
 * - **Idempotent re-sends.** Every record gets a per-stream producer sequence; the script skips
 *   sequences at or below the producer's high-water mark, so a batch re-sent after a lost reply
 *   is not written twice.
 * - **Confirmation.** A record leaves the queue only in {@link AppendQueue.#confirmed}, when the
 *   script's reply for its call arrives: from then on it is in the Redis stream.
 */
import { randomBytes } from 'node:crypto';
import type { AppendCommand, Connection, SharedParts } from './connection.js';
import { BatchPacker } from './batch-packer.js';
import { isRecord, MARKER_TYPE } from './entry-codec.js';
import type { OwnBatches } from './own-batches.js';
import { RedisBackplaneErrorCode } from './errors.js';
import { type BackplaneEmitter, type ErrorReporter, message } from './events.js';
import type { KeyOf, KeyPart } from './keys.js';
import type { ResolvedOptions } from './options.js';
import type { BackplaneMetrics, BackplaneRecord } from './types.js';

/** The options the queue reads (see options.ts). */
export type AppendQueueOptions = Pick<
  ResolvedOptions,
  'maxLength' | 'maxAgeMs' | 'exact' | 'backlogRecords' | 'backlogBytes' | 'batchRecords' | 'batchBytes' | 'producerTtl'
>;

/** Who appends: the node name stored in each entry and the producer id of the high-water marks. */
export interface Producer {
  node: string;
  producer: string;
}

/** The append script's reply: `[epoch, appended, skipped, first id or '', last id or '']` (see `lua.ts`). */
export type AppendReply = [epoch: string, appended: number, skipped: number, first: string, last: string];

/** The queue's part of `BackplaneMetrics`. */
export type AppendMetrics = Pick<
  BackplaneMetrics,
  'backlogRecords' | 'backlogBytes' | 'backlogPeak' | 'dropped' | 'appended' | 'duplicatesSkipped' | 'batches'
>;

interface StreamQueue {
  /** The waiting records from `head` on (held as they came: no per-record wrapper). */
  items: BackplaneRecord[];
  /** Each item's bytes as counted when it was queued (a record changed afterwards cannot skew the bound). */
  sizes: number[];
  head: number;
  /**
   * Last producer sequence given in this stream, the sequence of the last item: sequences are
   * contiguous, so `items[i]` has `seq - (items.length - 1 - i)` and a batch sends only its first.
   */
  seq: number;
  /** Drops not yet announced by a marker entry. */
  dropped: { count: number; from: number; to: number } | undefined;
  /**
   * The epoch this queue's calls propose should the stream need a new one: replaced as soon as a
   * reply shows it was taken, and after any call without a reply (it may have been taken), so no
   * two incarnations of a stream get the same epoch (and no call pays for random bytes).
   */
  candidate: string;
}

/** One append-script call of a round trip: the first `taken` waiting records of one stream. */
interface Job {
  stream: string;
  queue: StreamQueue;
  taken: number;
}

type AppendPipeline = { logwireAppend: AppendCommand; exec(): Promise<Array<[Error | null, unknown]> | null> };

/** Queues records per stream and writes them to Redis in batches; see the module comment. */
export class AppendQueue {
  readonly #connection: Connection;
  readonly #options: AppendQueueOptions;
  readonly #producer: Producer;
  readonly #keyOf: KeyOf;
  readonly #events: BackplaneEmitter;
  readonly #report: ErrorReporter;
  readonly #own: OwnBatches;
  readonly #queues = new Map<string, StreamQueue>();
  readonly #flushWaiters: Array<() => void> = [];
  readonly #packer = new BatchPacker();
  #topSeq = 0;
  #backlogRecords = 0;
  #backlogBytes = 0;
  #draining = false;
  #drainScheduled = false;
  readonly #metrics = { backlogPeak: 0, dropped: 0, appended: 0, duplicatesSkipped: 0, batches: 0 };

  /** `own`: told each batch sent, so the reader can take its records back instead of decoding them. */
  constructor({ connection, keyOf, events, report }: SharedParts, options: AppendQueueOptions, producer: Producer, own: OwnBatches) {
    this.#connection = connection;
    this.#own = own;
    this.#options = options;
    this.#producer = producer;
    this.#keyOf = keyOf;
    this.#events = events;
    this.#report = report;
  }

  /**
   * Told the queue position of `stream` up to which Redis holds every record, each time Redis
   * accepts a batch: what `commit()` confirmations wait for (see confirmations.ts).
   */
  onStored: ((stream: string, seq: number) => void) | undefined;

  /** Queue position of the last record queued for `stream` (0: none yet). */
  lastSeq(stream: string): number {
    return this.#queues.get(stream)?.seq ?? 0;
  }

  /** Backlog and append counters, for `metrics`. */
  get metrics(): AppendMetrics {
    return { backlogRecords: this.#backlogRecords, backlogBytes: this.#backlogBytes, ...this.#metrics };
  }

  /** Queues `records` for `stream`, in order; see `RedisBackplane.append`. */
  append(stream: string, records: readonly BackplaneRecord[]): void {
    if (this.#connection.closed) return;
    if (typeof stream !== 'string' || !Array.isArray(records)) {
      const text = 'append(stream, records) needs a stream name and an array of records; nothing appended';
      this.#report(RedisBackplaneErrorCode.Malformed, text);
      return;
    }
    let queue = this.#queues.get(stream);
    // A new queue continues from the highest sequence given in any stream, so each stream's
    // sequences keep increasing across idle periods without remembering every stream ever seen.
    if (!queue)
      this.#queues.set(
        stream,
        (queue = { items: [], sizes: [], head: 0, seq: this.#topSeq, dropped: undefined, candidate: newCandidate() }),
      );
    for (const record of records) {
      if (!isRecord(record)) {
        this.#report(RedisBackplaneErrorCode.Malformed, `append(${stream}): not a record, skipped`);
        continue;
      }
      const bytes = recordBytes(record);
      if (this.#backlogRecords + 1 > this.#options.backlogRecords || this.#backlogBytes + bytes > this.#options.backlogBytes) {
        this.#drop(stream, queue, record);
        continue;
      }
      this.#announceDrops(stream, queue);
      this.#enqueue(queue, record, bytes);
    }
    this.schedule();
  }

  /** Resolves once everything queued so far is in Redis (or the backplane is closed). */
  flush(): Promise<void> {
    if (this.#backlogRecords === 0 && ![...this.#queues.values()].some((q) => q.dropped)) return Promise.resolve();
    this.schedule();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Releases every `flush()` waiter: the backplane is closing. */
  release(): void {
    for (const resolve of this.#flushWaiters.splice(0)) resolve();
  }

  /** Drains on the next event-loop turn, so records appended in the same turn go out in one batch. */
  schedule(): void {
    if (this.#drainScheduled || this.#draining || this.#connection.closed) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drainScheduled = false;
      void this.#drain();
    });
  }

  #drop(stream: string, queue: StreamQueue, record: BackplaneRecord): void {
    this.#metrics.dropped++;
    if (queue.dropped) {
      queue.dropped.count++;
      queue.dropped.to = record.time;
      return;
    }
    queue.dropped = { count: 1, from: record.time, to: record.time };
    const held = `${this.#backlogRecords} records, ${this.#backlogBytes} bytes`;
    this.#report(RedisBackplaneErrorCode.BacklogFull, `backlog full (${held}): dropping new records of ${stream}`);
  }

  #enqueue(queue: StreamQueue, record: BackplaneRecord, bytes: number): void {
    queue.items.push(record);
    queue.sizes.push(bytes);
    queue.seq++;
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
    const marker: BackplaneRecord = { type: MARKER_TYPE as BackplaneRecord['type'], time: dropped.to, level: 0, logger: '', data };
    this.#enqueue(queue, marker, recordBytes(marker));
    this.#events.emit('dropped', { stream, count: dropped.count });
  }

  /** Sends round trips until the queue is empty, waiting out outages and backing off on refusals. */
  async #drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    const { writer } = this.#connection;
    let failures = 0;
    try {
      for (;;) {
        if (this.#connection.closed) return;
        const jobs = this.#jobs();
        if (jobs.length === 0) break;
        if (writer.status !== 'ready') {
          await this.#connection.ready(writer);
          continue;
        }
        const pipeline = writer.pipeline() as unknown as AppendPipeline;
        for (const job of jobs) this.#send(pipeline, job);
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
            job.queue.candidate = newCandidate();
          } else this.#confirmed(job, reply as AppendReply);
        }
        if (failed === undefined) {
          failures = 0;
          continue;
        }
        failures++;
        if (writer.status === 'ready') {
          // Connected but refused (script error, OOM): report, then back off before retrying.
          this.#report(RedisBackplaneErrorCode.Append, `append failed: ${message(failed)}`, failed);
          await this.#connection.sleep(this.#connection.backoff(failures));
        } else {
          this.#connection.down(failed);
        }
      }
    } finally {
      this.#draining = false;
      if (this.#backlogRecords === 0) this.release();
      else if (!this.#connection.closed) this.schedule();
    }
  }

  /** The calls of the next round trip: one per stream with waiting records (announcing drops first). */
  #jobs(): Job[] {
    for (const [stream, queue] of this.#queues) {
      if (queue.dropped && this.#backlogRecords < this.#options.backlogRecords) this.#announceDrops(stream, queue);
    }
    const jobs: Job[] = [];
    for (const [stream, queue] of this.#queues) {
      if (queue.items.length - queue.head > 0) jobs.push({ stream, queue, taken: 0 });
      else if (!queue.dropped) this.#queues.delete(stream); // idle streams cost nothing
    }
    return jobs;
  }

  /** Adds one append-script call to `pipeline`: as many waiting records as the batch bounds allow. */
  #send(pipeline: AppendPipeline, job: Job): void {
    const { items, sizes, head } = job.queue;
    const o = this.#options;
    const trim = [o.maxLength, o.maxAgeMs, o.exact ? '1' : '0'];
    // Only the first record's sequence is sent: a batch's sequences are contiguous.
    const args: Array<string | number | Buffer> = [
      this.#producer.producer,
      job.queue.candidate,
      ...trim,
      o.producerTtl,
      seqAt(job.queue, head),
    ];
    // The records go packed (batch-packer.ts): byte lengths, then headers and data, each one
    // Buffer sent as is, stored as they come in one stream entry (see lua.ts and entry-codec.ts).
    const packer = this.#packer;
    packer.start();
    let bytes = 0;
    while (head + job.taken < items.length && job.taken < o.batchRecords) {
      const size = sizes[head + job.taken]!;
      if (job.taken > 0 && bytes + size > o.batchBytes) break;
      packer.add(items[head + job.taken]!);
      bytes += size;
      job.taken++;
    }
    const batch = packer.finish();
    if (packer.alike) this.#own.sent(job.stream, batch, items.slice(head, head + job.taken));
    args.push(batch.lengths, batch.packed, this.#producer.node);
    const k = (part: KeyPart) => this.#keyOf(job.stream, part);
    pipeline.logwireAppend(k('x'), k('m'), k('pr'), k('c'), ...args);
  }

  /**
   * The confirmation point: Redis replied to `job`'s append call, so its first `job.taken`
   * records are in the stream (written now, or skipped as already written by an earlier send).
   * They leave the queue here, and only here.
   */
  #confirmed(job: Job, reply: AppendReply): void {
    const [epoch, appended, skipped] = reply;
    if (epoch === job.queue.candidate) job.queue.candidate = newCandidate();
    this.#metrics.batches++;
    this.#metrics.appended += Number(appended);
    this.#metrics.duplicatesSkipped += Number(skipped);
    if (job.taken > 0) this.onStored?.(job.stream, seqAt(job.queue, job.queue.head + job.taken - 1));
    this.#consume(job.queue, job.taken);
  }

  #consume(queue: StreamQueue, n: number): void {
    for (let i = queue.head; i < queue.head + n; i++) this.#backlogBytes -= queue.sizes[i]!;
    this.#backlogRecords -= n;
    queue.head += n;
    if (queue.head === queue.items.length) {
      queue.items = [];
      queue.sizes = [];
      queue.head = 0;
    } else if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
      queue.items = queue.items.slice(queue.head);
      queue.sizes = queue.sizes.slice(queue.head);
      queue.head = 0;
    }
  }
}

/** A random epoch for a new incarnation of a stream. */
function newCandidate(): string {
  return randomBytes(6).toString('base64url');
}

/** What a waiting record counts for in the backlog's byte bound. */
function recordBytes(record: BackplaneRecord): number {
  return record.data.length + record.logger.length + 64;
}

/** The producer sequence of `queue.items[index]`. */
function seqAt(queue: StreamQueue, index: number): number {
  return queue.seq - (queue.items.length - 1 - index);
}
