// Dedupe for servers of the original protocol, whose frames carry no ids: after a reconnect they
// replay what they still hold, and the exact frame text (timestamps with microseconds) tells what
// was already shown.

/** Frames remembered, by exact text; the oldest are forgotten first. */
const FINGERPRINTS = 4096;

/** The texts of the most recent id-less frames. */
export class FrameFingerprints {
  readonly #seen = new Set<string>();
  readonly #order: string[] = [];

  /** `true` if this exact frame text was seen among the recent ones; otherwise remembers it. */
  repeated(text: string): boolean {
    if (this.#seen.has(text)) return true;
    this.#seen.add(text);
    this.#order.push(text);
    if (this.#order.length > FINGERPRINTS) this.#seen.delete(this.#order.shift() as string);
    return false;
  }
}
