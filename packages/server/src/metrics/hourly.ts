// Hourly statistics (the seed's `stats:requests:{YYYYMMDD:HH}`): counts, status classes, unique
// client IPs and users, response-time percentiles per UTC hour. At most `maxHours` are kept; with
// persistence they are written to `<dir>/metrics/hourly.json` and read back at start.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DDSketch } from '@datadog/sketches-js';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { HyperLogLog } from './hyperloglog.js';
import { newSketch } from './request-window.js';

const HOUR_MS = 3_600_000;

/** One UTC hour, as {@link HourlyStats.hours} returns it. */
export interface HourBucket {
  /** Start of the hour (ISO-8601 UTC). */
  hour: string;
  /** Records by level name. */
  records: Record<string, number>;
  requests: number;
  /** Requests with status 500+ or aborted. */
  errors: number;
  /** Requests by status class (`2xx`, `4xx`, …, `aborted`). */
  status: Record<string, number>;
  /** Approximate distinct `client_ip` values (HyperLogLog, ±1 %). */
  uniqueIps: number;
  /** Approximate distinct `user_id` values. */
  uniqueUsers: number;
  /** Response-time percentiles in ms (`null` without requests, or for the part of an hour before a restart). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

interface Open {
  start: number;
  bucket: HourBucket;
  ips: HyperLogLog;
  users: HyperLogLog;
  sketch: DDSketch;
}

/** The rolling set of hourly buckets. */
export class HourlyStats {
  readonly #maxHours: number;
  readonly #file: string | undefined;
  readonly #onError: (error: unknown) => void;
  /** Closed hours, oldest first. */
  #closed: HourBucket[] = [];
  #open: Open | undefined;

  constructor(maxHours: number, dir: string | undefined, onError: (error: unknown) => void) {
    this.#maxHours = maxHours;
    this.#onError = onError;
    this.#file = dir === undefined ? undefined : join(dir, 'metrics', 'hourly.json');
    if (this.#file !== undefined) this.#load(this.#file);
  }

  /** Counts a record at `time`. */
  record(time: number, levelName: string): void {
    const records = this.#at(time).bucket.records;
    records[levelName] = (records[levelName] ?? 0) + 1;
  }

  /** Counts a request at `time`. */
  request(
    time: number,
    status: string,
    error: boolean,
    responseMs: number | undefined,
    ip: string | undefined,
    user: string | undefined,
  ): void {
    const open = this.#at(time);
    const bucket = open.bucket;
    bucket.requests++;
    if (error) bucket.errors++;
    bucket.status[status] = (bucket.status[status] ?? 0) + 1;
    if (ip !== undefined) open.ips.add(ip);
    if (user !== undefined) open.users.add(user);
    if (responseMs !== undefined && Number.isFinite(responseMs) && responseMs >= 0) open.sketch.accept(responseMs);
  }

  /** The last `hours` hours that have data, oldest first, the current one included. */
  hours(hours = this.#maxHours, now = Date.now()): HourBucket[] {
    const since = Math.floor(now / HOUR_MS) * HOUR_MS - (Math.max(1, hours) - 1) * HOUR_MS;
    const all = this.#open === undefined ? this.#closed : [...this.#closed, this.#summary(this.#open)];
    return all.filter((bucket) => Date.parse(bucket.hour) >= since).map((bucket) => structuredClone(bucket));
  }

  /** The current hour's distinct IPs and users. */
  unique(now = Date.now()): { ips: number; users: number } {
    const open = this.#open;
    if (open?.start !== Math.floor(now / HOUR_MS) * HOUR_MS) return { ips: 0, users: 0 };
    return { ips: open.ips.count(), users: open.users.count() };
  }

  /** Writes the buckets (with persistence); called on a timer and at close. Failures go to `onError`. */
  save(): void {
    if (this.#file === undefined) return;
    try {
      const open = this.#open;
      const state = {
        v: 1,
        closed: this.#closed,
        open: open === undefined ? null : { bucket: this.#summary(open), ips: open.ips.toBase64(), users: open.users.toBase64() },
      };
      mkdirSync(join(this.#file, '..'), { recursive: true });
      const temporary = `${this.#file}.tmp`;
      writeFileSync(temporary, JSON.stringify(state));
      renameSync(temporary, this.#file);
    } catch (error) {
      const message = `metrics: could not write ${this.#file}: ${error instanceof Error ? error.message : String(error)}`;
      this.#onError(new LogwireError(LogwireErrorCode.Write, message, { cause: error }));
    }
  }

  #at(time: number): Open {
    const start = Math.floor(time / HOUR_MS) * HOUR_MS;
    let open = this.#open;
    if (open?.start === start) return open;
    // Records slightly out of order (another node, a worker) count in the current hour.
    if (open !== undefined && start < open.start) return open;
    if (open !== undefined) this.#close(open);
    open = { start, bucket: emptyBucket(start), ips: new HyperLogLog(), users: new HyperLogLog(), sketch: newSketch() };
    this.#open = open;
    return open;
  }

  #close(open: Open): void {
    this.#closed.push(this.#summary(open));
    if (this.#closed.length > this.#maxHours) this.#closed.splice(0, this.#closed.length - this.#maxHours);
  }

  #summary(open: Open): HourBucket {
    const { sketch, bucket } = open;
    const has = sketch.count > 0;
    return {
      ...bucket,
      uniqueIps: open.ips.count(),
      uniqueUsers: open.users.count(),
      p50: has ? sketch.getValueAtQuantile(0.5) : bucket.p50,
      p95: has ? sketch.getValueAtQuantile(0.95) : bucket.p95,
      p99: has ? sketch.getValueAtQuantile(0.99) : bucket.p99,
    };
  }

  #load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      // No file yet (or no directory yet: the store reports an unusable directory itself).
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR')
        this.#onError(new LogwireError(LogwireErrorCode.Write, `metrics: could not read ${file}`, { cause: error }));
      return;
    }
    try {
      const state = JSON.parse(text) as { closed?: unknown; open?: { bucket?: unknown; ips?: unknown; users?: unknown } | null };
      if (Array.isArray(state.closed)) this.#closed = state.closed.filter(isBucket).slice(-this.#maxHours);
      const saved = state.open;
      if (saved !== null && saved !== undefined && isBucket(saved.bucket)) {
        const start = Date.parse(saved.bucket.hour);
        // The percentiles of the hour's part before the restart are not kept (only its numbers).
        const bucket: HourBucket = { ...saved.bucket, p50: null, p95: null, p99: null };
        this.#open = {
          start,
          bucket,
          ips: HyperLogLog.fromBase64(saved.ips),
          users: HyperLogLog.fromBase64(saved.users),
          sketch: newSketch(),
        };
      }
    } catch (error) {
      this.#onError(error);
    }
  }
}

function emptyBucket(start: number): HourBucket {
  const hour = new Date(start).toISOString();
  return { hour, records: {}, requests: 0, errors: 0, status: {}, uniqueIps: 0, uniqueUsers: 0, p50: null, p95: null, p99: null };
}

function isBucket(value: unknown): value is HourBucket {
  if (typeof value !== 'object' || value === null) return false;
  const bucket = value as Partial<HourBucket>;
  return (
    typeof bucket.hour === 'string' &&
    Number.isFinite(Date.parse(bucket.hour)) &&
    typeof bucket.requests === 'number' &&
    typeof bucket.errors === 'number' &&
    typeof bucket.records === 'object' &&
    typeof bucket.status === 'object'
  );
}
