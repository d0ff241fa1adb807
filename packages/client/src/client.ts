import { createNanoEvents, type Emitter, type Unsubscribe } from 'nanoevents';
import {
  type BatchData,
  compareIds,
  type Cursor,
  type Filter,
  formatId,
  type GapData,
  type GapMessage,
  GapReason,
  type LogMessage,
  normalizeFilter,
  type NormalizedFilter,
  parse,
  parseId,
  PROTOCOL_VERSION,
  ProtocolErrorCode,
  type StreamId,
  type WelcomeData,
} from '@logwire/protocol';
import { ClientErrorCode, LogStreamClientError } from './errors.js';
import { localFilter } from './local-filter.js';
import { type ReconnectOptions, ReconnectPolicy } from './reconnect-policy.js';
import type { Persistence } from './replay/types.js';

/** The parts of a WebSocket the client uses; browsers' `WebSocket` and the `ws` package both fit. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: { data?: unknown; code?: number; reason?: string; message?: string; error?: unknown }) => void): void;
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
  /** An extended-protocol server answered the hello. */
  welcome: (welcome: WelcomeData) => void;
  /**
   * With `replay`: the stored entries were emitted (as `message` and `gap` events) and the stored
   * cursor set; fires once, before the socket opens.
   */
  restore: (restored: ReplayRestored) => void;
}

/** What the client restored from its replay buffer (the `restore` event). */
export interface ReplayRestored {
  /** Entries emitted from storage (log messages and gap markers). */
  entries: number;
  /** The stored cursor the client resumes from, if any. */
  cursor: Cursor | undefined;
  /** Where the buffer keeps its entries. */
  persistence: Persistence;
}

/** An entry as the replay buffer stores it: a log message or a gap marker. */
export type ReplayEntry = LogMessage | GapMessage;

/**
 * The client's side of a replay attachment. `replay()` implements the
 * other side; applications do not call this.
 */
export interface ReplayHost {
  /** The endpoint URL. */
  readonly url: string;
  /** Identifies the client's filter (given at construction) in stream keys; `''` for no filter. */
  readonly filterKey: string;
  /** Emits stored entries as `message` and `gap` events, dropping messages already emitted (by id). */
  emit(entries: readonly ReplayEntry[]): void;
  /** Sets where the next connection resumes from (`null`: a fresh start). */
  resumeFrom(cursor: Cursor | null): void;
  /** Fires the `restore` event. */
  restored(restored: ReplayRestored): void;
  /** `true`: this client may hold the socket (connects if asked to); `false`: it drops its socket and follows. */
  setLeader(leader: boolean): void;
}

/** A replay buffer attached to one client (what `replay()` returns, after `attach`). */
export interface ReplaySession {
  /** Stores what one received batch delivered, with the cursor after it. Never throws. */
  record(entries: readonly ReplayEntry[], cursor: Cursor | null): void;
  /** Removes everything stored (every stream of the buffer); works offline. */
  clear(): Promise<void>;
  /** Detaches: hands the socket over to another tab and closes storage the session opened. */
  close(): void;
  /** Where entries are kept, once the buffer is open. */
  readonly persistence: Persistence | undefined;
  /** `'leader'` (holds the socket), `'follower'` (another tab does), or `undefined` before it is decided. */
  readonly role: 'leader' | 'follower' | undefined;
}

