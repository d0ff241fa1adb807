/**
 * The backplane's two Redis connections and their state: `writer` for commands (appends, history
 * reads, epoch checks) and `reader` for the blocking `XREAD`, which would hold up any command
 * sent behind it.
 *
 * - **Fail fast, retry here.** Commands fail at once while disconnected (no offline queue inside
 *   ioredis); the append queue is the only queue, and its re-sends are idempotent. Reconnection
 *   uses exponential backoff with jitter ({@link Connection.backoff}).
 * - **Outage and recovery.** The first error or close of either connection is an outage (`error`
 *   and `outage` events); when both are ready again, `recovered`, and the append queue drains.
 * - **Scripts after a Redis restart.** The append script is defined on the writer
 *   (`defineCommand`): ioredis sends it with `EVAL` on the first call on each new socket and with
 *   `EVALSHA` after that, and re-sends an `EVALSHA` that meets `NOSCRIPT` as `EVAL`, so a Redis
 *   restarted without its script cache gets the script again on the next append.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';
import { type BackplaneEmitter, type ErrorReporter, message } from './events.js';
import type { KeyOf } from './keys.js';
import { APPEND_LUA } from './lua.js';

/** The append script's command, as defined on the writer (and on its pipelines). */
export type AppendCommand = (x: string, m: string, pr: string, c: string, ...args: (string | number | Buffer)[]) => unknown;

export interface ConnectionOptions {
  /** First reconnection delay. */
  minDelayMs: number;
  /** Largest reconnection delay. */
  maxDelayMs: number;
  /** How long `connected()` waits for the writer. */
  connectWaitMs: number;
  /** Backlog bound, named in the outage message. */
  backlogRecords: number;
}

/** Outage counters, for `metrics`. */
export interface ConnectionMetrics {
  outages: number;
  downSince: number | undefined;
  downTotal: number;
  reconnectAttempts: number;
  lastError: string | undefined;
}

/** What every part of one backplane shares: the connections, the key layout, the events and the error reporter. */
export interface SharedParts {
  connection: Connection;
  keyOf: KeyOf;
  events: BackplaneEmitter;
  report: ErrorReporter;
}

/** Both connections, the outage state, and the ways to wait for and retry on them. */
export class Connection {
  readonly writer: Redis;
  readonly reader: Redis;
  readonly metrics: ConnectionMetrics = { outages: 0, downSince: undefined, downTotal: 0, reconnectAttempts: 0, lastError: undefined };
  /** Resolves when the backplane closes: every wait races it. */
  readonly closedSignal: Promise<void>;
  readonly #options: ConnectionOptions;
  readonly #events: BackplaneEmitter;
  readonly #onRecovered: () => void;
  #closed = false;
  #signalClosed!: () => void;

