import { compareIds, type StreamId } from '@logwire/protocol';

/** Hands out strictly increasing ids. */
export class IdGenerator {
  #ms = 0;
  #seq = -1;

  /** Continue after `last` (e.g. the last id found in history after a restart). */
  resumeAfter(last: StreamId): void {
    if (compareIds(last, { ms: this.#ms, seq: this.#seq }) > 0) {
      this.#ms = last.ms;
      this.#seq = last.seq;
    }
  }

  next(now: number): StreamId {
    if (now > this.#ms) {
      this.#ms = now;
      this.#seq = 0;
    } else {
      this.#seq++;
    }
    return { ms: this.#ms, seq: this.#seq };
  }
}
