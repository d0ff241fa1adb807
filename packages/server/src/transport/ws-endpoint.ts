import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import {
  compareIds,
  DEFAULT_WS_PATH,
  formatId,
  GapReason,
  type HelloMessage,
  normalizeFilter,
  type NormalizedFilter,
  parseClientMessage,
  parseId,
  PROTOCOL_VERSION,
  type StreamId,
  WelcomeMode,
  WS_PATH_ALIASES,
} from '@logwire/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { compileFilter, type CompiledFilter } from '../hub/filter.js';
import type { LogHub, StreamMessage } from '../hub/log-hub.js';
import type { HubGap } from '../hub/backplane.js';
import { type Authenticate, type AuthResult, LOGWIRE_SUBPROTOCOL, runAuthenticate } from '../security/authenticate.js';
import { originAllowed, type OriginPolicy } from '../security/origin.js';

/** Options of {@link LogStreamEndpoint}. */
export interface LogStreamEndpointOptions {
  /** Path of the endpoint. @default '/ws/logs' */
  path?: string;
  /** Further paths served the same way. @default ['/ws/monitor'] */
  aliases?: readonly string[];
  /** Open connections allowed; further clients are closed with 1008. @default 100 */
  maxConnections?: number;
  /** Largest inbound frame in bytes; larger frames close the socket with 1009. @default 65536 */
  maxPayload?: number;
  /** History sent to a legacy (or fresh extended) client on connect: the newest N of each type. @default 100 */
  replayPerType?: number;
  /** A client whose unsent bytes exceed this is closed with 4008 and may resume. @default 8 MiB */
  maxBufferedBytes?: number;
  /** Above this many unsent bytes an extended client gets no live pushes and is caught up from history. @default 1 MiB */
  highWaterMark?: number;
  /** A catching-up client is sent its next replay page once its unsent bytes are below this. @default 64 KiB */
  lowWaterMark?: number;
  /** Messages per replay page. @default 500 */
  replayPage?: number;
  /** Most messages replayed after a cursor; older missed ones are reported as a `limit` gap. @default 10000 */
  maxReplay?: number;
  /** A catching-up client whose socket makes no write progress this long is closed with 4008, in ms. @default 30000 */
  stallTimeout?: number;
  /** How long the server waits for a `hello` before serving a client in legacy mode, in ms. @default 250 */
  helloTimeout?: number;
  /** Interval of app-level `ping` messages to extended clients, in ms. @default 25000 */
  pingInterval?: number;
  /** Interval of WebSocket protocol pings; a client that missed the previous pong is terminated, in ms. @default 30000 */
  heartbeatInterval?: number;
  /**
   * Decides who may connect, before the upgrade: refused → HTTP 401. The result's `audit: false`
   * withholds every `audit_log` message from that client. @default everyone, with audit
   */
  authenticate?: Authenticate;
  /** Checks the `auth` token of a `hello` (after the upgrade): refused → close 4001. @default not checked */
  authenticateHello?: (token: string | undefined, request: IncomingMessage) => AuthResult | Promise<AuthResult>;
  /** Origins allowed to connect (exact, normalised), or `'same-origin'`; others get HTTP 403. @default any */
  allowedOrigins?: OriginPolicy;
  /** Whether a request without `Origin` (a non-browser client) is allowed when `allowedOrigins` is set. @default true */
  allowMissingOrigin?: boolean;
}

/** WebSocket close codes used by the endpoint (see docs/protocol.md for the client's action on each). */
export const CloseCode = {
  /** The server is shutting down; reconnect later. */
  GoingAway: 1001,
  /** Policy violation: the connection cap was reached. */
  ConnectionLimit: 1008,
  /** An inbound frame was larger than `maxPayload` (sent by `ws`). Fatal. */
  MessageTooBig: 1009,
  /** Unsupported protocol version or invalid `hello`. Fatal. */
  ProtocolError: 4000,
  /** The `hello` token was refused. Fatal. */
  Unauthorized: 4001,
  /** The client may not do what it asked. Fatal. */
  Forbidden: 4003,
  /** The client fell too far behind; reconnect and resume. */
  SlowConsumer: 4008,
} as const;

