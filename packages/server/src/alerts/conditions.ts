// What an alert watches: a count of records in a window, a ratio of two counts, a response-time
// percentile, or the absence of a record. Each keeps fixed memory (a ring of 60 slots per window).
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { StreamMessage } from '../hub/log-hub.js';
import type { WindowStats } from '../metrics/request-window.js';
import { parseDuration } from './duration.js';
import { recordPredicate } from './predicate.js';

/** A filter in the stream's filter language: `{ types, level, loggers, text }`. */
export type AlertFilter = Record<string, unknown>;

/**
 * The condition of an alert (`when`):
 * - `{ count: filter, window: '5m', above: 10 }` — more than `above` matching records in the window;
 * - `{ ratio: filter, of: filter, window: '5m', above: 0.05, minCount?: 1 }` — matching / `of` records;
 * - `{ latency: 0.95, window: '5m', above: 500 }` — a response-time quantile (ms) of the request middleware;
 * - `{ absent: filter, window: '10m' }` — no matching record for the window.
 */
export type AlertCondition =
  | { count: AlertFilter; window: string | number; above: number }
  | { ratio: AlertFilter; of: AlertFilter; window: string | number; above: number; minCount?: number }
  | { latency: number; window: string | number; above: number }
  | { absent: AlertFilter; window: string | number };

/** A compiled condition. */
export interface ConditionState {
  /** Feeds one record. */
  observe(message: StreamMessage): void;
  /** Whether the condition holds at `now`, and the value it measured. */
  evaluate(now: number): { active: boolean; value: number };
  /** Human-readable form, for notifications and the audit trail. */
  readonly description: string;
}

/** Where a latency condition reads requests. */
export type RequestWindowSource = ((windowMs: number, now: number) => WindowStats) | undefined;

const SLOTS = 60;
/** The request ring behind latency conditions spans 15 minutes. */
const MAX_LATENCY_WINDOW_MS = 15 * 60_000;

/** Compiles `when`; throws `ERR_LOGWIRE_INVALID_OPTION` on anything invalid. */
export function compileCondition(when: AlertCondition, requests: RequestWindowSource, now: number): ConditionState {
  if (typeof when !== 'object' || when === null) throw invalid('when must be an object');
  const window = parseDuration((when as { window?: unknown }).window, 'when.window');
  if (window <= 0) throw invalid('when.window must be more than 0');
  if ('count' in when) {
    const above = threshold(when.above);
    const ring = new CountRing(window);
    const matches = recordPredicate(when.count, 'when.count');
    return {
      description: `more than ${above} of ${JSON.stringify(when.count)} in ${String(when.window)}`,
      observe: (message) => matches(message) && ring.add(message.time),
      evaluate: (at) => {
        const value = ring.sum(at);
        return { active: value > above, value };
      },
    };
  }
  if ('ratio' in when) {
    const above = threshold(when.above);
    const minCount = when.minCount ?? 1;
    const part = recordPredicate(when.ratio, 'when.ratio');
    const whole = recordPredicate(when.of, 'when.of');
    const parts = new CountRing(window);
    const wholes = new CountRing(window);
    return {
      description: `ratio of ${JSON.stringify(when.ratio)} to ${JSON.stringify(when.of)} above ${above} in ${String(when.window)}`,
      observe: (message) => {
        if (whole(message)) wholes.add(message.time);
        if (part(message)) parts.add(message.time);
      },
      evaluate: (at) => {
        const total = wholes.sum(at);
        const value = total === 0 ? 0 : parts.sum(at) / total;
        return { active: total >= minCount && value > above, value };
      },
    };
  }
  if ('latency' in when) {
    const quantile = when.latency;
    if (typeof quantile !== 'number' || !(quantile > 0 && quantile < 1))
      throw invalid('when.latency must be a quantile between 0 and 1, e.g. 0.95');
    if (window > MAX_LATENCY_WINDOW_MS) throw invalid('when.window of a latency condition must be at most 15m');
    if (requests === undefined) throw invalid('a latency condition needs the metrics (leave the `metrics` option on)');
    const above = threshold(when.above);
    return {
      description: `p${Math.round(quantile * 1000) / 10} response time above ${above} ms over ${String(when.window)}`,
      observe: () => undefined,
      evaluate: (at) => {
        const value = requests(window, at).quantile(quantile) ?? 0;
        return { active: value > above, value };
      },
    };
  }
  if ('absent' in when) {
    const matches = recordPredicate(when.absent, 'when.absent');
    // Until a record is seen, the clock runs from when the alert was added.
    let lastSeen = now;
    return {
      description: `no ${JSON.stringify(when.absent)} for ${String(when.window)}`,
      observe: (message) => {
        if (message.time > lastSeen && matches(message)) lastSeen = message.time;
      },
      evaluate: (at) => {
        const value = Math.max(0, at - lastSeen);
        return { active: value >= window, value };
      },
    };
  }
  throw invalid('when must have one of count, ratio, latency or absent');
}

/** Counts over a sliding window in 60 slots: fixed memory, accurate to one slot. */
class CountRing {
  readonly #slotMs: number;
  readonly #starts = new Float64Array(SLOTS).fill(-Infinity);
  readonly #counts = new Float64Array(SLOTS);

  constructor(windowMs: number) {
    this.#slotMs = Math.max(1, windowMs / SLOTS);
  }

  add(time: number): true {
    const index = Math.floor(time / this.#slotMs);
    const slot = index % SLOTS;
    const start = index * this.#slotMs;
    if (this.#starts[slot] !== start) {
      if ((this.#starts[slot] as number) > start) return true;
      this.#starts[slot] = start;
      this.#counts[slot] = 0;
    }
    this.#counts[slot] = (this.#counts[slot] as number) + 1;
    return true;
  }

  sum(now: number): number {
    const newest = Math.floor(now / this.#slotMs);
    const oldest = (newest - SLOTS + 1) * this.#slotMs;
    let total = 0;
    for (let slot = 0; slot < SLOTS; slot++) {
      const start = this.#starts[slot] as number;
      if (start >= oldest && start <= newest * this.#slotMs) total += this.#counts[slot] as number;
    }
    return total;
  }
}

function threshold(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid('when.above must be a number');
  return value;
}

function invalid(message: string): LogwireError {
  return new LogwireError(LogwireErrorCode.InvalidOption, message);
}
