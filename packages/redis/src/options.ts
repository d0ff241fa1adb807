/** Options of the backplane, their defaults and their checks. */
import type { RedisOptions } from 'ioredis';
import { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';

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
    /**
     * Records kept per stream, at least: the oldest stream entries (each one appended batch) go
     * while the rest still holds this many. 0 disables. @default 1_000_000
     */
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
    /** Records per append call (one stream entry). @default 1000 */
    maxRecords?: number;
    /** Bytes per append call. @default 1 MiB */
    maxBytes?: number;
  };
  read?: {
    /** Stream entries per XREAD reply, each one appended batch of at most `batch.maxRecords` records. @default 16 */
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

/** The numeric options with their defaults applied. */
export interface ResolvedOptions {
  /** Retention: records kept per stream, in whole entries (0: no bound). */
  maxLength: number;
  /** Retention: age in ms after which entries are trimmed (0: no bound). */
  maxAgeMs: number;
  /** Trim exactly (`=`) instead of by whole radix-tree nodes (`~`). */
  exact: boolean;
  backlogRecords: number;
  backlogBytes: number;
  /** Records per append call. */
  batchRecords: number;
  /** Bytes per append call. */
  batchBytes: number;
  count: number;
  blockMs: number;
  minDelayMs: number;
  maxDelayMs: number;
  /** Seconds a producer's high-water mark outlives its last append. */
  producerTtl: number;
  connectWaitMs: number;
}

/** Applies the defaults; throws `ERR_LOGWIRE_REDIS_INVALID_OPTION` for a value the backplane cannot use. */
export function resolveOptions(options: RedisBackplaneOptions): ResolvedOptions {
  return {
    maxLength: positive('retention.maxLength', options.retention?.maxLength, 1_000_000, true),
    maxAgeMs: positive('retention.maxAgeMs', options.retention?.maxAgeMs, 24 * 3600_000, true),
    exact: options.retention?.exact ?? false,
    backlogRecords: positive('backlog.maxRecords', options.backlog?.maxRecords, 10_000),
    backlogBytes: positive('backlog.maxBytes', options.backlog?.maxBytes, 8 * 1024 * 1024),
    batchRecords: positive('batch.maxRecords', options.batch?.maxRecords, 1000),
    batchBytes: positive('batch.maxBytes', options.batch?.maxBytes, 1024 * 1024),
    count: positive('read.count', options.read?.count, 16),
    blockMs: positive('read.blockMs', options.read?.blockMs, 2000),
    minDelayMs: positive('reconnect.minDelayMs', options.reconnect?.minDelayMs, 100),
    maxDelayMs: positive('reconnect.maxDelayMs', options.reconnect?.maxDelayMs, 5000),
    producerTtl: positive('producerTtlSeconds', options.producerTtlSeconds, 7 * 24 * 3600),
    connectWaitMs: positive('connectWaitMs', options.connectWaitMs, 5000, true),
  };
}

function positive(name: string, value: number | undefined, fallback: number, zeroOk = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    const kind = zeroOk ? 'non-negative' : 'positive';
    throw new RedisBackplaneError(RedisBackplaneErrorCode.InvalidOption, `${name} must be a ${kind} number, got ${String(value)}`);
  }
  return Math.floor(value);
}
