import { createNanoEvents, type Emitter, type Unsubscribe } from 'nanoevents';
import {
  type AlertAction,
  type AlertInfo,
  type BatchData,
  type CloseCode,
  closeRefusal,
  type Cursor,
  type Filter,
  type GapData,
  type LogMessage,
  type NormalizedFilter,
  parse,
  parseId,
  PROTOCOL_VERSION,
  type StreamEntry,
  type WelcomeData,
} from '@logwire/protocol';
import { AlertBoard } from './alerts.js';
import { type ClientErrorCode, describeCause, LogStreamClientError } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { frameFingerprints } from './legacy-dedupe.js';
import { checkedFilter, localFilter } from './local-filter.js';
import { NetworkSignal } from './network.js';
import { ReconnectPolicy } from './reconnect-policy.js';
import type { Persistence, ReplayHost, ReplaySession } from './replay/types.js';
import { StreamPosition } from './stream-position.js';
import type { ConnectionState, LogStreamClientOptions, LogStreamEvents } from './types.js';
import type { StreamProtocol, WebSocketConstructor, WebSocketLike } from './types.js';
import { bearerProtocols, closeQuietly, dropDeadSocket, normaliseUrl } from './socket.js';

type Phase = 'idle' | 'awaiting-welcome' | 'extended' | 'legacy';

