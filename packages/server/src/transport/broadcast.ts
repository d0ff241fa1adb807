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
  const groups = groupLive(context.connections);
  if (groups.legacy !== undefined) broadcastLegacy(context, batch, groups.legacy.values());
  if (groups.first === undefined) return;
  const last = batch[batch.length - 1] as StreamMessage;
  sendGroup(context, groups.first, batch, previous, previousSystem, last);
  if (groups.extended === undefined) return;
  for (const group of groups.extended.values()) {
    if (group !== groups.first) sendGroup(context, group, batch, previous, previousSystem, last);
  }
}

/**
 * The live connections by filter key. Most clients share one filter, so the first extended group
 * is kept aside and the map is only made once a second key turns up (filter keys are interned, see
 * filter.ts, so comparing them is comparing pointers).
 */
function groupLive(connections: Iterable<Connection>): {
  first: Connection[] | undefined;
  extended: Map<string, Connection[]> | undefined;
  legacy: Map<string, Connection[]> | undefined;
} {
  let first: Connection[] | undefined;
  let firstKey = '';
  let extended: Map<string, Connection[]> | undefined;
  let legacy: Map<string, Connection[]> | undefined;
  for (const connection of connections) {
    if (connection.closed) continue;
    const key = connection.filter.key;
    if (connection.mode === Mode.Legacy) push((legacy ??= new Map<string, Connection[]>()), key, connection);
    else if (connection.mode !== Mode.Extended || !connection.live) continue;
    else if (first === undefined) {
      first = [connection];
      firstKey = key;
    } else if (key === firstKey) first.push(connection);
    else push((extended ??= new Map([[firstKey, first]])), key, connection);
  }
  return { first, extended, legacy };
}

/** Filters and encodes the batch once for a group of connections with one filter, and sends it to each. */
function sendGroup(
  context: StreamContext,
  group: readonly Connection[],
  batch: readonly StreamMessage[],
  previous: Position | undefined,
  previousSystem: Position | undefined,
  last: StreamMessage,
): void {
  const { filter } = group[0] as Connection;
  // Without audit permission a range runs between `system_log` ids (audit-view.ts).
  const from = filter.audit ? (previous?.id ?? null) : (previousSystem?.id ?? null);
  const to = filter.audit ? last.id : visibleEnd(batch, false);
  let bytes: Buffer | undefined;
  if (to !== undefined) {
    const frames: string[] = [];
    for (const message of batch) if (filter.all || filter.accepts(message)) frames.push(extendedFrame(context, message));
    bytes = Buffer.from(batchFrame(context.hub.epoch, from, to, frames, false));
  }
  for (const connection of group) sendLive(context, connection, previous, last, to ?? connection.shown, bytes);
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
  // The cursor is usually the very object the hub hands back as `previous`: no ids to compare.
  if (connection.cursor !== previous && (connection.cursor?.id ?? null) !== (previous?.id ?? null)) {
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
