/**
 * A token bucket: `burst` tokens at most, refilled at `rate` per second. Each inbound client message
 * takes one before it is even parsed, so a client that floods the server is stopped at the cost of
 * a subtraction per frame, and an honest client (a hello, a few filter changes, a pong every 25 s)
 * never notices it.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  #tokens: number;
  #updated: number;

  constructor(rate: number, burst: number, now = Date.now()) {
    this.#rate = rate;
    this.#burst = burst;
    this.#tokens = burst;
    this.#updated = now;
  }

  /** Takes one token; false when the bucket is empty (the message is over the limit). */
  take(now = Date.now()): boolean {
    const elapsed = Math.max(0, now - this.#updated);
    this.#updated = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#rate) / 1000);
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
