// The public shapes of the stream client: the WebSocket it needs, its connection states, its
// events and its options.
import type { AlertInfo, CheckpointData, Cursor, Filter, GapData, LogMessage, WelcomeData } from '@logwire/protocol';
import type { LogStreamClientError } from './errors.js';
import type { ReconnectOptions } from './reconnect-policy.js';
import type { ReplayAttachment, ReplayRestored } from './replay/types.js';

/** The parts of a WebSocket the client uses; browsers' `WebSocket` and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: WebSocketEventLike) => void): void;
}

/** The fields of a socket event the client reads (`message`: data; `close`: code, reason; `error`: message, error). */
export interface WebSocketEventLike {
  data?: unknown;
  code?: number;
  reason?: string;
  message?: string;
  error?: unknown;
}

/** A WebSocket constructor, e.g. `globalThis.WebSocket` or `import { WebSocket } from 'ws'`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** Connection states, as the panels show them. */
export const ConnectionState = {
  /** Opening a socket (first time or after a drop). */
  Connecting: 'connecting',
  /** Connected and receiving live messages. */
  Live: 'live',
  /** Connected and receiving missed messages before going live. */
  CatchingUp: 'catching-up',
  /** Disconnected; a reconnect is scheduled (or waits for the network). */
  Offline: 'offline',
  /** Closed by `close()` or refused for good by the server (auth, version, forbidden); nothing more will happen. */
  Closed: 'closed',
} as const;

/** One of the connection states. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Which protocol the current connection speaks. */
export type StreamProtocol = 'extended' | 'legacy';

/** Events of {@link LogStreamClient}; `on()` returns the function that unsubscribes. */
export interface LogStreamEvents {
  /** A log message, each at most once. */
  message: (message: LogMessage) => void;
  /** Messages are missing, and the server (or the client's own continuity check) said which and why. */
  gap: (gap: GapData) => void;
  /** The connection state changed. */
  state: (state: ConnectionState) => void;
  /** Something went wrong that the client handled (bad frame, socket error, refusal). */
  error: (error: LogStreamClientError) => void;
  /** A signed checkpoint of the server's audit trail was written (extended protocol, audit permission). */
  checkpoint: (checkpoint: CheckpointData) => void;
  /** An extended-protocol server answered the hello. */
  welcome: (welcome: WelcomeData) => void;
  /**
   * The server's alerts changed (replayed in `welcome`, then one `alert` message each): all of them,
   * as `client.alerts`, and the one that changed (none after a `welcome`).
   */
  alerts: (alerts: AlertInfo[], changed?: AlertInfo) => void;
  /**
   * With `replay`: the stored entries were emitted (as `message` and `gap` events) and the stored
   * cursor set; fires once, before the socket opens.
   */
  restore: (restored: ReplayRestored) => void;
}

/** Options of {@link LogStreamClient}. */
export interface LogStreamClientOptions {
  /** WebSocket implementation. @default globalThis.WebSocket (the Node entry point uses `ws`) */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a drop, with full-jitter backoff; `false` turns it off. @default {} */
  reconnect?: ReconnectOptions | false;
  /** Connect in the constructor. @default true */
  autoConnect?: boolean;
  /** Server-side filter (extended servers). Change it later with `setFilter`. @default everything */
  filter?: Filter;
  /** Resume from this cursor (e.g. stored before a page reload). @default a fresh start */
  cursor?: Cursor;
  /** `'auto'` sends a hello and falls back to the original protocol; `'legacy'` never sends anything. @default 'auto' */
  protocol?: 'auto' | 'legacy';
  /**
   * Token for the server's `authenticate` hook, sent as the `logwire.bearer.<base64url>` subprotocol
   * (never in the URL). Only for logwire servers: servers of the original system reject subprotocols.
   */
  token?: string;
  /** Token sent in the `hello` (checked by the server's `authenticateHello`). */
  auth?: string;
  /** Newest messages of each type a fresh start replays. @default the server's (100) */
  tail?: number;
  /** How long to wait for a `welcome` before assuming a legacy server, in ms. @default 2000 */
  welcomeTimeout?: number;
  /** Silence tolerated beyond the server's ping interval before the link is declared dead, in ms. @default 10000 */
  heartbeatGrace?: number;
  /**
   * Remember what was received (IndexedDB in browsers, memory in Node) and share one socket across
   * tabs: pass `replay()` (exported by `@logwire/client`; tree-shaken when unused). The stored entries are emitted before the
   * socket opens and the stored cursor replaces `cursor`. @default no replay buffer
   */
  replay?: ReplayAttachment;
}
