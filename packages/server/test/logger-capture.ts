import type { Logwire } from '../src/index.js';

/** A frame as a legacy client would parse it. */
export interface Frame {
  type: string;
  id: string;
  data: Record<string, unknown>;
}

/** Records every message the hub accepts; `take()` flushes the hub first and returns them parsed. */
export function capture(logwire: Logwire): { take(): Frame[]; frames: Frame[] } {
  const frames: Frame[] = [];
  logwire.hub.on((batch) => {
    for (const message of batch) frames.push(JSON.parse(message.frame) as Frame);
  });
  return {
    frames,
    take() {
      logwire.hub.flush();
      return frames.splice(0, frames.length);
    },
  };
}

/** Resolves once `predicate` holds, checking after every hub batch; rejects after `timeoutMs`. */
export function waitUntil(logwire: Logwire, predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (predicate()) return resolve();
    const timer = setTimeout(() => {
      off();
      reject(new Error('condition not met in time'));
    }, timeoutMs);
    const off = logwire.hub.on(() => {
      // Listeners run in registration order: check after the capture listener has stored the batch.
      queueMicrotask(() => {
        if (predicate()) {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
    });
  });
}
