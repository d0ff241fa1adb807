import { compareIds, formatId } from '@logwire/protocol';
import type { StreamMessage } from '../hub/log-hub.js';
import { positionOf } from '../hub/position.js';
import { visibleGap, visibleHead } from './audit-view.js';
import { CloseCode, DRAIN_POLL_MS, Mode } from './constants.js';
import { clearStall, type Connection, drop, safely, sendBatch, sendEncoded, sendGap, type StreamContext } from './connection.js';
import { extendedFrame } from './audit-chain.js';

// Paced catch-up of extended clients (docs/protocol.md, "Slow consumers"): a client that is not
// live is sent the history after its cursor one page at a time, each page once the previous one
// has been written and the socket's unsent bytes are below `lowWaterMark`; a socket that makes no
// write progress for `stallTimeout` is closed with 4008. The water marks that take a client off
// the live path are checked in broadcast.ts.

/** Sends replay pages from history until the connection reaches the hub's delivered head, then makes it live. */
export function pump(context: StreamContext, connection: Connection): void {
  if (connection.closed || connection.pumping || connection.mode !== Mode.Extended) return;
  const { ws } = connection;
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount >= context.options.lowWaterMark) {
    waitForDrain(context, connection);
    return;
  }
  const { hub } = context;
  const { audit } = connection;
  const head = hub.delivered;
  const cursorPosition = connection.cursor?.position;
  if (head === undefined || (cursorPosition !== undefined && compareIds(cursorPosition, head.position) >= 0)) {
    // Caught up: one batch without `replay` tells the client it is live.
    sendBatch(context, connection, connection.shown, visibleHead(hub, audit)?.id ?? null, [], false);
    connection.live = true;
    clearStall(connection);
    return;
  }
  const missing = hub.missingAfter(cursorPosition, connection.cursor?.ordinal, audit);
  if (missing !== undefined) {
    const to = missing.to === undefined ? null : formatId(missing.to);
    const count = missing.count === undefined ? {} : { count: missing.count };
    sendGap(context, connection, { from: connection.shown, to, reason: connection.catchUpReason, ...count, epoch: hub.epoch });
    connection.cursor = missing.to === undefined ? undefined : positionOf(missing.to);
  }
  // A backplane gap ahead: report it when the cursor reaches it, and end the page there.
  const at = connection.cursor;
  let held = hub.gapFrom(at?.position);
  if (held !== undefined && at !== undefined && compareIds(held.at, at.position) === 0) {
    if (held.gap.from === at.id) {
      sendGap(context, connection, visibleGap(held.gap, audit, connection.shown));
      // The next batch says it starts at the gap's `to`; the history continues after `resume`.
      connection.cursor = held.gap.to === null ? undefined : { id: held.gap.to, position: held.resume };
    }
    held = hub.gapFrom(held.resume, true);
  }
  const upTo = held !== undefined && compareIds(held.at, head.position) < 0 ? held.at : head.position;
  const after = connection.cursor;
  const last = hub.pageEnd(after?.position, context.options.replayPage, upTo);
  if (last === undefined) {
    // Nothing held after the cursor (history emptied under us): continue from the head.
    sendBatch(context, connection, connection.shown, visibleHead(hub, audit)?.id ?? null, [], false);
    connection.cursor = head;
    connection.live = true;
    return;
  }
  const done = compareIds(last.position, head.position) >= 0;
  // Encoded once for every reader at this place with this filter (replay-pages.ts); audit events
  // carry their chain fields, as on the live path (audit-chain.ts).
  const frame = (message: StreamMessage): string => extendedFrame(context, message);
  const page = context.pages.page(hub, { filter: connection.filter, from: connection.shown, after, last, done, frame });
  connection.cursor = page.last;
  if (done) {
    sendEncoded(context, connection, page.to, page.bytes as Buffer);
    connection.live = true;
    clearStall(connection);
    return;
  }
  connection.pumping = true;
  if (page.bytes === undefined) {
    // A page of audit messages for a client that may not know they exist: say nothing, read on.
    setImmediate(() => {
      connection.pumping = false;
      safely(context, connection, () => pump(context, connection));
    });
    return;
  }
  armStall(context, connection);
  sendEncoded(context, connection, page.to, page.bytes, () => {
    connection.pumping = false;
    progress(context, connection);
    safely(context, connection, () => pump(context, connection));
  });
}

/** Takes a connection off the pump until its socket drains (or a poll finds fewer unsent bytes), then pumps again. */
export function waitForDrain(context: StreamContext, connection: Connection): void {
  if (connection.pumping) return;
  connection.pumping = true;
  armStall(context, connection);
  const resume = (drained: boolean): void => {
    connection.socket?.off('drain', onDrain);
    clearTimeout(poll);
    connection.pumping = false;
    if (drained) progress(context, connection);
    safely(context, connection, () => pump(context, connection));
  };
  const onDrain = (): void => resume(true);
  // 'drain' fires once the socket's buffer empties; the poll covers bytes queued inside ws.
  connection.socket?.once('drain', onDrain);
  const poll = setTimeout(() => resume(false), DRAIN_POLL_MS);
}

/** Starts the stall clock unless it runs already: no write progress until it fires → 4008. */
export function armStall(context: StreamContext, connection: Connection): void {
  if (connection.stallTimer !== undefined || connection.closed) return;
  connection.stallTimer = setTimeout(() => {
    if (connection.closed) return;
    drop(context, connection, CloseCode.SlowConsumer, 'Too far behind; reconnect to resume');
  }, context.options.stallTimeout);
}

/** The socket wrote something: the stall clock starts again. */
function progress(context: StreamContext, connection: Connection): void {
  clearStall(connection);
  armStall(context, connection);
}
