import { pingFrame } from '@logwire/protocol';
import { Mode } from './constants.js';
import { forget, sendRaw, type StreamContext } from './connection.js';

// Keep-alives (docs/protocol.md, "Heartbeats"): WebSocket protocol pings to every client, which
// terminate a peer that missed the previous pong, and app-level `ping` frames to extended clients.

/** Sends a protocol ping to every client and terminates those that did not answer the previous one. */
export function heartbeat(context: StreamContext): void {
  for (const connection of context.connections) {
    if (!connection.alive) {
      forget(connection);
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

/** Sends the app-level `ping` to every extended client. */
export function ping(context: StreamContext): void {
  const bytes = Buffer.from(pingFrame(Date.now()));
  for (const connection of context.connections) {
    if (connection.mode === Mode.Extended) sendRaw(context, connection, bytes);
  }
}
