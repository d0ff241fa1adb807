// What a stream endpoint counts for the metrics (`/metrics`, streaming health): bytes handed to
// sockets, gaps sent by reason, connections dropped by close code. Plain numbers bumped at the few
// places that send or drop, so the hot path pays an addition.

/** Running totals of one endpoint since it started. */
export interface StreamCounters {
  /** Bytes of frames handed to client sockets. */
  bytesSent: number;
  /** Gap messages sent to extended clients, by reason. */
  gaps: Map<string, number>;
  /** Connections the server closed, by close code (4008 = too far behind). */
  dropped: Map<number, number>;
}

/** Zeroed counters. */
export function newStreamCounters(): StreamCounters {
  return { bytesSent: 0, gaps: new Map(), dropped: new Map() };
}

/** Adds one to `key` of `map`. */
export function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
