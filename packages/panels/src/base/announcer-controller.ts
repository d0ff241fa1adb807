// Screen-reader announcements: the list itself is `aria-live="off"` (thousands of rows a second
// would drown a screen reader), and a polite live region says at most one summary per
// `announceInterval` ("3 new entries, 1 error").
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** The summary of new entries a screen reader hears. */
export function announcementText(count: number, errors: number): string {
  const entries = `${count} new ${count === 1 ? 'entry' : 'entries'}`;
  return errors > 0 ? `${entries}, ${errors} ${errors === 1 ? 'error' : 'errors'}` : entries;
}

/** Collects new entries and sets `text` at most once per interval; see the module comment. */
export class AnnouncerController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #interval: () => number;
  #unannounced = 0;
  #unannouncedErrors = 0;
  #lastAnnounce = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** What the live region says now. */
  text = '';

  /** `interval`: the least time between two announcements, in ms (read when one is scheduled). */
  constructor(host: ReactiveControllerHost, interval: () => number) {
    this.#host = host;
    this.#interval = interval;
    host.addController(this);
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Counts entries just shown; the next announcement summarises them. */
  announce(shown: number, errors: number): void {
    this.#unannounced += shown;
    this.#unannouncedErrors += errors;
    if (this.#unannounced === 0 || this.#timer !== undefined) return;
    const wait = Math.max(0, this.#lastAnnounce + this.#interval() - performance.now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#lastAnnounce = performance.now();
      const count = this.#unannounced;
      const errorCount = this.#unannouncedErrors;
      this.#unannounced = 0;
      this.#unannouncedErrors = 0;
      if (count === 0) return;
      this.text = announcementText(count, errorCount);
      this.#host.requestUpdate();
    }, wait);
  }
}
