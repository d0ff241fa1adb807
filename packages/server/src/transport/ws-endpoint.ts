import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { type AlertInfo, type NormalizedFilter, parseClientMessage } from '@logwire/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { compileFilter, filterKey } from '../hub/filter.js';
import type { LogHub } from '../hub/log-hub.js';
import { type Admission, CapRefusal, ConnectionCaps } from '../security/connection-caps.js';
import { LOGWIRE_SUBPROTOCOL, runAuthenticate } from '../security/authenticate.js';
import { AuthReports } from '../security/auth-reports.js';
import { originAllowed } from '../security/origin.js';
import { TokenBucket } from '../security/rate-limit.js';
import { broadcast, forwardHubGap } from './broadcast.js';
import { CloseCode, Mode } from './constants.js';
import { type Connection, drop, forget, newConnection, safely, sendControl, type StreamContext } from './connection.js';
import { heartbeat, ping } from './heartbeat.js';
import { ALL_FILTER, hello } from './hello.js';
import { startLegacy } from './legacy.js';
import { ReplayPages } from './replay-pages.js';
import { type LogStreamEndpointOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { forwardCheckpoints } from './audit-chain.js';
import { newStreamCounters, type StreamCounters } from './stream-counters.js';
import { broadcastAlert, receiveAlertCommand, rememberGrant } from './alert-messages.js';

export { CloseCode, isFatalClose } from './constants.js';
export type { LogStreamEndpointOptions } from './options.js';

const CAP_REASONS: Record<CapRefusal, string> = {
  [CapRefusal.Total]: 'Connection limit reached',
  [CapRefusal.Address]: 'Connection limit per address reached',
  [CapRefusal.Principal]: 'Connection limit per principal reached',
};

/**
 * Serves a hub's messages over WebSocket. Clients that never send anything (like the original
 * frontend) get the recent history, then every live message, one `{type, id, data}` per frame
 * (legacy.ts). Clients that send a `hello` get the extended protocol (hello.ts): resume by cursor
 * (resume-plan.ts), explicit gaps, server-side filters, batches (broadcast.ts), heartbeats and
 * paced catch-up (catch-up.ts); see docs/protocol.md. This file takes upgrades, admits
 * connections, dispatches what clients send, and closes.
 */
export class LogStreamEndpoint {
  readonly #context: StreamContext;
  readonly #options: ResolvedOptions;
  readonly #paths: Set<string>;
  readonly #wss: WebSocketServer;
  readonly #caps: ConnectionCaps;
  readonly #auth: AuthReports;
  readonly #detach: (() => void)[] = [];
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  #ownServer: HttpServer | undefined;
  #closed = false;

  constructor(hub: LogHub, options?: LogStreamEndpointOptions) {
    const resolved = resolveOptions(options);
    this.#options = resolved;
    this.#context = { hub, options: resolved, connections: new Set(), pages: new ReplayPages(), counters: newStreamCounters() };
    this.#caps = new ConnectionCaps({
      total: resolved.maxConnections,
      perAddress: resolved.maxConnectionsPerAddress,
      perPrincipal: resolved.maxConnectionsPerPrincipal,
    });
    this.#paths = new Set([resolved.path, ...resolved.aliases]);
    this.#auth = new AuthReports(resolved.onError);
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: resolved.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
      // Echo only the non-secret subprotocol; a token offered as a subprotocol is never sent back.
      handleProtocols: (protocols) => (protocols.has(LOGWIRE_SUBPROTOCOL) ? LOGWIRE_SUBPROTOCOL : false),
    });
    this.#detach.push(hub.on((batch, previous, previousSystem) => broadcast(this.#context, batch, previous, previousSystem)));
    this.#detach.push(hub.onGap((gap) => forwardHubGap(this.#context, gap)));
    this.#detach.push(forwardCheckpoints(this.#context));
    const guard = (work: () => void) => () => {
      try {
        work();
      } catch {
        // A failing tick must not stop the next one; per-connection failures are handled inside.
      }
    };
    this.#timers.push(
      setInterval(
        guard(() => heartbeat(this.#context)),
        resolved.heartbeatInterval,
      ),
    );
    this.#timers.push(
      setInterval(
        guard(() => ping(this.#context)),
        resolved.pingInterval,
      ),
    );
    for (const timer of this.#timers) timer.unref();
  }

  /** Number of open client connections. */
  get clientCount(): number {
    return this.#context.connections.size;
  }

  /**
   * A snapshot for metrics and load shedding: open connections, how many are catching up (not
   * receiving live pushes), the largest number of bytes any client has not read yet, and how many
   * replay pages were encoded and how many were sent again from those (clients at the same place
   * share them).
   */
  stats(): { clients: number; catchingUp: number; maxBufferedBytes: number; replayPagesEncoded: number; replayPagesShared: number } {
    let catchingUp = 0;
    let maxBufferedBytes = 0;
    for (const connection of this.#context.connections) {
      if (connection.mode === Mode.Extended && !connection.live) catchingUp++;
      maxBufferedBytes = Math.max(maxBufferedBytes, connection.ws.bufferedAmount);
    }
    const { pages } = this.#context;
    return {
      clients: this.#context.connections.size,
      catchingUp,
      maxBufferedBytes,
      replayPagesEncoded: pages.encoded,
      replayPagesShared: pages.shared,
    };
  }

  /** Running totals for the metrics: bytes sent, gaps by reason, drops by close code (read-only). */
  get counters(): Readonly<StreamCounters> {
    return this.#context.counters as StreamCounters;
  }

  /** Sends an alert's new state to every extended client (`logwire.alerts` calls it on each change). */
  broadcastAlert(alert: AlertInfo): void {
    broadcastAlert(this.#context, alert);
  }

  /** The paths this endpoint answers. */
  get paths(): readonly string[] {
    return [...this.#paths];
  }

  /**
   * Serves the endpoint on an existing HTTP server (plain `http`, Express's `app.listen()` result,
   * Fastify's `fastify.server`). Upgrades for other paths are left to other handlers. Without an
   * `authenticate` hook, reports one `ERR_LOGWIRE_NO_AUTHENTICATE` warning to `onError`.
   */
  attach(server: HttpServer): this {
    if (this.#options.authenticate === undefined) this.#auth.unauthenticated(`log stream ${[...this.#paths].join(', ')}`);
    const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
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
    if (!originAllowed(request, this.#options.allowedOrigins, this.#options.allowMissingOrigin)) {
      rejectUpgrade(socket, 403, 'Forbidden');
      return true;
    }
    const hook = this.#options.authenticate;
    if (hook === undefined) {
      rememberGrant(request, { user: undefined, alerts: true });
      this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request, true, undefined));
      return true;
    }
    void runAuthenticate(hook, request)
      .then((outcome) => {
        if (socket.destroyed) return;
        if (!outcome.ok) {
          if (outcome.status === 500) this.#auth.hookFailed(outcome.error);
          rejectUpgrade(socket, outcome.status, outcome.status === 401 ? 'Unauthorized' : 'Internal Server Error');
          return;
        }
        if (this.#closed) {
          rejectUpgrade(socket, 503, 'Service Unavailable');
          return;
        }
        rememberGrant(request, { user: outcome.user, alerts: outcome.alerts });
        this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, request, outcome.audit, outcome.principal));
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
    for (const connection of this.#context.connections) {
      forget(connection);
      connection.ws.close(CloseCode.GoingAway, 'Server shutting down');
    }
    this.#context.connections.clear();
    this.#context.pages.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    const server = this.#ownServer;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  #accept(ws: WebSocket, request: IncomingMessage, audit: boolean, principal: string | undefined): void {
    ws.on('error', () => ws.terminate());
    if (this.#closed) {
      ws.close(CloseCode.GoingAway, 'Server shutting down');
      return;
    }
    let address: string | undefined;
    try {
      address = this.#options.clientAddress === undefined ? request.socket.remoteAddress : this.#options.clientAddress(request);
    } catch {
      // A throwing hook must not throw into the HTTP server's upgrade event (that would crash the process).
      ws.close(CloseCode.InternalError, 'Internal error');
      return;
    }
    const admission: Admission = this.#caps.admit(typeof address === 'string' ? address : undefined, principal);
    if (!admission.ok) {
      ws.close(CloseCode.ConnectionLimit, CAP_REASONS[admission.refusal]);
      return;
    }
    const connection = newConnection({
      ws,
      socket: (ws as unknown as { _socket?: Socket })._socket,
      request,
      mode: Mode.Pending,
      audit,
      filter: compileFilter(ALL_FILTER, audit),
      bucket: new TokenBucket(this.#options.messageRate, this.#options.messageBurst),
      release: admission.release,
    });
    const context = this.#context;
    context.connections.add(connection);
    ws.on('close', () => {
      forget(connection);
      context.connections.delete(connection);
    });
    ws.on('pong', () => {
      connection.alive = true;
    });
    ws.on('message', (data) => {
      // Nothing a client sends may throw into ws's receiver (that would crash the process).
      safely(context, connection, () => this.#receive(connection, data));
    });
    // The original clients never send anything: if no hello comes soon, serve the original protocol.
    connection.helloTimer = setTimeout(() => {
      connection.helloTimer = undefined;
      if (connection.mode === Mode.Pending) safely(context, connection, () => startLegacy(context, connection));
    }, this.#options.helloTimeout);
  }

  /** Dispatches one client message (docs/protocol.md, "Messages from the client"). */
  #receive(connection: Connection, data: unknown): void {
    connection.alive = true;
    if (connection.closed) return;
    const context = this.#context;
    // Counted before anything is parsed: a flood costs a subtraction per frame, then the socket.
    if (!connection.bucket.take()) {
      drop(context, connection, CloseCode.ConnectionLimit, 'Too many messages');
      return;
    }
    const parsed = parseClientMessage(data, this.#options.maxPayload);
    if (connection.mode === Mode.Pending || connection.mode === Mode.Legacy) {
      if (parsed.ok && parsed.message.type === 'hello') {
        hello(context, connection, parsed.message).catch(() => drop(context, connection, CloseCode.InternalError, 'Internal error'));
      } else if (!parsed.ok && namesHello(data)) {
        drop(context, connection, CloseCode.ProtocolError, `Invalid hello: ${parsed.error.message}`.slice(0, 120));
      } else if (connection.mode === Mode.Pending) {
        // Anything else first: a legacy client that talks (the original server reads and ignores it).
        startLegacy(context, connection);
      }
      return;
    }
    if (connection.mode === Mode.Authorizing) return;
    if (!parsed.ok) {
      sendControl(context, connection, 'error', { code: 'bad_message', message: parsed.error.message });
      return;
    }
    const message = parsed.message;
    if (message.type === 'subscribe') {
      // parseClientMessage returns filters normalised; an unchanged filter is not compiled again.
      const filter = message.data.filter as NormalizedFilter;
      if (filterKey(filter, connection.audit) !== connection.filter.key) connection.filter = compileFilter(filter, connection.audit);
      sendControl(context, connection, 'subscribed', { filter: connection.filter.filter, at: connection.shown });
    } else if (message.type === 'alert') {
      receiveAlertCommand(context, connection, message);
    } else if (message.type === 'hello') {
      sendControl(context, connection, 'error', { code: 'bad_message', message: 'hello was already received' });
    }
  }
}

/** Whether a frame that failed to parse is a JSON object whose `type` is `"hello"` (an invalid hello, not a legacy client's chatter). */
function namesHello(data: unknown): boolean {
  let text: string;
  if (typeof data === 'string') text = data;
  else if (Buffer.isBuffer(data)) text = data.toString('utf8');
  else if (Array.isArray(data) && data.every((part) => Buffer.isBuffer(part))) text = Buffer.concat(data).toString('utf8');
  else if (data instanceof ArrayBuffer) text = Buffer.from(data).toString('utf8');
  else return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'hello';
  } catch {
    return false;
  }
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function rejectUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
