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
