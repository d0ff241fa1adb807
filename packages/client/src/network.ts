// The browser's online/offline signal (absent in Node): the client waits for `online` instead of
// retrying while the browser says it is offline.

/** What a global with the signal has. */
type NetworkTarget = Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>> & { navigator?: { onLine?: boolean } };

/** Follows the browser's `offline` / `online` events (never offline where there are none). */
export class NetworkSignal {
  /** The browser says it is offline. */
  offline = false;
  #detach: (() => void) | undefined;

  constructor(wentOffline: () => void, cameOnline: () => void) {
    const target = globalThis as NetworkTarget;
    if (typeof target.addEventListener !== 'function' || typeof target.navigator?.onLine !== 'boolean') return;
    this.offline = !target.navigator.onLine;
    const offline = () => {
      this.offline = true;
      wentOffline();
    };
    const online = () => {
      this.offline = false;
      cameOnline();
    };
    target.addEventListener('offline', offline);
    target.addEventListener('online', online);
    this.#detach = () => {
      target.removeEventListener?.('offline', offline);
      target.removeEventListener?.('online', online);
    };
  }

  /** Stops listening. */
  detach(): void {
    this.#detach?.();
  }
}
