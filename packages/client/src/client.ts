import { createNanoEvents, type Emitter, type Unsubscribe } from 'nanoevents';
import { compareIds, type GapData, type LogMessage, parse, parseId, ProtocolErrorCode, type StreamId } from '@logwire/protocol';
import { ClientErrorCode, LogStreamClientError } from './errors.js';
import { type ReconnectOptions, ReconnectPolicy } from './reconnect-policy.js';

/** The parts of a WebSocket the client uses; browsers' `WebSocket` and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: { data?: unknown; code?: number; reason?: string }) => void): void;
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
  /** Closed by `close()`; nothing more will happen. */
  Closed: 'closed',
} as const;

/** One of the connection states. */
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** Events of {@link LogStreamClient}; `on()` returns the function that unsubscribes. */
export interface LogStreamEvents {
  /** A log message, each at most once. */
  message: (message: LogMessage) => void;
  /** Messages are missing, and the server said which and why. */
  gap: (gap: GapData) => void;
  /** The connection state changed. */
  state: (state: ConnectionState) => void;
  /** Something went wrong that the client handled (bad frame, socket error). */
  error: (error: LogStreamClientError) => void;
}

/** Options of {@link LogStreamClient}. */
export interface LogStreamClientOptions {
  /** WebSocket implementation. @default globalThis.WebSocket (the Node entry point uses `ws`) */
  WebSocket?: WebSocketConstructor;
  /** Reconnect after a drop, with full-jitter backoff; `false` turns it off. @default {} */
  reconnect?: ReconnectOptions | false;
  /** Connect in the constructor. @default true */
  autoConnect?: boolean;
}

/**
 * Streams log messages from a logwire (or seed-compatible) server: connects, parses every frame
 * (a malformed one becomes an `error` event, never an exception), reconnects with backoff, and
 * delivers each message at most once.
 *
 * @example
 * const client = new LogStreamClient('ws://localhost:8001/ws/logs');
 * const off = client.on('message', (m) => console.log(m.type, m.data.message));
 */
export class LogStreamClient {
  /** The endpoint URL. */
  readonly url: string;
  readonly #WebSocket: WebSocketConstructor | undefined;
  readonly #events: Emitter<LogStreamEvents> = createNanoEvents<LogStreamEvents>();
  readonly #policy: ReconnectPolicy | undefined;
  #socket: WebSocketLike | undefined;
  #state: ConnectionState = ConnectionState.Offline;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;
  #lastId: StreamId | undefined;
  #closed = false;

  constructor(url: string | URL, options: LogStreamClientOptions = {}) {
    this.url = normaliseUrl(url);
    this.#WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    this.#policy = options.reconnect === false ? undefined : new ReconnectPolicy(options.reconnect);
    if (options.autoConnect ?? true) queueMicrotask(() => this.connect());
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Id of the last message delivered, if the server sends ids. */
  get lastId(): string | undefined {
    return this.#lastId === undefined ? undefined : `${this.#lastId.ms}-${this.#lastId.seq}`;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends keyof LogStreamEvents>(event: E, callback: LogStreamEvents[E]): Unsubscribe {
    return this.#events.on(event, callback);
  }

  /** Opens the connection if it is not open or opening. Safe to call repeatedly. */
  connect(): void {
    if (this.#socket !== undefined || this.#state === ConnectionState.Closed) return;
    this.#closed = false;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    const Ctor = this.#WebSocket;
    if (Ctor === undefined) {
      this.#emitError(new LogStreamClientError(ClientErrorCode.NoWebSocket, 'No WebSocket implementation: pass { WebSocket } (e.g. from the "ws" package) or import "@logwire/client" from Node to get one'));
      this.#setState(ConnectionState.Closed);
      return;
    }
    this.#setState(ConnectionState.Connecting);
    let socket: WebSocketLike;
    try {
      socket = new Ctor(this.url);
    } catch (cause) {
      this.#emitError(new LogStreamClientError(ClientErrorCode.Socket, `could not open ${this.url}: ${describe(cause)}`, { cause }));
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      if (this.#socket !== socket) return;
      this.#setState(ConnectionState.Live);
      if (this.#policy !== undefined) this.#stableTimer = setTimeout(() => this.#policy?.reset(), this.#policy.stableAfter);
    });
    socket.addEventListener('message', (event) => {
      if (this.#socket === socket) this.#receive(event.data);
    });
    socket.addEventListener('error', () => {
      if (this.#socket === socket) this.#emitError(new LogStreamClientError(ClientErrorCode.Socket, `connection to ${this.url} failed`));
    });
    socket.addEventListener('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      clearTimeout(this.#stableTimer);
      if (this.#closed) return;
      this.#scheduleReconnect();
    });
  }

  /** Closes the connection for good; no reconnect follows. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#stableTimer);
    const socket = this.#socket;
    this.#socket = undefined;
    try {
      socket?.close(1000, 'client closed');
    } catch {
      // Closing a socket that never opened can throw in some implementations; it is gone either way.
    }
    this.#setState(ConnectionState.Closed);
  }

  #receive(data: unknown): void {
    const result = parse(data);
    if (!result.ok) {
      // Unknown types are how newer servers extend the protocol: skip them quietly.
      if (result.error.code !== ProtocolErrorCode.UnknownType) {
        this.#emitError(new LogStreamClientError(ClientErrorCode.BadFrame, `ignored a frame: ${result.error.message}`, { cause: result.error }));
      }
      return;
    }
    const message = result.message;
    if (message.type === 'ping') return;
    if (message.type === 'gap') {
      this.#events.emit('gap', message.data);
      return;
    }
    if (message.id !== undefined) {
      const id = parseId(message.id);
      if (id !== undefined) {
        // At-least-once on the wire, at-most-once here: replays after a reconnect repeat ids.
        if (this.#lastId !== undefined && compareIds(id, this.#lastId) <= 0) return;
        this.#lastId = id;
      }
    }
    this.#events.emit('message', message);
  }

  #scheduleReconnect(): void {
    if (this.#policy === undefined) {
      this.#setState(ConnectionState.Closed);
      return;
    }
    this.#setState(ConnectionState.Offline);
    const delay = this.#policy.nextDelay();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closed) this.connect();
    }, delay);
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#events.emit('state', state);
  }

  #emitError(error: LogStreamClientError): void {
    this.#events.emit('error', error);
  }
}

function normaliseUrl(url: string | URL): string {
  let parsed: URL;
  try {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    parsed = new URL(String(url), base);
  } catch {
    throw new TypeError(`Invalid log stream URL "${String(url)}": expected ws://host/ws/logs or wss://…`);
  }
  if (parsed.protocol === 'http:') parsed.protocol = 'ws:';
  else if (parsed.protocol === 'https:') parsed.protocol = 'wss:';
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new TypeError(`Invalid log stream URL "${String(url)}": the scheme must be ws: or wss: (or http:/https:)`);
  }
  return parsed.href;
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
