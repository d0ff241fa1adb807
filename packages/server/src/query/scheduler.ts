// Sharing the event loop among running queries: each query parses its lines in short slices, and
// all queries together get at most a few milliseconds of slices per event-loop turn, so the app's
// timers and I/O run between them however many queries run at once.

/** Milliseconds of query work per event-loop turn, all queries together (a slice may overrun it once). */
export const TURN_MS = 4;
/** Milliseconds one slice runs before it gives the turn back. */
export const SLICE_MS = 1;

/**
 * Hands out turns to run one slice of synchronous work at a time: `enter()` resolves when the
 * caller may run, `leave(ms)` reports how long it ran. Once `TURN_MS` of work has run, the
 * others wait until the next event-loop turn (`setImmediate`).
 */
export class SliceScheduler {
  readonly #turnMs: number;
  readonly #waiting: (() => void)[] = [];
  #spent = 0;
  #busy = false;
  #resetPending = false;

  constructor(turnMs = TURN_MS) {
    this.#turnMs = turnMs;
  }

  /** Resolves when the caller may run a slice; it must call {@link leave} after it. */
  enter(): Promise<void> {
    if (!this.#busy && this.#spent < this.#turnMs && this.#waiting.length === 0) {
      this.#busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Ends a slice that ran `elapsedMs`. */
  leave(elapsedMs: number): void {
    this.#spent += elapsedMs;
    this.#busy = false;
    if (!this.#resetPending) {
      this.#resetPending = true;
      setImmediate(() => {
        this.#resetPending = false;
        this.#spent = 0;
        this.#wake();
      });
    }
    this.#wake();
  }

  #wake(): void {
    if (this.#busy || this.#spent >= this.#turnMs) return;
    const next = this.#waiting.shift();
    if (next === undefined) return;
    this.#busy = true;
    next();
  }
}

/** The scheduler every query of the process shares. */
export const sharedScheduler = new SliceScheduler();