const DEFAULTS = {
  path: DEFAULT_WS_PATH,
  aliases: WS_PATH_ALIASES,
  maxConnections: 100,
  maxPayload: 64 * 1024,
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

type Resolved = Required<Omit<LogStreamEndpointOptions, 'authenticate' | 'authenticateHello' | 'allowedOrigins' | 'allowMissingOrigin'>> &
  Pick<LogStreamEndpointOptions, 'authenticate' | 'authenticateHello' | 'allowedOrigins' | 'allowMissingOrigin'>;

const Mode = { Pending: 0, Legacy: 1, Authorizing: 2, Extended: 3 } as const;
type Mode = (typeof Mode)[keyof typeof Mode];

interface Connection {
  ws: WebSocket;
  socket: Socket | undefined;
  request: IncomingMessage;
  mode: Mode;
  /** May this client receive audit_log at all (from `authenticate`, narrowed by `authenticateHello`). */
  audit: boolean;
  filter: CompiledFilter;
  /** Legacy: highest id already sent by the replay; live batches skip up to it. */
  sentUpTo: StreamId | undefined;
  /** Extended: last id covered; `undefined` = before the oldest message of the epoch. */
  cursor: Position | undefined;
  /** Extended: receiving live batches (false while replaying or catching up). */
  live: boolean;
  /** Extended: a replay page is in flight, or the pump waits for the socket to drain. */
  pumping: boolean;
  /** Why the current catch-up started: a cursor that left history then is reported with this reason. */
  catchUpReason: GapReason;
  alive: boolean;
  helloTimer: ReturnType<typeof setTimeout> | undefined;
  stallTimer: ReturnType<typeof setTimeout> | undefined;
  closed: boolean;
}

/** A stream position: an id and its parsed form (a StreamMessage is one). */
interface Position {
  id: string;
  position: StreamId;
  /** The hub's ordinal of this id, when known: lets a gap count what it skipped. */
  ordinal?: number;
}

const ALL_FILTER = (normalizeFilter(undefined) as Extract<ReturnType<typeof normalizeFilter>, { ok: true }>).filter;

function positionOf(id: StreamId): Position {
  return { id: formatId(id), position: id };
}

/**
 * Serves a hub's messages over WebSocket. Clients that never send anything (like the seeds'
 * frontend) get the recent history, then every live message, one `{type, id, data}` per frame.
 * Clients that send a `hello` get the extended protocol: resume by cursor, explicit gaps, server-side
 * filters, batches, heartbeats and paced catch-up (docs/protocol.md).
 */
export class LogStreamEndpoint {
  readonly #hub: LogHub;
  readonly #options: Resolved;
  readonly #paths: Set<string>;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #detach: (() => void)[] = [];
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #ownServer: HttpServer | undefined;
  #closed = false;

  constructor(hub: LogHub, options: LogStreamEndpointOptions = {}) {
    this.#hub = hub;
    this.#options = { ...DEFAULTS, ...options };
    const { path, aliases, maxConnections, maxPayload } = this.#options;
    if (!path.startsWith('/')) throw new TypeError(`path must start with "/", got "${path}"`);
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new TypeError(`maxConnections must be a positive integer, got ${maxConnections}`);
    if (!Number.isSafeInteger(maxPayload) || maxPayload < 1) throw new TypeError(`maxPayload must be a positive integer, got ${maxPayload}`);
    for (const name of ['replayPage', 'maxReplay', 'helloTimeout', 'pingInterval', 'heartbeatInterval', 'stallTimeout', 'highWaterMark', 'lowWaterMark'] as const) {
      const value = this.#options[name];
      if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
    }
    this.#paths = new Set([path, ...aliases]);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
      // Echo only the non-secret subprotocol; a token offered as a subprotocol is never sent back.
      handleProtocols: (protocols) => (protocols.has(LOGWIRE_SUBPROTOCOL) ? LOGWIRE_SUBPROTOCOL : false),
    });
    this.#detach.push(hub.on((batch, previous) => this.#broadcast(batch, previous)));
    this.#detach.push(hub.onGap((gap) => this.#hubGap(gap)));
    const guard = (work: () => void) => () => {
      try {
        work();
      } catch {
        // A failing tick must not stop the next one; per-connection failures are handled inside.
      }
    };
    this.#timers.push(setInterval(guard(() => this.#heartbeat()), this.#options.heartbeatInterval));
    this.#timers.push(setInterval(guard(() => this.#ping()), this.#options.pingInterval));
    for (const timer of this.#timers) timer.unref();
  }

  /** Number of open client connections. */
  get clientCount(): number {
    return this.#connections.size;
  }

  /**
   * A snapshot for metrics and load shedding: open connections, how many are catching up (not
   * receiving live pushes), and the largest number of bytes any client has not read yet.
   */
  stats(): { clients: number; catchingUp: number; maxBufferedBytes: number } {
    let catchingUp = 0;
    let maxBufferedBytes = 0;
    for (const connection of this.#connections) {
      if (connection.mode === Mode.Extended && !connection.live) catchingUp++;
      maxBufferedBytes = Math.max(maxBufferedBytes, connection.ws.bufferedAmount);
    }
    return { clients: this.#connections.size, catchingUp, maxBufferedBytes };
  }

  /** The paths this endpoint answers. */
  get paths(): readonly string[] {
    return [...this.#paths];
  }

  /**
   * Serves the endpoint on an existing HTTP server (plain `http`, Express's `app.listen()` result,
   * Fastify's `fastify.server`). Upgrades for other paths are left to other handlers.
   */
  attach(server: HttpServer): this {
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.handleUpgrade(request, socket, head)) return;
      // Nobody else will answer this upgrade: refuse it instead of leaving the socket hanging.
      if (server.listenerCount('upgrade') === 1) rejectUpgrade(socket, 404, 'Not Found');
    };
    server.on('upgrade', onUpgrade);
    this.#detach.push(() => server.off('upgrade', onUpgrade));
    return this;
  }

  /**
   * Takes an upgrade request if its path is one of the endpoint's; returns false otherwise.
   * Use this from a router that dispatches upgrades itself.
   */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (!this.#paths.has(pathOf(request.url))) return false;
    if (this.#closed) {
      rejectUpgrade(socket, 503, 'Service Unavailable');
      return true;
    }
    socket.on('error', () => socket.destroy());
    if (!originAllowed(request, this.#options.allowedOrigins, this.#options.allowMissingOrigin ?? true)) {
      rejectUpgrade(socket, 403, 'Forbidden');
      return true;
    }
    const hook = this.#options.authenticate;
    if (hook === undefined) {
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request, true));
      return true;
    }
    void runAuthenticate(hook, request)
      .then((outcome) => {
        if (socket.destroyed) return;
        if (!outcome.ok) {
          rejectUpgrade(socket, outcome.status, outcome.status === 401 ? 'Unauthorized' : 'Internal Server Error');
          return;
        }
        if (this.#closed) {
          rejectUpgrade(socket, 503, 'Service Unavailable');
          return;
        }
        this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request, outcome.audit));
      })
      .catch(() => socket.destroy());
    return true;
  }

  /** Starts a standalone HTTP server that serves only this endpoint. Resolves once listening. */
  async listen(port = 0, host = '127.0.0.1'): Promise<AddressInfo> {
    const server = createServer((_request, response) => {
      response.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
      response.end(`Connect with a WebSocket to ${[...this.#paths].join(' or ')}\n`);
    });
    this.#ownServer = server;
    this.attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  }

  /** Closes every connection with 1001 and stops accepting new ones. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const detach of this.#detach) detach();
    for (const timer of this.#timers) clearInterval(timer);
    for (const connection of this.#connections) {
      this.#forget(connection);
      connection.ws.close(CloseCode.GoingAway, 'Server shutting down');
    }
    this.#connections.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    const server = this.#ownServer;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  #accept(ws: WebSocket, request: IncomingMessage, audit: boolean): void {
    ws.on('error', () => ws.terminate());
    if (this.#closed) {
      ws.close(CloseCode.GoingAway, 'Server shutting down');
      return;
    }
    if (this.#connections.size >= this.#options.maxConnections) {
      ws.close(CloseCode.ConnectionLimit, 'Connection limit reached');
      return;
    }
    const connection: Connection = {
      ws,
      socket: (ws as unknown as { _socket?: Socket })._socket,
      request,
      mode: Mode.Pending,
      audit,
      filter: compileFilter(ALL_FILTER, audit),
      sentUpTo: undefined,
      cursor: undefined,
      live: false,
      pumping: false,
      catchUpReason: GapReason.Trimmed,
      alive: true,
      helloTimer: undefined,
      stallTimer: undefined,
      closed: false,
    };
    this.#connections.add(connection);
    ws.on('close', () => {
      this.#forget(connection);
      this.#connections.delete(connection);
    });
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('message', (data) => {
      // Nothing a client sends may throw into ws's receiver (that would crash the process).
      try {
        this.#receive(connection, data);
      } catch {
        this.#drop(connection, 1011, 'Internal error');
      }
    });
    // The seeds' clients never send anything: if no hello comes soon, serve the seeds' protocol.
    connection.helloTimer = setTimeout(() => {
      connection.helloTimer = undefined;
      if (connection.mode === Mode.Pending) this.#safely(connection, () => this.#startLegacy(connection));
    }, this.#options.helloTimeout);
  }

  #receive(connection: Connection, data: unknown): void {
    connection.alive = true;
    if (connection.closed) return;
    const parsed = parseClientMessage(data, this.#options.maxPayload);
    if (connection.mode === Mode.Pending || connection.mode === Mode.Legacy) {
      if (parsed.ok && parsed.message.type === 'hello') {
        this.#hello(connection, parsed.message).catch(() => this.#drop(connection, 1011, 'Internal error'));
      } else if (connection.mode === Mode.Pending) {
        // Anything else first: a legacy client that talks (the seeds' server reads and ignores it).
        this.#startLegacy(connection);
      }
      return;
    }
    if (connection.mode === Mode.Authorizing) return;
    if (!parsed.ok) {
      this.#sendControl(connection, 'error', { code: 'bad_message', message: parsed.error.message });
      return;
    }
    const message = parsed.message;
    if (message.type === 'subscribe') {
      // parseClientMessage returns filters normalised.
      connection.filter = compileFilter(message.data.filter as NormalizedFilter, connection.audit);
      this.#sendControl(connection, 'subscribed', { filter: connection.filter.filter, at: this.#cursorId(connection) });
    } else if (message.type === 'hello') {
      this.#sendControl(connection, 'error', { code: 'bad_message', message: 'hello was already received' });
    }
  }

  #startLegacy(connection: Connection): void {
    if (connection.helloTimer !== undefined) clearTimeout(connection.helloTimer);
    connection.helloTimer = undefined;
    connection.mode = Mode.Legacy;
    // Deliver what was logged but not yet flushed through the live path, so replay and live
    // agree on where one ends and the other begins.
    this.#hub.flush();
    const replay = this.#hub.recent(this.#options.replayPerType, connection.filter.all ? undefined : connection.filter.accepts);
    if (replay.length > 0) {
      this.#sendFrames(connection, replay.map((message) => Buffer.from(message.frame)));
      connection.sentUpTo = (replay[replay.length - 1] as StreamMessage).position;
    }
  }

  async #hello(connection: Connection, hello: HelloMessage): Promise<void> {
    if (connection.helloTimer !== undefined) clearTimeout(connection.helloTimer);
    connection.helloTimer = undefined;
    if (hello.data.v !== PROTOCOL_VERSION) {
      connection.ws.close(CloseCode.ProtocolError, `Unsupported protocol version ${hello.data.v}; this server speaks ${PROTOCOL_VERSION}`);
      return;
    }
    const check = this.#options.authenticateHello;
    if (check !== undefined) {
      connection.mode = Mode.Authorizing;
      let result: AuthResult;
      try {
        result = await check(hello.data.auth, connection.request);
      } catch {
        result = false;
      }
      if (connection.closed) return;
      if (result === false || result === null || typeof result !== 'object' && result !== true) {
        connection.ws.close(CloseCode.Unauthorized, 'Unauthorized');
        return;
      }
      if (typeof result === 'object' && result.audit === false) connection.audit = false;
    }
    connection.mode = Mode.Extended;
    connection.filter = compileFilter((hello.data.filter as NormalizedFilter | undefined) ?? ALL_FILTER, connection.audit);
    connection.live = false;
    const hub = this.#hub;
    let head = hub.delivered;
    const cursor = hello.data.cursor;
    let welcomed = false;
    const welcome = (mode: WelcomeMode) => {
      if (welcomed) return;
      welcomed = true;
      this.#sendControl(connection, 'welcome', {
        v: PROTOCOL_VERSION,
        epoch: hub.epoch,
        head: head?.id ?? null,
        mode,
        ping: this.#options.pingInterval,
        audit: connection.audit,
        filter: connection.filter.filter,
      });
    };

    if (cursor === undefined) {
      welcome(WelcomeMode.Fresh);
      const tail = Math.min(hello.data.tail ?? this.#options.replayPerType, this.#options.maxReplay);
      const messages = tail === 0 || head === undefined ? [] : hub.recent(tail, connection.filter.accepts, head.position);
      this.#sendBatch(connection, null, head?.id ?? null, messages.map((m) => m.frame), false);
      connection.cursor = head;
      connection.live = true;
      return;
    }
    if (cursor.epoch !== hub.epoch) {
      welcome(WelcomeMode.Gap);
      this.#sendControl(connection, 'gap', { from: cursor.id, to: null, reason: GapReason.Epoch, epoch: cursor.epoch });
      connection.cursor = undefined;
      connection.catchUpReason = GapReason.Trimmed;
      this.#pump(connection);
      return;
    }
    const position = parseId(cursor.id) as StreamId;
    // "0-0" is the position before the first message: a client that saw the stream empty.
    const atStart = position.ms === 0 && position.seq === 0;
    if (head === undefined && atStart) {
      welcome(WelcomeMode.Resumed);
      this.#sendBatch(connection, cursor.id, null, [], false);
      connection.cursor = undefined;
      connection.live = true;
      return;
    }
    if (head === undefined || compareIds(position, head.position) > 0) {
      // The client has seen ids this server does not have (history lost after it was sent):
      // say so, and continue from the current head.
      welcome(WelcomeMode.Gap);
      this.#sendControl(connection, 'gap', { from: cursor.id, to: null, reason: GapReason.Diverged, epoch: hub.epoch });
      this.#sendBatch(connection, null, head?.id ?? null, [], false);
      connection.cursor = head;
      connection.live = true;
      return;
    }
    let resumeId = cursor.id;
    let resumeAt = position;
    if (hub.missingAfter(position) !== undefined) {
      // Older than this node holds: a backplane may still have it (another node's history).
      const older = await this.#replayOlder(connection, cursor.id, cursor.epoch, welcome);
      if (older === null) return;
      if (older !== undefined) {
        resumeId = older;
        resumeAt = parseId(older) ?? position;
        head = hub.delivered;
        if (head === undefined) {
          this.#sendBatch(connection, resumeId, resumeId, [], false);
          connection.cursor = positionOf(resumeAt);
          connection.live = true;
          return;
        }
      }
    }
    const missing = hub.missingAfter(resumeAt);
    let mode: WelcomeMode = WelcomeMode.Resumed;
    const gaps: Record<string, unknown>[] = [];
    let startAfter: StreamId | undefined = resumeAt;
    if (missing !== undefined) {
      mode = WelcomeMode.Gap;
      gaps.push({ from: resumeId, to: missing.to === undefined ? null : formatId(missing.to), reason: GapReason.Trimmed, ...(missing.count === undefined ? {} : { count: missing.count }), epoch: hub.epoch });
      startAfter = missing.to;
    }
    const backlog = startAfter === undefined ? hub.historyLength : (hub.countBetween(startAfter, head.position) ?? hub.after(startAfter).length);
    if (backlog > this.#options.maxReplay) {
      mode = WelcomeMode.Gap;
      const skipped = backlog - this.#options.maxReplay;
      const last = hub.after(startAfter, skipped);
      const skipTo = last[last.length - 1] as StreamMessage;
      const from = gaps.length > 0 ? (gaps[0]?.['to'] as string | null) : resumeId;
      gaps.push({ from, to: skipTo.id, reason: GapReason.Limit, count: skipped, epoch: hub.epoch });
      startAfter = skipTo.position;
    }
    welcome(mode);
    for (const gap of gaps) this.#sendControl(connection, 'gap', gap);
    connection.cursor = startAfter === undefined ? undefined : positionOf(startAfter);
    connection.catchUpReason = GapReason.Trimmed;
    this.#pump(connection);
  }

  /**
   * Replays, page by page from the hub's backplane, what a resuming client missed before the oldest
   * message this node holds, until the pages reach this node's history. Sends the welcome first.
   * Returns the id replayed up to, `undefined` when there is no backplane history to ask (nothing
   * sent), or `null` when the connection is gone or was closed here.
   */
  async #replayOlder(connection: Connection, cursorId: string, epoch: string, welcome: (mode: WelcomeMode) => void): Promise<string | null | undefined> {
    const hub = this.#hub;
    let after = cursorId;
    for (let first = true; ; first = false) {
      const request = hub.olderHistory(after, epoch, this.#options.replayPage);
      if (request === undefined) return first ? undefined : after;
      let page: Awaited<typeof request>;
      try {
        page = await request;
      } catch {
        // The backplane is unreachable: serve what this node holds (the gap says what is missing).
        return first ? undefined : after;
      }
      if (connection.closed) return null;
      if (hub.epoch !== epoch || page.gap?.reason === GapReason.Epoch) {
        // The stream restarted meanwhile: a fresh hello sorts out the epoch.
        this.#drop(connection, 1012, 'The stream restarted; reconnect to resume');
        return null;
      }
      welcome(page.gap === undefined ? WelcomeMode.Resumed : WelcomeMode.Gap);
      let from: string | null = after;
      if (page.gap !== undefined) {
        this.#sendControl(connection, 'gap', page.gap);
        from = page.gap.to;
        if (from !== null) after = from;
      }
      const last = page.messages[page.messages.length - 1];
      if (last !== undefined) after = last.id;
      const frames: string[] = [];
      const { filter } = connection;
      for (const message of page.messages) if (filter.all || filter.accepts(message)) frames.push(message.frame);
      if (from !== after || frames.length > 0) {
        this.#armStall(connection);
        const written = await new Promise<boolean>((resolve) => {
          const onClose = () => resolve(false);
          connection.ws.once('close', onClose);
          this.#sendBatch(connection, from, after, frames, true, () => {
            connection.ws.off('close', onClose);
            resolve(true);
          });
        });
        this.#clearStall(connection);
        if (!written || connection.closed) return null;
      }
      const position = parseId(after);
      if (page.done || position === undefined || hub.missingAfter(position) === undefined) return after;
    }
  }

  /** A backplane gap: clients following live hear it where it happened; an epoch change makes them reconnect. */
  #hubGap(gap: HubGap): void {
    for (const connection of this.#connections) {
      if (connection.closed || connection.mode !== Mode.Extended) continue;
      if (gap.reason === GapReason.Epoch) {
        // Ids of the new epoch are not comparable to the client's cursor; its resume gets the epoch gap.
        this.#drop(connection, 1012, 'The stream restarted; reconnect to resume');
        continue;
      }
      if (!connection.live || this.#cursorId(connection) !== gap.from) continue;
      this.#sendControl(connection, 'gap', gap);
      const to = gap.to === null ? undefined : parseId(gap.to);
      connection.cursor = to === undefined ? undefined : positionOf(to);
    }
  }

  /** Sends replay pages from history until the connection reaches the hub's delivered head, then goes live. */
  #pump(connection: Connection): void {
    if (connection.closed || connection.pumping || connection.mode !== Mode.Extended) return;
    const { ws } = connection;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount >= this.#options.lowWaterMark) {
      this.#waitForDrain(connection);
      return;
    }
    const hub = this.#hub;
    const head = hub.delivered;
    const cursorPosition = connection.cursor?.position;
    if (head === undefined || (cursorPosition !== undefined && compareIds(cursorPosition, head.position) >= 0)) {
      // Caught up: one batch without `replay` tells the client it is live.
      this.#sendBatch(connection, this.#cursorId(connection), head?.id ?? null, [], false);
      connection.live = true;
      this.#clearStall(connection);
      return;
    }
    const missing = hub.missingAfter(cursorPosition, connection.cursor?.ordinal);
    if (missing !== undefined) {
      const to = missing.to === undefined ? null : formatId(missing.to);
      this.#sendControl(connection, 'gap', { from: this.#cursorId(connection), to, reason: connection.catchUpReason, ...(missing.count === undefined ? {} : { count: missing.count }), epoch: hub.epoch });
      connection.cursor = missing.to === undefined ? undefined : positionOf(missing.to);
    }
    // A backplane gap ahead: report it when the cursor reaches it, and end the page there.
    const at = connection.cursor;
    let held = hub.gapFrom(at?.position);
    if (held !== undefined && at !== undefined && compareIds(held.at, at.position) === 0) {
      if (held.gap.from === at.id) {
        this.#sendControl(connection, 'gap', held.gap);
        // The next batch says it starts at the gap's `to`; the history continues after `resume`.
        connection.cursor = held.gap.to === null ? undefined : { id: held.gap.to, position: held.resume };
      }
      held = hub.gapFrom(held.resume, true);
    }
    const upTo = held !== undefined && compareIds(held.at, head.position) < 0 ? held.at : head.position;
    const page = hub.after(connection.cursor?.position, this.#options.replayPage, upTo);
    if (page.length === 0) {
      // Nothing held after the cursor (history emptied under us): continue from the head.
      this.#sendBatch(connection, this.#cursorId(connection), head.id, [], false);
      connection.cursor = head;
      connection.live = true;
      return;
    }
    const last = page[page.length - 1] as StreamMessage;
    const done = compareIds(last.position, head.position) >= 0;
    const frames: string[] = [];
    const { filter } = connection;
    for (const message of page) if (filter.all || filter.accepts(message)) frames.push(message.frame);
    const from = this.#cursorId(connection);
    connection.cursor = last;
    if (done) {
      this.#sendBatch(connection, from, last.id, frames, false);
      connection.live = true;
      this.#clearStall(connection);
      return;
    }
    connection.pumping = true;
    this.#armStall(connection);
    this.#sendBatch(connection, from, last.id, frames, true, () => {
      connection.pumping = false;
      this.#progress(connection);
      this.#safely(connection, () => this.#pump(connection));
    });
  }

  #waitForDrain(connection: Connection): void {
    if (connection.pumping) return;
    connection.pumping = true;
    this.#armStall(connection);
    const resume = (drained: boolean) => {
      connection.socket?.off('drain', onDrain);
      clearTimeout(poll);
      connection.pumping = false;
      if (drained) this.#progress(connection);
      this.#safely(connection, () => this.#pump(connection));
    };
    const onDrain = () => resume(true);
    // 'drain' fires once the socket's buffer empties; the poll covers bytes queued inside ws.
    connection.socket?.once('drain', onDrain);
    const poll = setTimeout(() => resume(false), 250);
  }

  /** The socket wrote something: the stall clock starts again. */
  #progress(connection: Connection): void {
    this.#clearStall(connection);
    this.#armStall(connection);
  }

  /** Starts the stall clock unless it runs already: no write progress until it fires → 4008. */
  /** Runs `work` from a timer or socket callback; a failure drops that one client, never the process. */
  #safely(connection: Connection, work: () => void): void {
    try {
      work();
    } catch {
      this.#drop(connection, 1011, 'Internal error');
    }
  }

  #armStall(connection: Connection): void {
    if (connection.stallTimer !== undefined || connection.closed) return;
    connection.stallTimer = setTimeout(() => {
      if (connection.closed) return;
      this.#drop(connection, CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
    }, this.#options.stallTimeout);
  }

  #clearStall(connection: Connection): void {
    if (connection.stallTimer !== undefined) clearTimeout(connection.stallTimer);
    connection.stallTimer = undefined;
  }

  #cursorId(connection: Connection): string | null {
    return connection.cursor?.id ?? null;
  }

  #broadcast(batch: readonly StreamMessage[], previous: StreamMessage | undefined): void {
    if (this.#connections.size === 0 || batch.length === 0) return;
    const first = (batch[0] as StreamMessage).position;
    const last = batch[batch.length - 1] as StreamMessage;
    const from = previous?.id ?? null;
    // Group subscribers by filter: each group's batch is filtered and encoded once, and every
    // socket in it gets the same bytes (ws would otherwise re-encode a string for every send).
    const legacyGroups = new Map<string, Connection[]>();
    const extendedGroups = new Map<string, Connection[]>();
    for (const connection of this.#connections) {
      if (connection.closed) continue;
      if (connection.mode === Mode.Legacy) push(legacyGroups, connection.filter.key, connection);
      else if (connection.mode === Mode.Extended && connection.live) push(extendedGroups, connection.filter.key, connection);
    }
    let allFrames: Buffer[] | undefined;
    for (const group of legacyGroups.values()) {
      const { filter } = group[0] as Connection;
      let frames: Buffer[];
      if (filter.all) frames = allFrames ??= batch.map((message) => Buffer.from(message.frame));
      else frames = batch.filter(filter.accepts).map((message) => Buffer.from(message.frame));
      for (const connection of group) {
        let slice = frames;
        if (connection.sentUpTo !== undefined && compareIds(connection.sentUpTo, first) >= 0) {
          const upTo = connection.sentUpTo;
          const accepted = filter.all ? batch : batch.filter(filter.accepts);
          slice = frames.filter((_frame, index) => compareIds((accepted[index] as StreamMessage).position, upTo) > 0);
        }
        connection.sentUpTo = undefined;
        if (slice.length > 0) this.#sendFrames(connection, slice);
      }
    }
    for (const group of extendedGroups.values()) {
      const { filter } = group[0] as Connection;
      const frames: string[] = [];
      for (const message of batch) if (filter.all || filter.accepts(message)) frames.push(message.frame);
      const bytes = Buffer.from(batchJson(this.#hub.epoch, from, last.id, frames, false));
      for (const connection of group) {
        const { ws } = connection;
        if (ws.readyState !== ws.OPEN) continue;
        if (this.#cursorId(connection) !== from) {
          // Not contiguous with this batch (should not happen): catch it up from history instead.
          connection.live = false;
          connection.catchUpReason = GapReason.Dropped;
          this.#pump(connection);
          continue;
        }
        if (ws.bufferedAmount > this.#options.highWaterMark) {
          // Slow consumer: stop live pushes; it is caught up from history as its socket drains.
          connection.live = false;
          connection.catchUpReason = GapReason.Dropped;
          this.#waitForDrain(connection);
          continue;
        }
        this.#sendRaw(connection, bytes);
        connection.cursor = last;
      }
    }
  }

  #heartbeat(): void {
    for (const connection of this.#connections) {
      if (!connection.alive) {
        this.#forget(connection);
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      try {
        connection.ws.ping();
      } catch {
        // A socket that cannot take a ping is closing; its close event cleans up.
      }
    }
  }

  #ping(): void {
    const bytes = Buffer.from(`{"type":"ping","data":{"ts":${Date.now()}}}`);
    for (const connection of this.#connections) {
      if (connection.mode === Mode.Extended) this.#sendRaw(connection, bytes);
    }
  }

  #sendControl(connection: Connection, type: string, data: unknown): void {
    this.#sendRaw(connection, Buffer.from(JSON.stringify({ type, data })));
  }

  #sendBatch(connection: Connection, from: string | null, to: string | null, frames: readonly string[], replay: boolean, callback?: () => void): void {
    this.#sendRaw(connection, Buffer.from(batchJson(this.#hub.epoch, from, to, frames, replay)), callback);
  }

  #sendRaw(connection: Connection, bytes: Buffer, callback?: () => void): void {
    const { ws } = connection;
    if (connection.closed || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#drop(connection, CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
      return;
    }
    try {
      ws.send(bytes, { binary: false }, callback === undefined ? undefined : (error) => (error ? undefined : callback()));
    } catch {
      this.#forget(connection);
      ws.terminate();
    }
  }

  #sendFrames(connection: Connection, frames: readonly Buffer[]): void {
    const { ws } = connection;
    if (connection.closed || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#drop(connection, CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
      return;
    }
    // One JSON object per frame, as the seeds' clients expect; corking the socket for the batch
    // turns many small writes into one.
    const socket = connection.socket;
    socket?.cork();
    try {
      for (const frame of frames) ws.send(frame, { binary: false });
    } catch {
      // A socket that fails mid-send is dropped; the others are unaffected.
      this.#forget(connection);
      ws.terminate();
    } finally {
      socket?.uncork();
    }
  }

  #drop(connection: Connection, code: number, reason: string): void {
    this.#forget(connection);
    this.#connections.delete(connection);
    try {
      connection.ws.close(code, reason);
    } catch {
      connection.ws.terminate();
    }
    // A peer that does not read will not complete the close handshake either.
    setTimeout(() => connection.ws.terminate(), 1000).unref();
  }

  #forget(connection: Connection): void {
    connection.closed = true;
    if (connection.helloTimer !== undefined) clearTimeout(connection.helloTimer);
    connection.helloTimer = undefined;
    this.#clearStall(connection);
  }
}

function batchJson(epoch: string, from: string | null, to: string | null, frames: readonly string[], replay: boolean): string {
  return (
    '{"type":"batch","data":{"epoch":' + JSON.stringify(epoch) +
    ',"from":' + (from === null ? 'null' : '"' + from + '"') +
    ',"to":' + (to === null ? 'null' : '"' + to + '"') +
    ',"messages":[' + frames.join(',') + ']' +
    (replay ? ',"replay":true' : '') +
    '}}'
  );
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
