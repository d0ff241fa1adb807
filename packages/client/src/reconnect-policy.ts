/** Options of {@link ReconnectPolicy}. */
export interface ReconnectOptions {
  /** Upper bound of the first delay window, in ms. @default 500 */
  baseDelay?: number;
  /** Cap of the delay window, in ms. @default 30000 */
  maxDelay?: number;
  /** A connection that stays up this long resets the attempt counter, in ms. @default 10000 */
  stableAfter?: number;
}

/**
 * Full-jitter exponential backoff: attempt n waits `random(0, min(maxDelay, baseDelay · 2^n))`.
 * Jitter spreads a crowd of clients reconnecting after a server restart; the counter resets only
 * after a connection has been stable, so a server that accepts then drops does not reset it.
 */
export class ReconnectPolicy {
  readonly baseDelay: number;
  readonly maxDelay: number;
  readonly stableAfter: number;
  #attempt = 0;
  #random: () => number;

  constructor(options: ReconnectOptions = {}, random: () => number = Math.random) {
    this.baseDelay = positive(options.baseDelay ?? 500, 'baseDelay');
    this.maxDelay = positive(options.maxDelay ?? 30_000, 'maxDelay');
    this.stableAfter = positive(options.stableAfter ?? 10_000, 'stableAfter');
    this.#random = random;
  }

  /** Failed or dropped attempts since the last stable connection. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt, in ms; counts the attempt. */
  nextDelay(): number {
    const window = Math.min(this.maxDelay, this.baseDelay * 2 ** Math.min(this.#attempt, 30));
    this.#attempt++;
    return Math.floor(this.#random() * window);
  }

  /** Call when a connection has stayed up for `stableAfter`. */
  reset(): void {
    this.#attempt = 0;
  }
}

function positive(value: number, name: string): number {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value)))
    throw new TypeError(`${name} must be a non-negative number of milliseconds, got ${value}`);
  return value;
}