  constructor(redis: string | RedisOptions | undefined, options: ConnectionOptions, events: BackplaneEmitter, onRecovered: () => void) {
    this.#options = options;
    this.#events = events;
    this.#onRecovered = onRecovered;
    this.closedSignal = new Promise((resolve) => (this.#signalClosed = resolve));
    const base: RedisOptions = typeof redis === 'string' || redis === undefined ? {} : redis;
    const url = typeof redis === 'string' ? redis : redis === undefined ? 'redis://127.0.0.1:6379' : undefined;
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
        this.metrics.reconnectAttempts++;
        return this.backoff(times);
      },
    };
    this.writer = url === undefined ? new Redis(connection) : new Redis(url, connection);
    this.reader = url === undefined ? new Redis(connection) : new Redis(url, connection);
    this.writer.defineCommand('logwireAppend', { numberOfKeys: 4, lua: APPEND_LUA });
    for (const client of [this.writer, this.reader]) {
      // Every caller waiting for the connection adds a one-time 'ready' listener.
      client.setMaxListeners(0);
      client.on('error', (error: Error) => this.down(error));
      client.on('close', () => this.down(new Error('connection closed')));
      client.on('ready', () => this.#up());
    }
  }

  /** The backplane was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Both connections are ready. */
  get connected(): boolean {
    return this.writer.status === 'ready' && this.reader.status === 'ready';
  }

  /** A connection failed or a command found it gone: starts an outage unless one is under way. */
  down(error: unknown): void {
    if (this.#closed) return;
    this.metrics.lastError = message(error);
    if (this.metrics.downSince !== undefined) return;
    const since = Date.now();
    this.metrics.downSince = since;
    this.metrics.outages++;
    const text = `Redis unavailable: ${message(error)}; buffering up to ${this.#options.backlogRecords} records and reconnecting`;
    const wrapped = new RedisBackplaneError(RedisBackplaneErrorCode.Unavailable, text, { cause: error });
    this.#events.emit('error', wrapped);
    this.#events.emit('outage', { since, error: wrapped });
  }

  #up(): void {
    const since = this.metrics.downSince;
    if (since === undefined || !this.connected) return;
    const downMs = Date.now() - since;
    this.metrics.downTotal += downMs;
    this.metrics.downSince = undefined;
    this.#events.emit('recovered', { downMs });
    this.#onRecovered();
  }

  /** Resolves when `client` is ready, or when the backplane closes. */
  ready(client: Redis): Promise<void> {
    if (client.status === 'ready' || this.#closed) return Promise.resolve();
    return Promise.race([new Promise<void>((resolve) => client.once('ready', () => resolve())), this.closedSignal]);
  }

  /** Waits up to `connectWaitMs` for the writer; rejects if it does not come. */
  async connectedWriter(): Promise<void> {
    if (this.#closed) throw closedError();
    if (this.writer.status === 'ready') return;
    await Promise.race([this.ready(this.writer), this.sleep(this.#options.connectWaitMs)]);
    if (this.#closed) throw closedError();
    // The status changed while awaiting; TypeScript's narrowing from the first check does not know.
    if ((this.writer.status as string) !== 'ready') {
      const why = this.metrics.lastError ?? this.writer.status;
      const text = `Redis unavailable: no connection within ${this.#options.connectWaitMs} ms (${why})`;
      throw new RedisBackplaneError(RedisBackplaneErrorCode.Unavailable, text);
    }
  }

  /**
   * Runs a read-only `task` once the writer is there; a connection that dies under it (the client
   * notices a moment later) gets one more try after reconnecting.
   */
  async withConnection<T>(task: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.connectedWriter();
      try {
        return await task();
      } catch (error) {
        if (attempt >= 2 || this.#closed) throw error;
        await this.sleep(this.#options.minDelayMs);
      }
    }
  }

  /** Runs `task` until it succeeds, waiting for the writer between attempts. */
  async retry<T>(task: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.ready(this.writer);
      if (this.#closed) throw closedError();
      try {
        return await task();
      } catch {
        if (this.writer.status === 'ready') await this.sleep(this.backoff(attempt));
      }
    }
  }

  /** Exponential backoff with jitter: between half and all of min(max, min·2^(n-1)). */
  backoff(attempt: number): number {
    const ceiling = Math.min(this.#options.maxDelayMs, this.#options.minDelayMs * 2 ** Math.min(attempt - 1, 20));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  /** Resolves after `ms`, or when the backplane closes. */
  sleep(ms: number): Promise<void> {
    return Promise.race([new Promise<void>((resolve) => setTimeout(resolve, ms).unref()), this.closedSignal]);
  }

  /** Rethrows a failed command's error as the backplane's: `Closed` after `close()`, otherwise `Unavailable`. */
  fail(error: unknown): never {
    if (this.#closed) throw new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed', { cause: error });
    throw new RedisBackplaneError(RedisBackplaneErrorCode.Unavailable, `Redis unavailable: ${message(error)}`, { cause: error });
  }

  /** Marks the backplane closed: every wait ends, {@link down} reports nothing more. */
  markClosed(): void {
    this.#closed = true;
    this.#signalClosed();
  }

  /** Closes both connections (the writer politely, so replies in flight still arrive). */
  async disconnect(): Promise<void> {
    this.reader.disconnect();
    await this.writer.quit().catch(() => this.writer.disconnect());
  }
}

/** The error of an operation on a closed backplane. */
export function closedError(): RedisBackplaneError {
  return new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed');
}
