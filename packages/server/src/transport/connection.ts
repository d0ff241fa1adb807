import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { batchFrame, type EpochGap, gapFrame, GapReason } from '@logwire/protocol';
import type { WebSocket } from 'ws';
import type { CompiledFilter } from '../hub/filter.js';
import type { LogHub } from '../hub/log-hub.js';
import type { Position } from '../hub/position.js';
import type { TokenBucket } from '../security/rate-limit.js';
import { CLOSE_GRACE_MS, CloseCode, type Mode } from './constants.js';
import type { ResolvedOptions } from './options.js';
import type { ReplayPages } from './replay-pages.js';
import { bump, type StreamCounters } from './stream-counters.js';

/** One client socket and where it stands in the stream. */
export interface Connection {
  ws: WebSocket;
  socket: Socket | undefined;
  request: IncomingMessage;
  mode: Mode;
  /** May this client receive audit_log at all (from `authenticate`, narrowed by `authenticateHello`). */
  audit: boolean;
  filter: CompiledFilter;
  /** Inbound messages allowed (`messageRate`, `messageBurst`). */
  bucket: TokenBucket;
  /** Gives the connection's place under the connection caps back; called once. */
  release: () => void;
  /** Legacy: highest position already sent by the replay; live batches skip up to it. */
  sentUpTo: Position | undefined;
  /** Extended: the last position scanned (sent or filtered out); `undefined` = before the oldest message of the epoch. */
  cursor: Position | undefined;
  /**
   * Extended: the id the client was last told it covers (the `to` of the last batch or gap), which
   * the next batch starts `from`. Equal to the cursor's id for a client with audit permission; for
   * one without, the newest `system_log` scanned (audit ids never reach it, see audit-view.ts).
   */
  shown: string | null;
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

/** What the endpoint's phases share: the hub, the options, the open connections and the encoded replay pages. */
export interface StreamContext {
  readonly hub: LogHub;
  readonly options: ResolvedOptions;
  readonly connections: Set<Connection>;
  readonly pages: ReplayPages;
  /** Totals for the metrics (stream-counters.ts); absent where nothing reads them. */
  readonly counters?: StreamCounters;
}

/** A connection in its initial state (pending: no hello yet). */
export function newConnection(
  fields: Pick<Connection, 'ws' | 'socket' | 'request' | 'mode' | 'audit' | 'filter' | 'bucket' | 'release'>,
): Connection {
  return {
    ...fields,
    sentUpTo: undefined,
    cursor: undefined,
    shown: null,
    live: false,
    pumping: false,
    catchUpReason: GapReason.Trimmed,
    alive: true,
    helloTimer: undefined,
    stallTimer: undefined,
    closed: false,
  };
}

/** `ws.send` options of every frame: text (browsers receive binary frames as slow Blobs), one shared object. */
export const TEXT_FRAME = { binary: false } as const;

/** Sends bytes as one text frame, unless the client is too far behind (→ 4008); `callback` runs once written. */
export function sendRaw(context: StreamContext, connection: Connection, bytes: Buffer, callback?: () => void): void {
  const { ws } = connection;
  if (connection.closed || ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > context.options.maxBufferedBytes) {
    drop(context, connection, CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
    return;
  }
  if (context.counters !== undefined) context.counters.bytesSent += bytes.length;
  try {
    ws.send(bytes, TEXT_FRAME, callback === undefined ? undefined : (error) => (error ? undefined : callback()));
  } catch {
    forget(connection);
    ws.terminate();
  }
}

/** Sends a control frame `{type, data}` (welcome, subscribed, error). */
export function sendControl(context: StreamContext, connection: Connection, type: string, data: unknown): void {
  sendRaw(context, connection, Buffer.from(JSON.stringify({ type, data })));
}

/** Sends a batch covering `(from, to]`; the client now stands at `to`. */
export function sendBatch(
  context: StreamContext,
  connection: Connection,
  from: string | null,
  to: string | null,
  frames: readonly string[],
  replay: boolean,
  callback?: () => void,
): void {
  connection.shown = to;
  sendRaw(context, connection, Buffer.from(batchFrame(context.hub.epoch, from, to, frames, replay)), callback);
}

/** Sends an already encoded batch (shared with other clients) that ends at `to`; the client now stands there. */
export function sendEncoded(context: StreamContext, connection: Connection, to: string | null, bytes: Buffer, callback?: () => void): void {
  connection.shown = to;
  sendRaw(context, connection, bytes, callback);
}

/** Sends a gap; the next batch starts from its `to`. */
export function sendGap(context: StreamContext, connection: Connection, gap: EpochGap): void {
  connection.shown = gap.to;
  if (context.counters !== undefined) bump(context.counters.gaps, gap.reason);
  sendRaw(context, connection, Buffer.from(gapFrame(gap)));
}

/** Runs `work` from a timer or socket callback; a failure drops that one client, never the process. */
export function safely(context: StreamContext, connection: Connection, work: () => void): void {
  try {
    work();
  } catch {
    drop(context, connection, CloseCode.InternalError, 'Internal error');
  }
}

/** Closes a connection with `code` and forgets it; a peer that does not complete the close handshake is terminated. */
export function drop(context: StreamContext, connection: Connection, code: number, reason: string): void {
  if (context.counters !== undefined && !connection.closed) bump(context.counters.dropped, code);
  forget(connection);
  context.connections.delete(connection);
  try {
    connection.ws.close(code, reason);
  } catch {
    connection.ws.terminate();
  }
  setTimeout(() => connection.ws.terminate(), CLOSE_GRACE_MS).unref();
}

/** Marks a connection closed: its timers stop and its place under the caps is released. */
export function forget(connection: Connection): void {
  connection.closed = true;
  connection.release();
  if (connection.helloTimer !== undefined) clearTimeout(connection.helloTimer);
  connection.helloTimer = undefined;
  clearStall(connection);
}

/** Stops the stall clock of a catching-up connection. */
export function clearStall(connection: Connection): void {
  if (connection.stallTimer !== undefined) clearTimeout(connection.stallTimer);
  connection.stallTimer = undefined;
}
