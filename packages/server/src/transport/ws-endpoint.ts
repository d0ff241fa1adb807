import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { createServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_WS_PATH, WS_PATH_ALIASES } from '@logwire/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import type { LogHub, StreamMessage } from '../hub/log-hub.js';
import { compareIds, type StreamId } from '@logwire/protocol';

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
  /** History sent to a client on connect: the newest N of each type. @default 100 */
  replayPerType?: number;
  /** A client whose unsent bytes exceed this is closed with 4008 and may resume. @default 8 MiB */
  maxBufferedBytes?: number;
}

/** WebSocket close codes used by the endpoint. */
export const CloseCode = {
  /** Policy violation: the connection cap was reached. */
  ConnectionLimit: 1008,
  /** An inbound frame was larger than `maxPayload` (sent by `ws`). */
  MessageTooBig: 1009,
  /** The server is shutting down; reconnect later. */
  GoingAway: 1001,
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
} as const;

interface Connection {
  ws: WebSocket;
  /** Highest id already sent on this connection; live batches skip what replay covered. */
  sentUpTo: StreamId | undefined;
}

/**
 * Serves a hub's messages over WebSocket. Clients that never send anything (like the seeds'
 * frontend) get the recent history, then every live message, one `{type, id, data}` per frame.
 */
export class LogStreamEndpoint {
  readonly #hub: LogHub;
  readonly #options: Required<LogStreamEndpointOptions>;
  readonly #paths: Set<string>;
  readonly #wss: WebSocketServer;
  readonly #connections = new Set<Connection>();
  readonly #detach: (() => void)[] = [];
  #ownServer: HttpServer | undefined;
  #closed = false;

  constructor(hub: LogHub, options: LogStreamEndpointOptions = {}) {
    this.#hub = hub;
    this.#options = { ...DEFAULTS, ...options };
    const { path, aliases, maxConnections, maxPayload } = this.#options;
    if (!path.startsWith('/')) throw new TypeError(`path must start with "/", got "${path}"`);
    if (!Number.isSafeInteger(maxConnections) || maxConnections < 1) throw new TypeError(`maxConnections must be a positive integer, got ${maxConnections}`);
    if (!Number.isSafeInteger(maxPayload) || maxPayload < 1) throw new TypeError(`maxPayload must be a positive integer, got ${maxPayload}`);
    this.#paths = new Set([path, ...aliases]);
    this.#wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false });
    this.#detach.push(hub.on((batch) => this.#broadcast(batch)));
  }

  /** Number of open client connections. */
  get clientCount(): number {
    return this.#connections.size;
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
    this.#wss.handleUpgrade(request, socket, head, (ws) => this.#accept(ws));
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
    for (const connection of this.#connections) connection.ws.close(CloseCode.GoingAway, 'Server shutting down');
    this.#connections.clear();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    const server = this.#ownServer;
    if (server !== undefined) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }

  #accept(ws: WebSocket): void {
    ws.on('error', () => ws.terminate());
    if (this.#connections.size >= this.#options.maxConnections) {
      ws.close(CloseCode.ConnectionLimit, 'Connection limit reached');
      return;
    }
    // Deliver what was logged but not yet flushed through the live path, so replay and live
    // agree on where one ends and the other begins.
    this.#hub.flush();
    const connection: Connection = { ws, sentUpTo: undefined };
    this.#connections.add(connection);
    ws.on('close', () => this.#connections.delete(connection));
    // Inbound frames are ignored in the seeds' protocol; reading them keeps the socket flowing.
    ws.on('message', () => undefined);
    const replay = this.#hub.recent(this.#options.replayPerType);
    if (replay.length > 0) {
      this.#send(connection, replay.map((message) => Buffer.from(message.frame)));
      connection.sentUpTo = (replay[replay.length - 1] as StreamMessage).position;
    }
  }

  #broadcast(batch: readonly StreamMessage[]): void {
    if (this.#connections.size === 0) return;
    // Encode each frame once per batch; every socket gets the same bytes (ws would otherwise
    // re-encode a string for every send).
    const frames = batch.map((message) => Buffer.from(message.frame));
    const first = (batch[0] as StreamMessage).position;
    for (const connection of [...this.#connections]) {
      let slice = frames;
      if (connection.sentUpTo !== undefined && compareIds(connection.sentUpTo, first) >= 0) {
        const upTo = connection.sentUpTo;
        slice = frames.filter((_frame, index) => compareIds((batch[index] as StreamMessage).position, upTo) > 0);
        connection.sentUpTo = undefined;
      }
      if (slice.length > 0) this.#send(connection, slice);
    }
  }

  #send(connection: Connection, frames: readonly Buffer[]): void {
    const { ws } = connection;
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > this.#options.maxBufferedBytes) {
      this.#connections.delete(connection);
      ws.close(CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
      return;
    }
    // One JSON object per frame, as the seeds' clients expect; corking the socket for the batch
    // turns many small writes into one.
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    socket?.cork();
    try {
      for (const frame of frames) ws.send(frame, { binary: false });
    } catch {
      // A socket that fails mid-send is dropped; the others are unaffected.
      this.#connections.delete(connection);
      ws.terminate();
    } finally {
      socket?.uncork();
    }
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
