import { compareIds } from '@logwire/protocol';
import type { StreamMessage } from '../hub/log-hub.js';
import { CloseCode, Mode } from './constants.js';
import { type Connection, drop, forget, type StreamContext } from './connection.js';

// The legacy mode (docs/protocol.md, "Legacy mode"): a client that never sends a `hello` gets the
// recent history, then every live message, one `{type, id, data}` per frame and nothing else.

/** Serves a connection in legacy mode: the newest `replayPerType` messages of each type, then live frames. */
export function startLegacy(context: StreamContext, connection: Connection): void {
  if (connection.helloTimer !== undefined) clearTimeout(connection.helloTimer);
  connection.helloTimer = undefined;
  connection.mode = Mode.Legacy;
  const { hub } = context;
  // Deliver what was logged but not yet flushed through the live path, so replay and live agree
  // on where one ends and the other begins.
  hub.flush();
  const { filter } = connection;
  const replay = hub.recent(context.options.replayPerType, filter.all ? undefined : filter.accepts);
  if (replay.length > 0) {
    sendFrames(
      context,
      connection,
      replay.map((message) => Buffer.from(message.frame)),
    );
    connection.sentUpTo = replay[replay.length - 1];
  }
}

/** Sends one live batch to legacy connections, grouped by filter: each group's frames are encoded once. */
export function broadcastLegacy(context: StreamContext, batch: readonly StreamMessage[], groups: Iterable<Connection[]>): void {
  const first = (batch[0] as StreamMessage).position;
  let allFrames: Buffer[] | undefined;
  for (const group of groups) {
    const { filter } = group[0] as Connection;
    const accepted = filter.all ? batch : batch.filter(filter.accepts);
    const frames = filter.all ? (allFrames ??= batch.map(toBuffer)) : accepted.map(toBuffer);
    for (const connection of group) {
      let slice = frames;
      const upTo = connection.sentUpTo?.position;
      // The replay already sent part of this batch (it was logged before the client came).
      if (upTo !== undefined && compareIds(upTo, first) >= 0) {
        slice = frames.filter((_frame, index) => compareIds((accepted[index] as StreamMessage).position, upTo) > 0);
      }
      connection.sentUpTo = undefined;
      if (slice.length > 0) sendFrames(context, connection, slice);
    }
  }
}

/**
 * Sends frames one per WebSocket message, as the original clients expect; corking the socket turns
 * many small writes into one. A client too far behind is closed with 4008 (it cannot be told of gaps).
 */
function sendFrames(context: StreamContext, connection: Connection, frames: readonly Buffer[]): void {
  const { ws } = connection;
  if (connection.closed || ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > context.options.maxBufferedBytes) {
    drop(context, connection, CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
    return;
  }
  const { socket } = connection;
  socket?.cork();
  try {
    for (const frame of frames) {
      if (context.counters !== undefined) context.counters.bytesSent += frame.length;
      ws.send(frame, { binary: false });
    }
  } catch {
    // A socket that fails mid-send is dropped; the others are unaffected.
    forget(connection);
    ws.terminate();
  } finally {
    socket?.uncork();
  }
}

function toBuffer(message: StreamMessage): Buffer {
  return Buffer.from(message.frame);
}
