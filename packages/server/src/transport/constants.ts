import { DEFAULT_WS_PATH, WS_PATH_ALIASES } from '@logwire/protocol';

// The close codes are the protocol's (`CloseCode`, `isFatalClose` of @logwire/protocol); the
// endpoint sends 1001, 1008 (caps and message rate), 1011, 1012, 4000, 4001 and 4008, and `ws`
// sends 1009.
export { CloseCode, isFatalClose } from '@logwire/protocol';

/** Defaults of the endpoint's options (docs/protocol.md, "Server options that shape the protocol"). */
export const DEFAULTS = {
  path: DEFAULT_WS_PATH,
  aliases: WS_PATH_ALIASES,
  maxConnections: 100,
  maxConnectionsPerAddress: 32,
  maxConnectionsPerPrincipal: 16,
  maxPayload: 64 * 1024,
  messageRate: 20,
  messageBurst: 40,
  replayPerType: 100,
  maxBufferedBytes: 8 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
  lowWaterMark: 64 * 1024,
  replayPage: 500,
  maxReplay: 10_000,
  stallTimeout: 30_000,
  helloTimeout: 250,
  pingInterval: 25_000,
  heartbeatInterval: 30_000,
} as const;

/** How a connection is being served. */
export const Mode = {
  /** Waiting for a `hello` (or for `helloTimeout`). */
  Pending: 0,
  /** One log message per frame, no control frames (the original protocol). */
  Legacy: 1,
  /** A `hello` is being checked by `authenticateHello`. */
  Authorizing: 2,
  /** The extended protocol: welcome, batches, gaps, pings. */
  Extended: 3,
} as const;

/** One of the connection modes. */
export type Mode = (typeof Mode)[keyof typeof Mode];

/** While waiting for a socket to drain, also look again after this long (bytes queued inside `ws` emit no `drain`), in ms. */
export const DRAIN_POLL_MS = 250;

/** A closed peer that does not complete the close handshake is terminated after this long, in ms. */
export const CLOSE_GRACE_MS = 1000;