/** Something that attaches a replay buffer to a client: what `replay()` returns. */
export interface ReplayAttachment {
  /** Called once by the client's constructor. */
  attach(host: ReplayHost): ReplaySession;
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
  /** `'auto'` sends a hello and falls back to the seeds' protocol; `'legacy'` never sends anything. @default 'auto' */
  protocol?: 'auto' | 'legacy';
  /**
   * Token for the server's `authenticate` hook, sent as the `logwire.bearer.<base64url>` subprotocol
   * (never in the URL). Only for logwire servers: the seeds' servers reject subprotocols.
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

/** Close codes after which retrying cannot help (docs/protocol.md). */
const FATAL_CLOSE = new Map<number, ClientErrorCode>([
  [1009, ClientErrorCode.Protocol],
  [4000, ClientErrorCode.Protocol],
  [4001, ClientErrorCode.Unauthorized],
  [4003, ClientErrorCode.Forbidden],
]);
const FATAL_STATUS = new Map<number, ClientErrorCode>([
  [401, ClientErrorCode.Unauthorized],
  [403, ClientErrorCode.Forbidden],
  [404, ClientErrorCode.Protocol],
]);
const SLOW_CONSUMER = 4008;
/** The position before the first message of an epoch. */
const START = '0-0';
/** Frames remembered (by exact text) to drop a legacy server's replay after a reconnect. */
const FINGERPRINTS = 4096;

type Phase = 'idle' | 'awaiting-welcome' | 'extended' | 'legacy';

/**
 * Streams log messages from a logwire (or seed-compatible) server: says `hello` with its cursor and
 * filter, resumes after every drop, parses every frame (a malformed one becomes an `error` event,
 * never an exception), reconnects with full-jitter backoff, and delivers each message at most once.
 *
 * @example
 * const client = new LogStreamClient('ws://localhost:8001/ws/logs', { filter: { level: 'WARNING' } });
 * const off = client.on('message', (m) => console.log(m.type, m.data.message));
 */
export class LogStreamClient {
  /** The endpoint URL. */
  readonly url: string;
  readonly #WebSocket: WebSocketConstructor | undefined;
  readonly #events: Emitter<LogStreamEvents> = createNanoEvents<LogStreamEvents>();
  readonly #policy: ReconnectPolicy | undefined;
  readonly #options: LogStreamClientOptions;
  #socket: WebSocketLike | undefined;
  #state: ConnectionState = ConnectionState.Offline;
  #phase: Phase = 'idle';
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;
  #welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  #deadTimer: ReturnType<typeof setTimeout> | undefined;
  #deadAfter: number | undefined;
  /** Frames received before the server's mode is known, in arrival order (log messages and gaps). */
  #held: (LogMessage | { type: 'gap'; data: GapData })[] = [];
  #epoch: string | undefined;
  /** Last id covered (delivered or filtered out by the server); dedupe and resume start here. */
  #last: StreamId | undefined;
  /** After a gap without an end, or a fresh start, the next batch may start anywhere. */
  #acceptAnyFrom = true;
  #filter: NormalizedFilter | undefined;
  /** The filter as a predicate, for servers that cannot filter (legacy mode). */
  #accepts: ((message: LogMessage) => boolean) | undefined;
  #fingerprints = new Set<string>();
  #fingerprintOrder: string[] = [];
  #httpStatus: number | undefined;
  #closed = false;
  #offline = false;
  #detachNetwork: (() => void) | undefined;
  #replay: ReplaySession | undefined;
  /** With replay: the client may not open a socket (storage not loaded yet, or another tab leads). */
  #gated = false;
  /** `connect()` was asked for while gated. */
  #wantConnect = false;
  /** Entries delivered by the batch being handled, for the replay buffer. */
  #recorded: ReplayEntry[] | undefined;

  constructor(url: string | URL, options: LogStreamClientOptions = {}) {
    this.url = normaliseUrl(url);
    this.#options = options;
    this.#WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    this.#policy = options.reconnect === false ? undefined : new ReconnectPolicy(options.reconnect);
    if (options.filter !== undefined) {
      this.#filter = checkedFilter(options.filter);
      this.#accepts = localFilter(this.#filter);
    }
    if (options.cursor !== undefined) {
      const id = parseId(options.cursor.id);
      if (id === undefined || typeof options.cursor.epoch !== 'string') throw new TypeError(`cursor must be {epoch, id} with an id like "1760000000123-0", got ${JSON.stringify(options.cursor)}`);
      this.#epoch = options.cursor.epoch;
      this.#last = id;
      this.#acceptAnyFrom = false;
    }
    this.#watchNetwork();
    if (options.replay !== undefined) {
      this.#gated = true;
      this.#replay = options.replay.attach(this.#host());
    }
    if (options.autoConnect ?? true) queueMicrotask(() => this.connect());
  }

  /** With `replay`: where the buffer keeps entries (`'indexeddb'` or `'memory'`), once it is open. */
  get persistence(): Persistence | undefined {
    return this.#replay?.persistence;
  }