/**
 * Streams log messages from a logwire (or original-protocol) server: says `hello` with its cursor and
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
  #state: ConnectionState = 'offline';
  #phase: Phase = 'idle';
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #stableTimer: ReturnType<typeof setTimeout> | undefined;
  #welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #heartbeat = new Heartbeat();
  /** Frames received before the server's mode is known, in arrival order (log messages and gaps). */
  #held: (LogMessage | { type: 'gap'; data: GapData })[] = [];
  /** Epoch, last id covered, continuity: where resume starts and what is new. */
  readonly #position: StreamPosition;
  #filter: NormalizedFilter | undefined;
  /** The filter as a predicate, for servers that cannot filter (legacy mode). */
  #accepts: ((message: LogMessage) => boolean) | undefined;
  /** Recent id-less frames, to drop a legacy server's replay after a reconnect. */
  readonly #repeated = frameFingerprints();
  #closed = false;
  readonly #network = new NetworkSignal(
    () => this.#socket === undefined && this.#stopRetry(),
    () => {
      if (this.#closed || this.#socket !== undefined || this.#state === 'closed') return;
      this.#scheduleReconnect(Math.floor(Math.random() * 1000));
    },
  );
  #replay: ReplaySession | undefined;
  /** With replay: the client may not open a socket (storage not loaded yet, or another tab leads). */
  #gated = false;
  /** `connect()` was asked for while gated. */
  #wantConnect = false;
  /** Entries delivered by the batch being handled, for the replay buffer. */
  #recorded: StreamEntry[] | undefined;
  readonly #alerts = new AlertBoard((alerts, changed) => this.#events.emit('alerts', alerts, changed));

  constructor(url: string | URL, options: LogStreamClientOptions = {}) {
    this.url = normaliseUrl(url);
    this.#options = options;
    this.#WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    this.#policy = options.reconnect === false ? undefined : new ReconnectPolicy(options.reconnect);
    if (options.filter !== undefined) this.#useFilter(options.filter);
    this.#position = new StreamPosition(options.cursor);
    if (options.replay !== undefined) {
      this.#gated = true;
      this.#replay = options.replay.attach(this.#host(), this);
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

  /** Removes everything the replay buffer stored (e.g. on logout), every stream and tab, offline too; resolves at once without `replay`. */
  clear(): Promise<void> {
    return this.#replay?.clear() ?? Promise.resolve();
  }

  #host(): ReplayHost {
    return {
      url: this.url,
      filterKey: JSON.stringify(this.#filter) ?? '',
      emit: (entries) => {
        for (const entry of entries) {
          if (entry.type === 'gap') {
            this.#events.emit('gap', entry.data);
            this.#position.gap(entry.data, true);
          } else this.#deliverWithId(entry);
        }
      },
      resumeFrom: (cursor) => this.#position.resumeFrom(cursor),
      restored: (restored) => this.#events.emit('restore', restored),
      alerts: (alerts, may, changed) => this.#alerts.welcome(alerts, may, changed),
      fail: (code, message) => this.#fail(code, message),
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
        if (this.#closed || this.#state === 'closed') return;
        // Another tab holds the socket: drop ours (no reconnect) and show what that tab stores.
        this.#wantConnect = true;
        this.#stopRetry();
        const socket = this.#socket;
        this.#dropSocket();
        closeQuietly(socket, 1000 satisfies typeof CloseCode.Normal, 'another tab holds the stream');
        this.#setState('live');
      },
    };
  }

  /** The current connection state. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Id of the last message covered, if the server sends ids. */
  get lastId(): string | undefined {
    return this.#position.lastId;
  }

  /** Where to resume from: store it to survive a page reload and pass it back as `cursor`. */
  get cursor(): Cursor | undefined {
    return this.#position.cursor;
  }

  /** The protocol of the current connection (`undefined` until it is known). */
  get protocol(): StreamProtocol | undefined {
    return this.#phase === 'extended' || this.#phase === 'legacy' ? this.#phase : undefined;
  }

  /** The server-side filter in force (normalised). */
  get filter(): NormalizedFilter | undefined {
    return this.#filter;
  }

  /** The server's alerts as they stand (from `welcome`, then each `alert` message); empty without alerts. */
  get alerts(): AlertInfo[] {
    return this.#alerts.list;
  }

  /** Whether the server lets this connection acknowledge and silence alerts; `undefined` when it did not say. */
  get alertActions(): boolean | undefined {
    return this.#alerts.may;
  }

  /** Acknowledges (`'ack'`) or silences (`'silence'`, `durationMs`) an alert; false when not connected (a follower tab asks the leader). */
  alertAction(name: string, action: AlertAction, durationMs?: number): boolean {
    if (this.#phase === 'extended') this.#send({ type: 'alert', data: { name, action, durationMs } });
    return this.#replay?.alertAction?.({ name, action, durationMs }, this.#phase === 'extended') ?? this.#phase === 'extended';
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
    this.#useFilter(filter);
    if (this.#phase === 'extended') this.#send({ type: 'subscribe', data: { filter: this.#filter } });
  }

  #useFilter(filter: Filter): void {
    this.#filter = checkedFilter(filter);
    this.#accepts = localFilter(this.#filter);
  }

  /** Opens the connection if it is not open or opening. Safe to call repeatedly. */
  connect(): void {
    if (this.#socket !== undefined || this.#state === 'closed') return;
    if (this.#gated) {
      // Storage is still loading, or another tab holds the socket: connect when this tab may.
      this.#wantConnect = true;
      return;
    }
    this.#closed = false;
    this.#stopRetry();
    const Ctor = this.#WebSocket;
    if (Ctor === undefined) {
      this.#fail('no_websocket', 'no WebSocket here: pass { WebSocket }');
      this.#setState('closed');
      return;
    }
    this.#setState('connecting');
    this.#phase = 'idle';
    let socket: WebSocketLike;
    try {
      const token = this.#options.token;
      socket = token === undefined ? new Ctor(this.url) : new Ctor(this.url, bearerProtocols(token));
    } catch (cause) {
      this.#fail('socket', `could not open ${this.url}: ${describeCause(cause)}`, { cause });
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
      // Fields left undefined are not sent (JSON has no undefined).
      const { auth, tail } = this.#options;
      const data = { v: PROTOCOL_VERSION, cursor: this.cursor, filter: this.#filter, capabilities: ['batch'], auth, tail };
      this.#send({ type: 'hello', data });
      this.#welcomeTimer = setTimeout(() => {
        if (this.#socket === socket && this.#phase === 'awaiting-welcome') this.#becomeLegacy();
      }, this.#options.welcomeTimeout ?? 2000);
    });
    socket.addEventListener('message', (event) => {
      if (this.#socket !== socket) return;
      this.#beat();
      this.#receive(event.data);
    });
    socket.addEventListener('error', (event) => {
      // Node's `ws` says why (a refused upgrade is turned into its close code by the Node entry); browsers do not.
      if (this.#socket === socket) this.#fail('socket', `connection to ${this.url} failed${event.message ? `: ${event.message}` : ''}`);
    });
    socket.addEventListener('close', (event) => {
      if (this.#socket !== socket) return;
      this.#dropSocket();
      if (this.#closed) return;
      const code = event.code ?? 0;
      const fatal = closeRefusal(code);
      if (fatal !== undefined) {
        // A refused upgrade (Node entry) names its HTTP status as the reason.
        const reason = event.reason ?? '';
        const why = reason.startsWith('HTTP ') ? reason : `close ${code}${reason ? ` (${reason})` : ''}`;
        this.#fail(fatal, `the server refused the connection for good: ${why}`);
        this.#setState('closed');
        return;
      }
      // After a slow-consumer close, reconnect soon but spread out; otherwise by the policy.
      this.#scheduleReconnect(code === (4008 satisfies typeof CloseCode.SlowConsumer) ? Math.floor(Math.random() * 1000) : undefined);
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
    this.#network.detach();
    closeQuietly(socket, 1000 satisfies typeof CloseCode.Normal, 'client closed');
    this.#setState('closed');
  }

  #receive(data: unknown): void {
    const result = parse(data);
    if (!result.ok) {
      // Unknown types are how newer servers extend the protocol: skip them quietly.
      if (result.error.code !== 'unknown_type') {
        this.#fail('bad_frame', `ignored a frame: ${result.error.message}`, { cause: result.error });
      }
      return;
    }
    const message = result.message;
    switch (message.type) {
      case 'ping':
        if (this.#phase === 'extended') this.#send({ type: 'pong', data: { ts: message.data?.ts } });
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
      case 'checkpoint':
        this.#events.emit('checkpoint', message.data);
        return;
      case 'alert':
        this.#alerts.update(message.data);
        return;
      case 'subscribed':
        return;
      case 'error':
        this.#fail('server', `the server refused a message: ${message.data.code}: ${message.data.message}`);
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
    this.#position.welcome(welcome.epoch);
    this.#heartbeat.start(welcome.ping, this.#options.heartbeatGrace);
    this.#beat();
    this.#replay?.welcome?.(welcome);
    this.#setState('catching-up');
    this.#events.emit('welcome', welcome);
    this.#alerts.welcome(welcome.alerts, welcome.alertActions);
  }

  #batch(batch: BatchData): void {
    if (batch.epoch !== this.#position.epoch) {
      const current = this.#position.epoch ?? 'unknown';
      this.#fail('bad_frame', `ignored a batch of epoch ${batch.epoch}; the stream's epoch is ${current}`);
      return;
    }
    const recorded: StreamEntry[] = [];
    this.#recorded = this.#replay === undefined ? undefined : recorded;
    // Nobody announced this discontinuity: report it rather than hide it.
    const gap = this.#position.discontinuity(batch);
    if (gap !== undefined) {
      recorded.push({ type: 'gap', data: gap });
      this.#events.emit('gap', gap);
    }
    for (const message of batch.messages) this.#deliverWithId(message);
    this.#recorded = undefined;
    this.#position.endBatch(batch);
    this.#record(recorded);
    this.#setState(batch.replay === true ? 'catching-up' : 'live');
  }

  #gap(gap: GapData): void {
    if (this.#phase === 'awaiting-welcome') {
      // Keep the gap in its place among the held frames: a legacy server's gap sits between lines.
      this.#held.push({ type: 'gap', data: gap });
      return;
    }
    this.#events.emit('gap', gap);
    if (this.#phase !== 'extended') return;
    this.#position.gap(gap);
    this.#record([{ type: 'gap', data: gap }]);
  }

  /** A log message in its own frame: the original protocol (or ours in legacy mode). */
  #bare(message: LogMessage, text: string | undefined): void {
    if (this.#phase === 'awaiting-welcome') {
      if (message.id === undefined) {
        // Only servers of the original system send frames without ids: no welcome will come.
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
      else this.#position.cover(message.id);
      return;
    }
    // No ids: a reconnect replays what the server still holds (see legacy-dedupe.ts).
    if (text !== undefined && this.#repeated(text)) return;
    if (shown) this.#events.emit('message', message);
  }

  /** Hands what a frame delivered to the replay buffer, with the cursor after it. */
  #record(entries: StreamEntry[]): void {
    this.#replay?.record(entries, this.cursor ?? null);
  }

  #deliverWithId(message: LogMessage): void {
    if (!this.#position.cover(message.id)) return;
    this.#recorded?.push(message);
    this.#events.emit('message', message);
  }

  #becomeLegacy(): void {
    clearTimeout(this.#welcomeTimer);
    this.#phase = 'legacy';
    this.#heartbeat.stop(true);
    this.#setState('live');
    const held = this.#held;
    this.#held = [];
    for (const frame of held) {
      if (frame.type === 'gap') this.#gap(frame.data);
      else this.#bare(frame, undefined);
    }
  }

  /** A frame arrived (or the link was set up): the heartbeat starts counting again. */
  #beat(): void {
    const socket = this.#socket;
    this.#heartbeat.beat((silentMs) => this.#dead(socket, silentMs));
  }

  /** The heartbeat saw no frame for too long: the link is dead even if the socket never says so. */
  #dead(socket: WebSocketLike | undefined, silentMs: number): void {
    if (this.#socket !== socket || socket === undefined) return;
    this.#fail('timeout', `no frame from ${this.url} for ${silentMs} ms; reconnecting`);
    this.#dropSocket();
    dropDeadSocket(socket, 'heartbeat timeout');
    this.#scheduleReconnect();
  }

  #dropSocket(): void {
    this.#socket = undefined;
    clearTimeout(this.#stableTimer);
    clearTimeout(this.#welcomeTimer);
    this.#heartbeat.stop();
    this.#held = [];
    this.#phase = 'idle';
  }

  #send(message: unknown): void {
    try {
      this.#socket?.send(JSON.stringify(message));
    } catch (cause) {
      this.#fail('socket', `could not send to ${this.url}: ${describeCause(cause)}`, { cause });
    }
  }

  #stopRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #scheduleReconnect(delay?: number): void {
    this.#stopRetry();
    if (this.#policy === undefined) {
      this.#setState('closed');
      return;
    }
    this.#setState('offline');
    // While the browser says it is offline, wait for its online event instead of retrying.
    if (this.#network.offline) return;
    const wait = delay ?? this.#policy.nextDelay();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      if (!this.#closed) this.connect();
    }, wait);
  }

  #setState(state: ConnectionState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#events.emit('state', state);
  }

  /** Reports a problem the client handled, as an `error` event. */
  #fail(code: ClientErrorCode, message: string, options?: { cause?: unknown }): void {
    this.#events.emit('error', new LogStreamClientError(code, message, options));
  }
}
