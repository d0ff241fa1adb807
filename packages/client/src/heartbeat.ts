// The dead-link detector: an extended server pings every `welcome.ping` ms, so a link silent for
// longer than that plus a grace period is dead even if the socket never says so.

/** Default silence tolerated beyond the server's ping interval, in ms. */
export const DEFAULT_HEARTBEAT_GRACE = 10_000;

/** Declares a link dead when no frame arrived within the server's ping interval plus a grace period. */
export class Heartbeat {
  #after: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Watches a link whose server pings every `ping` ms (0: never, so nothing is watched). */
  start(ping: number, grace = DEFAULT_HEARTBEAT_GRACE): void {
    this.#after = ping > 0 ? ping + grace : undefined;
  }

  /** A frame arrived: restarts the countdown to `onDead` (called with the silence in ms), if a link is watched. */
  beat(onDead: (silentMs: number) => void): void {
    clearTimeout(this.#timer);
    this.#timer = this.#after === undefined ? undefined : setTimeout(onDead, this.#after, this.#after);
  }

  /** Stops the countdown; with `forget`, also stops watching until the next `start`. */
  stop(forget = false): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (forget) this.#after = undefined;
  }
}
