// The browser's online/offline signal: a client waits for `online` instead of retrying while the
// browser says there is no network. Outside browsers (Node) there is no such signal.

type NetworkTarget = {
  addEventListener?: (type: string, listener: () => void) => void;
  removeEventListener?: (type: string, listener: () => void) => void;
  navigator?: { onLine?: boolean };
};

/** What {@link watchNetwork} returns: whether the browser was offline at the start, and how to stop watching. */
export interface NetworkWatch {
  offline: boolean;
  detach(): void;
}

/** Calls `offline`/`online` when the browser's network state changes; `undefined` where there is no such signal. */
export function watchNetwork(offline: () => void, online: () => void): NetworkWatch | undefined {
  const target = globalThis as NetworkTarget;
  if (typeof target.addEventListener !== 'function' || typeof target.navigator?.onLine !== 'boolean') return undefined;
  target.addEventListener('offline', offline);
  target.addEventListener('online', online);
  return {
    offline: target.navigator.onLine === false,
    detach: () => {
      target.removeEventListener?.('offline', offline);
      target.removeEventListener?.('online', online);
    },
  };
}
