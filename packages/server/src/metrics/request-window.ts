// Requests over sliding windows: a ring of fixed time slots, each with a request count, an error
// count and a DDSketch of response times. Memory is the ring's, whatever the volume.
import { DDSketch } from '@datadog/sketches-js';

// DDSketch (Datadog's @datadog/sketches-js, no dependencies, no install script) over t-digest:
// its guarantee is a relative error on the *value* of every quantile (0.5 % here), which is what
// "p99 within 1 %" means, and two sketches merge exactly, which the sliding window relies on.
/** Relative accuracy of every quantile a window reports. */
export const SKETCH_ACCURACY = 0.005;

/** A window's numbers. */
export interface WindowStats {
  /** Requests that ended in the window. */
  requests: number;
  /** Of which with a status of 500 or more (or aborted). */
  errors: number;
  /** Requests per second over the window. */
  perSecond: number;
  /** `errors / requests` (0 without requests). */
  errorRate: number;
  /** Response time quantile (ms) → value; `undefined` without requests. */
  quantile(q: number): number | undefined;
}

interface Slot {
  start: number;
  requests: number;
  errors: number;
  sketch: DDSketch;
}

/** Requests in the last `slotMs * slots` ms, by slot. */
export class RequestWindow {
  readonly #slotMs: number;
  readonly #slots: Slot[];

  constructor(slotMs: number, slots: number) {
    this.#slotMs = slotMs;
    this.#slots = Array.from({ length: slots }, () => ({ start: -Infinity, requests: 0, errors: 0, sketch: newSketch() }));
  }

  /** Number of slots (fixed). */
  get size(): number {
    return this.#slots.length;
  }

  /** Counts a request that ended at `now` (ms since the epoch). */
  add(now: number, responseMs: number | undefined, error: boolean): void {
    const slot = this.#slotAt(now);
    slot.requests++;
    if (error) slot.errors++;
    if (responseMs !== undefined && Number.isFinite(responseMs) && responseMs >= 0) slot.sketch.accept(responseMs);
  }

  /** The last `windowMs` (rounded up to whole slots, at most the whole ring) as of `now`. */
  stats(now: number, windowMs: number): WindowStats {
    const count = Math.min(this.#slots.length, Math.max(1, Math.ceil(windowMs / this.#slotMs)));
    const current = Math.floor(now / this.#slotMs) * this.#slotMs;
    const oldest = current - (count - 1) * this.#slotMs;
    let requests = 0;
    let errors = 0;
    let merged: DDSketch | undefined;
    for (const slot of this.#slots) {
      if (slot.start < oldest || slot.start > current) continue;
      requests += slot.requests;
      errors += slot.errors;
      if (slot.sketch.count > 0) {
        merged ??= newSketch();
        merged.merge(slot.sketch);
      }
    }
    const seconds = (count * this.#slotMs) / 1000;
    const sketch = merged;
    return {
      requests,
      errors,
      perSecond: requests / seconds,
      errorRate: requests === 0 ? 0 : errors / requests,
      quantile: (q) => (sketch === undefined ? undefined : sketch.getValueAtQuantile(q)),
    };
  }

  #slotAt(now: number): Slot {
    const start = Math.floor(now / this.#slotMs) * this.#slotMs;
    const slot = this.#slots[Math.floor(start / this.#slotMs) % this.#slots.length] as Slot;
    if (slot.start !== start) {
      slot.start = start;
      slot.requests = 0;
      slot.errors = 0;
      slot.sketch = newSketch();
    }
    return slot;
  }
}

/** An empty sketch with the window's accuracy. */
export function newSketch(): DDSketch {
  return new DDSketch({ relativeAccuracy: SKETCH_ACCURACY });
}
