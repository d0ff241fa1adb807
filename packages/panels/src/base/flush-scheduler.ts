// Batching of renders: whatever arrives between two frames is shown at the next frame, once
// (or after 100 ms when frames do not run, e.g. in a hidden tab), whatever the rate.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Longest wait for a frame before flushing anyway, in ms. */
const FALLBACK_MS = 100;

/** Runs `flush` at the next frame (or after 100 ms), at most once per schedule. */
export class FlushScheduler implements ReactiveController {
  readonly #flush: () => void;
  readonly #pending: () => boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #frame: number | undefined;

  /** `pending`: whether something waits to be flushed (checked when the panel joins the document). */
  constructor(host: ReactiveControllerHost, flush: () => void, pending: () => boolean) {
    this.#flush = flush;
    this.#pending = pending;
    host.addController(this);
  }

  hostConnected(): void {
    // Whatever arrived but was not rendered before the panel was removed is shown now.
    if (this.#pending()) this.schedule();
  }

  hostDisconnected(): void {
    this.#cancel();
  }

  /** Flushes at the next frame unless a flush is already scheduled. */
  schedule(): void {
    if (this.#timer !== undefined) return;
    const run = (): void => {
      this.#cancel();
      this.#flush();
    };
    this.#timer = setTimeout(run, FALLBACK_MS);
    this.#frame = requestAnimationFrame(run);
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    this.#timer = undefined;
    this.#frame = undefined;
  }
}