  /** With `replay`: `'leader'` when this tab holds the socket, `'follower'` when another tab does. */
  get role(): 'leader' | 'follower' | undefined {
    return this.#replay?.role;
  }

  /**
   * Removes everything the replay buffer stored (e.g. on logout), for every stream and every tab;
   * needs no connection. Resolves at once without `replay`.
   */
  clear(): Promise<void> {
    return this.#replay?.clear() ?? Promise.resolve();
  }

  #host(): ReplayHost {
    return {
      url: this.url,
      filterKey: this.#filter === undefined ? '' : JSON.stringify(this.#filter),
      emit: (entries) => {
        for (const entry of entries) {
          if (entry.type === 'gap') {
            this.#events.emit('gap', entry.data);
            // Ids of the next epoch are not comparable with the last one's.
            if (entry.data.reason === GapReason.Epoch) this.#last = undefined;
          } else this.#deliverWithId(entry);
        }
      },
      resumeFrom: (cursor) => {
        const id = cursor === null ? undefined : parseId(cursor.id);
        // A tab that led before may have shown more than storage holds: never step back over it.
        if (id !== undefined && cursor!.epoch === this.#epoch && this.#last !== undefined && compareIds(this.#last, id) > 0) return;
        this.#epoch = id === undefined ? undefined : cursor!.epoch;
        this.#last = id;
        this.#acceptAnyFrom = id === undefined;
      },
      restored: (restored) => this.#events.emit('restore', restored),
      setLeader: (leader) => {
        if (leader) {
          this.#gated = false;
          if (this.#wantConnect) {
            this.#wantConnect = false;
            this.connect();
          }
          return;
        }
        this.#gated = true;
        if (this.#closed || this.#state === ConnectionState.Closed) return;
        // Another tab holds the socket: drop ours (no reconnect) and show what that tab stores.
        this.#wantConnect = true;
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
        const socket = this.#socket;
        this.#dropSocket();
        try {
          socket?.close(1000, 'another tab holds the stream');
        } catch {
          // Gone either way.
        }
        this.#setState(ConnectionState.Live);
      },
    };
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Id of the last message covered, if the server sends ids. */
  get lastId(): string | undefined {
    return this.#last === undefined ? undefined : formatId(this.#last);
  }

  /** Where to resume from: store it to survive a page reload and pass it back as `cursor`. */
  get cursor(): Cursor | undefined {
    return this.#epoch === undefined || this.#last === undefined ? undefined : { epoch: this.#epoch, id: formatId(this.#last) };
  }

  /** The protocol of the current connection (`undefined` until it is known). */
  get protocol(): StreamProtocol | undefined {
    return this.#phase === 'extended' || this.#phase === 'legacy' ? this.#phase : undefined;
  }

  /** The server-side filter in force (normalised). */
  get filter(): NormalizedFilter | undefined {
    return this.#filter;
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends keyof LogStreamEvents>(event: E, callback: LogStreamEvents[E]): Unsubscribe {
    return this.#events.on(event, callback);
  }

  /**
   * Changes the server-side filter without reconnecting (and for every later reconnect). Messages
   * already covered are not sent again. Throws a TypeError for an invalid filter.
   */
  setFilter(filter: Filter): void {
    this.#filter = checkedFilter(filter);
    this.#accepts = localFilter(this.#filter);
    if (this.#phase === 'extended') this.#send({ type: 'subscribe', data: { filter: this.#filter } });
  }

  /** Opens the connection if it is not open or opening. Safe to call repeatedly. */
  connect(): void {
    if (this.#socket !== undefined || this.#state === ConnectionState.Closed) return;
    if (this.#gated) {
      // Storage is still loading, or another tab holds the socket: connect when this tab may.
      this.#wantConnect = true;
      return;
    }
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
    this.#phase = 'idle';
    this.#httpStatus = undefined;
    let socket: WebSocketLike;
    try {
      const token = this.#options.token;
      socket = token === undefined ? new Ctor(this.url) : new Ctor(this.url, ['logwire.v1', `logwire.bearer.${base64url(token)}`]);
    } catch (cause) {
      this.#emitError(new LogStreamClientError(ClientErrorCode.Socket, `could not open ${this.url}: ${describe(cause)}`, { cause }));
      this.#scheduleReconnect();
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => {
      if (this.#socket !== socket) return;
      if (this.#policy !== undefined) this.#stableTimer = setTimeout(() => this.#policy?.reset(), this.#policy.stableAfter);
      if (this.#options.protocol === 'legacy') {
        this.#becomeLegacy();
        return;
      }
      this.#phase = 'awaiting-welcome';
      this.#held = [];
      const cursor = this.cursor;
      this.#send({
        type: 'hello',
        data: {
          v: PROTOCOL_VERSION,
          ...(cursor === undefined ? {} : { cursor }),
          ...(this.#filter === undefined ? {} : { filter: this.#filter }),
          capabilities: ['batch'],
          ...(this.#options.auth === undefined ? {} : { auth: this.#options.auth }),
          ...(this.#options.tail === undefined ? {} : { tail: this.#options.tail }),
        },
      });
      this.#welcomeTimer = setTimeout(() => {
        if (this.#socket === socket && this.#phase === 'awaiting-welcome') this.#becomeLegacy();
      }, this.#options.welcomeTimeout ?? 2000);
    });
    socket.addEventListener('message', (event) => {
      if (this.#socket !== socket) return;
      this.#armDeadTimer();
      this.#receive(event.data);
    });
    socket.addEventListener('error', (event) => {
      if (this.#socket !== socket) return;
      // Node's ws reports a refused upgrade as "Unexpected server response: 401"; browsers hide it.
      const text = event.message ?? (event.error instanceof Error ? event.error.message : '');
      const status = /Unexpected server response: (\d{3})/.exec(text);
      if (status) this.#httpStatus = Number(status[1]);
      this.#emitError(new LogStreamClientError(ClientErrorCode.Socket, `connection to ${this.url} failed${text ? `: ${text}` : ''}`));
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      this.#dropSocket();
      if (this.#closed) return;
      const fatal = FATAL_CLOSE.get(event.code ?? 0) ?? (this.#httpStatus === undefined ? undefined : FATAL_STATUS.get(this.#httpStatus));
      if (fatal !== undefined) {
        const why = this.#httpStatus !== undefined ? `HTTP ${this.#httpStatus}` : `close ${event.code}${event.reason ? ` (${event.reason})` : ''}`;
        this.#emitError(new LogStreamClientError(fatal, `the server refused the connection for good: ${why}; not retrying`));
        this.#setState(ConnectionState.Closed);
        return;
      }
      this.#scheduleReconnect(event.code === SLOW_CONSUMER ? Math.floor(Math.random() * 1000) : undefined);
    });
  }

  /** Closes the connection for good; no reconnect follows. */
  close(): void {
    this.#closed = true;
    this.#wantConnect = false;
    clearTimeout(this.#retryTimer);
    this.#replay?.close();
    const socket = this.#socket;
    this.#dropSocket();
    this.#detachNetwork?.();
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
    switch (message.type) {
      case 'ping':
        if (this.#phase === 'extended') this.#send({ type: 'pong', data: message.data?.ts === undefined ? {} : { ts: message.data.ts } });
        return;
      case 'welcome':
        this.#welcome(message.data);
        return;
      case 'batch':
        if (this.#phase === 'extended') this.#batch(message.data);
        return;
      case 'gap':
        this.#gap(message.data);
        return;
      case 'subscribed':
        return;
      case 'error':
        this.#emitError(new LogStreamClientError(ClientErrorCode.Server, `the server refused a message: ${message.data.code}: ${message.data.message}`));
        return;
      default:
        this.#bare(message, typeof data === 'string' ? data : undefined);
    }
  }

  #welcome(welcome: WelcomeData): void {
    // A welcome after the client gave up waiting (a loaded server read the hello late) still
    // switches to the extended protocol: its replay overlaps what was shown and is deduped by id.
    if (this.#phase !== 'awaiting-welcome' && this.#phase !== 'legacy') return;
    clearTimeout(this.#welcomeTimer);
    // Frames sent before the server saw our hello (a late hello) are replayed after the cursor.
    this.#held = [];
    this.#phase = 'extended';
    if (this.#epoch !== welcome.epoch) {
      // Ids of another epoch are not comparable; the server's epoch gap (if any) says what was lost.
      this.#epoch = welcome.epoch;
      this.#last = undefined;
      this.#acceptAnyFrom = true;
    }
    this.#deadAfter = welcome.ping > 0 ? welcome.ping + (this.#options.heartbeatGrace ?? 10_000) : undefined;
    this.#armDeadTimer();
    this.#setState(ConnectionState.CatchingUp);
    this.#events.emit('welcome', welcome);
  }

  #batch(batch: BatchData): void {
    if (batch.epoch !== this.#epoch) {
      this.#emitError(new LogStreamClientError(ClientErrorCode.BadFrame, `ignored a batch of epoch ${batch.epoch}; the stream's epoch is ${this.#epoch ?? 'unknown'}`));
      return;
    }
    const recorded: ReplayEntry[] = [];
    this.#recorded = this.#replay === undefined ? undefined : recorded;
    const expected = this.lastId ?? null;
    // "0-0" (before the first message) and null (no previous message) are the same position.
    if (!this.#acceptAnyFrom && batch.from !== expected && !(batch.from === null && expected === START)) {
      // Nobody announced this discontinuity: report it rather than hide it.
      const from = batch.from === null ? undefined : parseId(batch.from);
      if (from === undefined || this.#last === undefined || compareIds(from, this.#last) > 0) {
        const gap: GapData = { from: expected, to: batch.from, reason: GapReason.Diverged, epoch: batch.epoch };
        recorded.push({ type: 'gap', data: gap });
        this.#events.emit('gap', gap);
      }
    }
    for (const message of batch.messages) this.#deliverWithId(message);
    this.#recorded = undefined;
    const to = batch.to === null ? undefined : parseId(batch.to);
    if (to !== undefined && (this.#last === undefined || compareIds(to, this.#last) > 0)) this.#last = to;
    // An empty stream: the client is positioned before its first message, so a reconnect resumes
    // from there instead of asking for a fresh tail (which could skip what was logged meanwhile).
    if (batch.to === null && this.#last === undefined) this.#last = { ms: 0, seq: 0 };
    if (batch.to !== null) this.#acceptAnyFrom = false;
    this.#replay?.record(recorded, this.cursor ?? null);
    this.#setState(batch.replay === true ? ConnectionState.CatchingUp : ConnectionState.Live);
  }

  #gap(gap: GapData): void {
    if (this.#phase === 'awaiting-welcome') {
      // Keep the gap in its place among the held frames: a legacy server's gap sits between lines.
      this.#held.push({ type: 'gap', data: gap });
      return;
    }
    this.#events.emit('gap', gap);
    if (this.#phase !== 'extended') return;
    const to = gap.to === null ? undefined : parseId(gap.to);
    if (gap.reason === GapReason.Epoch) {
      this.#last = undefined;
      this.#acceptAnyFrom = true;
    } else if (to === undefined) {
      this.#acceptAnyFrom = true;
    } else {
      this.#last = to;
      this.#acceptAnyFrom = false;
    }
    this.#replay?.record([{ type: 'gap', data: gap }], this.cursor ?? null);
  }

  /** A log message in its own frame: the seeds' protocol (or ours in legacy mode). */
  #bare(message: LogMessage, text: string | undefined): void {
    if (this.#phase === 'awaiting-welcome') {
      if (message.id === undefined) {
        // Only the seeds' servers send frames without ids: no welcome will come.
        this.#becomeLegacy();
      } else {
        this.#held.push(message);
        return;
      }
    }
    if (this.#phase === 'extended') return;
    // A legacy server sends everything: the client applies the filter itself.
    const shown = this.#accepts === undefined || this.#accepts(message);
    if (message.id !== undefined && parseId(message.id) !== undefined) {
      if (shown) this.#deliverWithId(message);
      else this.#skipId(message.id);
      return;
    }
    if (text !== undefined) {
      // No ids: a reconnect replays what the server still holds. Its exact text (timestamps with
      // microseconds) tells what was already shown.
      if (this.#fingerprints.has(text)) return;
      this.#fingerprints.add(text);
      this.#fingerprintOrder.push(text);
      if (this.#fingerprintOrder.length > FINGERPRINTS) this.#fingerprints.delete(this.#fingerprintOrder.shift() as string);
    }
    if (shown) this.#events.emit('message', message);
  }

  /** Covers an id without delivering it (filtered out locally). */
  #skipId(text: string): void {
    const id = parseId(text);
    if (id !== undefined && (this.#last === undefined || compareIds(id, this.#last) > 0)) this.#last = id;
  }

  #deliverWithId(message: LogMessage): void {
    const id = message.id === undefined ? undefined : parseId(message.id);
    if (id !== undefined) {
      // At-least-once on the wire, at-most-once here: replays after a reconnect repeat ids.
      if (this.#last !== undefined && compareIds(id, this.#last) <= 0) return;
      this.#last = id;
    }
    this.#recorded?.push(message);
    this.#events.emit('message', message);
  }

  #becomeLegacy(): void {
    clearTimeout(this.#welcomeTimer);
    this.#phase = 'legacy';
    this.#deadAfter = undefined;
    this.#setState(ConnectionState.Live);
    const held = this.#held;
    this.#held = [];
    for (const frame of held) {
      if (frame.type === 'gap') this.#gap(frame.data);
      else this.#bare(frame, undefined);
    }
  }

  #armDeadTimer(): void {
    clearTimeout(this.#deadTimer);
    this.#deadTimer = undefined;
    if (this.#deadAfter === undefined) return;
    const socket = this.#socket;
    this.#deadTimer = setTimeout(() => {
      if (this.#socket !== socket || socket === undefined) return;
      this.#emitError(new LogStreamClientError(ClientErrorCode.Timeout, `no frame from ${this.url} for ${this.#deadAfter} ms; reconnecting`));
      this.#dropSocket();
      // A dead link may never finish a close handshake: drop it hard where the API allows.
      const hard = socket as WebSocketLike & { terminate?: () => void };
      try {
        if (typeof hard.terminate === 'function') hard.terminate();
        else socket.close(4000, 'heartbeat timeout');
      } catch {
        // Already closed.
      }
      this.#scheduleReconnect();
    }, this.#deadAfter);
  }

  #dropSocket(): void {
    this.#socket = undefined;
    clearTimeout(this.#stableTimer);
    clearTimeout(this.#welcomeTimer);
    clearTimeout(this.#deadTimer);
    this.#deadTimer = undefined;
    this.#held = [];
    this.#phase = 'idle';
  }

  #send(message: unknown): void {
    try {
      this.#socket?.send(JSON.stringify(message));
    } catch (cause) {
      this.#emitError(new LogStreamClientError(ClientErrorCode.Socket, `could not send to ${this.url}: ${describe(cause)}`, { cause }));
    }
  }

  #scheduleReconnect(delay?: number): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    if (this.#policy === undefined) {
      this.#setState(ConnectionState.Closed);
      return;
    }
    this.#setState(ConnectionState.Offline);
    // While the browser says it is offline, wait for its online event instead of retrying.
    if (this.#offline) return;
    const wait = delay ?? this.#policy.nextDelay();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closed) this.connect();
    }, wait);
  }

  #watchNetwork(): void {
    const target = globalThis as { addEventListener?: (type: string, listener: () => void) => void; removeEventListener?: (type: string, listener: () => void) => void; navigator?: { onLine?: boolean } };
    if (typeof target.addEventListener !== 'function' || typeof target.navigator?.onLine !== 'boolean') return;
    this.#offline = target.navigator.onLine === false;
    const offline = () => {
      this.#offline = true;
      if (this.#socket === undefined && this.#retryTimer !== undefined) {
        clearTimeout(this.#retryTimer);
        this.#retryTimer = undefined;
      }
    };
    const online = () => {
      this.#offline = false;
      if (this.#closed || this.#socket !== undefined || this.#state === ConnectionState.Closed) return;
      this.#scheduleReconnect(Math.floor(Math.random() * 1000));
    };
    target.addEventListener('offline', offline);
    target.addEventListener('online', online);
    this.#detachNetwork = () => {
      target.removeEventListener?.('offline', offline);
      target.removeEventListener?.('online', online);
    };
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

function checkedFilter(filter: Filter): NormalizedFilter {
  const result = normalizeFilter(filter);
  if (!result.ok) throw new TypeError(`Invalid filter: ${result.message}`);
  return result.filter;
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
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
