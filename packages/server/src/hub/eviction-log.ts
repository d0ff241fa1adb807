import { compareIds, type LogType, type StreamId } from '@logwire/protocol';

/** The newest message evicted from the history. */
export interface Evicted {
  id: StreamId;
  /** Its ordinal: how many messages the hub accepted before it. */
  ordinal: number;
}

/**
 * How a gap gets its count: the ids and ordinals of the messages most recently evicted from the
 * hub's history (a ring of fixed size, sorted by ordinal and hence by id), so the hub can tell how
 * many messages a cursor missed, not only which range. Also remembers the newest evicted
 * `system_log`, which is all a reader without audit permission may learn about evictions.
 */
export class EvictionLog {
  readonly #ms: Float64Array;
  readonly #seq: Float64Array;
  readonly #ordinal: Float64Array;
  #count = 0;
  // The newest eviction (and newest `system_log` one) as numbers: recorded for every message that
  // leaves a full history, so no object is made until someone asks.
  #lastMs = NaN;
  #lastSeq = 0;
  #lastOrdinal = 0;
  #systemMs = NaN;
  #systemSeq = 0;
  #systemOrdinal = 0;

  constructor(window: number) {
    this.#ms = new Float64Array(window);
    this.#seq = new Float64Array(window);
    this.#ordinal = new Float64Array(window);
  }

  /** The newest evicted message, if any. */
  get last(): Evicted | undefined {
    return Number.isNaN(this.#lastMs) ? undefined : { id: { ms: this.#lastMs, seq: this.#lastSeq }, ordinal: this.#lastOrdinal };
  }

  /** The newest evicted `system_log`, if any. */
  get lastSystem(): Evicted | undefined {
    return Number.isNaN(this.#systemMs) ? undefined : { id: { ms: this.#systemMs, seq: this.#systemSeq }, ordinal: this.#systemOrdinal };
  }

  /** Records an eviction; evictions arrive in id order. */
  readonly record = (id: StreamId, ordinal: number, type: LogType): void => {
    const at = this.#count % this.#ms.length;
    this.#ms[at] = id.ms;
    this.#seq[at] = id.seq;
    this.#ordinal[at] = ordinal;
    this.#count++;
    this.#lastMs = id.ms;
    this.#lastSeq = id.seq;
    this.#lastOrdinal = ordinal;
    if (type === 'system_log') {
      this.#systemMs = id.ms;
      this.#systemSeq = id.seq;
      this.#systemOrdinal = ordinal;
    }
  };

  /** The ordinal of a recently evicted id (binary search of the ring), or `undefined` when it is not there. */
  ordinalOf(id: StreamId): number | undefined {
    const size = this.#ms.length;
    const count = Math.min(this.#count, size);
    const base = this.#count - count;
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = (base + mid) % size;
      const c = compareIds({ ms: this.#ms[at] as number, seq: this.#seq[at] as number }, id);
      if (c === 0) return this.#ordinal[at];
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return undefined;
  }

  /** Forgets every eviction (a new epoch). */
  clear(): void {
    this.#count = 0;
    this.#lastMs = NaN;
    this.#systemMs = NaN;
  }
}
