import { batchFrame, GapReason } from '@logwire/protocol';
import type { HubGap } from '../hub/backplane.js';
import type { StreamMessage } from '../hub/log-hub.js';
import { type Position, parsePosition } from '../hub/position.js';
import { visibleEnd, visibleGap } from './audit-view.js';
import { pump, waitForDrain } from './catch-up.js';
import { CloseCode, Mode } from './constants.js';
import { type Connection, drop, forget, sendGap, type StreamContext, TEXT_FRAME } from './connection.js';
import { broadcastLegacy } from './legacy.js';
import { extendedFrame } from './audit-chain.js';

// The live path: every batch the hub delivers (the messages of one event-loop turn) goes to every
// live client. Clients are grouped by filter; each group's batch is filtered and encoded once and
// every socket in it gets the same bytes (ws would otherwise re-encode a string for every send).
// A client above `highWaterMark` unsent bytes leaves the live path and is caught up (catch-up.ts).

/** Hands one hub batch to every live connection: legacy frames, and one encoded batch per extended filter group. */
export function broadcast(
  context: StreamContext,
  batch: readonly StreamMessage[],
  previous: Position | undefined,
  previousSystem: Position | undefined,
): void {
  if (context.connections.size === 0 || batch.length === 0) return;
  const legacyGroups = new Map<string, Connection[]>();
  const extendedGroups = new Map<string, Connection[]>();
  for (const connection of context.connections) {
    if (connection.closed) continue;
    if (connection.mode === Mode.Legacy) push(legacyGroups, connection.filter.key, connection);
    else if (connection.mode === Mode.Extended && connection.live) push(extendedGroups, connection.filter.key, connection);
  }
  if (legacyGroups.size > 0) broadcastLegacy(context, batch, legacyGroups.values());
  if (extendedGroups.size === 0) return;
  const last = batch[batch.length - 1] as StreamMessage;
  const ranges = {
    audit: { from: previous?.id ?? null, to: last.id as string | undefined },
    // Without audit permission a range runs between `system_log` ids (audit-view.ts).
    system: { from: previousSystem?.id ?? null, to: visibleEnd(batch, false) },
  };
  for (const group of extendedGroups.values()) {
    const { filter } = group[0] as Connection;
    const range = filter.audit ? ranges.audit : ranges.system;
    let bytes: Buffer | undefined;
    if (range.to !== undefined) {
      const frames: string[] = [];
      for (const message of batch) if (filter.all || filter.accepts(message)) frames.push(extendedFrame(context, message));
      bytes = Buffer.from(batchFrame(context.hub.epoch, range.from, range.to, frames, false));
    }
    for (const connection of group) sendLive(context, connection, previous, last, range.to ?? connection.shown, bytes);
  }
}

/** Sends one live batch (`bytes`, or nothing when it holds nothing the client may know of) and moves the client to its end. */
function sendLive(
  context: StreamContext,
  connection: Connection,
  previous: Position | undefined,
  last: StreamMessage,
  shown: string | null,
  bytes: Buffer | undefined,
): void {
  const { ws } = connection;
  if (ws.readyState !== ws.OPEN) return;
  if ((connection.cursor?.id ?? null) !== (previous?.id ?? null)) {
    // Not contiguous with this batch (should not happen): catch it up from history instead.
    connection.live = false;
    connection.catchUpReason = GapReason.Dropped;
    pump(context, connection);
    return;
  }
  if (bytes === undefined) {
    connection.cursor = last;
    return;
  }
  const buffered = ws.bufferedAmount;
  if (buffered > context.options.highWaterMark) {
    // Slow consumer: stop live pushes; it is caught up from history as its socket drains.
    connection.live = false;
    connection.catchUpReason = GapReason.Dropped;
    waitForDrain(context, connection);
    return;
  }
  if (buffered > context.options.maxBufferedBytes) {
    // Only with a high-water mark set above the hard cap (sendRaw's rule, checked here once).
    drop(context, connection, CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
    return;
  }
  try {
    ws.send(bytes, TEXT_FRAME);
  } catch {
    forget(connection);
    ws.terminate();
    return;
  }
  connection.cursor = last;
  connection.shown = shown;
}

/** A backplane gap: clients following live hear it where it happened; an epoch change makes them reconnect. */
export function forwardHubGap(context: StreamContext, gap: HubGap): void {
  for (const connection of context.connections) {
    if (connection.closed || connection.mode !== Mode.Extended) continue;
    if (gap.reason === GapReason.Epoch) {
      // Ids of the new epoch are not comparable to the client's cursor; its resume gets the epoch gap.
      drop(context, connection, CloseCode.StreamRestarted, 'The stream restarted; reconnect to resume');
      continue;
    }
    if (!connection.live || (connection.cursor?.id ?? null) !== gap.from) continue;
    sendGap(context, connection, visibleGap(gap, connection.audit, connection.shown));
    connection.cursor = gap.to === null ? undefined : parsePosition(gap.to);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
