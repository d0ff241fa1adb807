// The browser's online/offline signal (absent in Node): the client waits for `online` instead of
// retrying while the browser says it is offline.

/** What a global with the signal has. */
type NetworkTarget = Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>> & { navigator?: { onLine?: boolean } };

/** Follows the browser's `offline` / `online` events (never offline where there are none). */
export class NetworkSignal {
  /** The browser says it is offline. */
  offline = false;
  /** Stops listening. */
  detach = (): void => {};

  constructor(wentOffline: () => void, cameOnline: () => void) {
    const target = globalThis as NetworkTarget;
    if (typeof target.addEventListener !== 'function' || typeof target.navigator?.onLine !== 'boolean') return;
    this.offline = !target.navigator.onLine;
    const listener = (event: Event): void => {
      this.offline = event.type === 'offline';
      (this.offline ? wentOffline : cameOnline)();
    };
    target.addEventListener('offline', listener);
    target.addEventListener('online', listener);
    this.detach = () => {
      target.removeEventListener?.('offline', listener);
      target.removeEventListener?.('online', listener);
    };
  }
}
