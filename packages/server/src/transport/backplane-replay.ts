import { GapReason, parseId, type WelcomeMode, WelcomeMode as Modes } from '@logwire/protocol';
import type { HistoryPage } from '../hub/backplane.js';
import { visibleEnd, visibleGap } from './audit-view.js';
import { armStall } from './catch-up.js';
import { CloseCode } from './constants.js';
import { clearStall, type Connection, drop, sendBatch, sendGap, type StreamContext } from './connection.js';
import { extendedFrame } from './audit-chain.js';

// Resuming from a cursor older than this node's history: with a backplane (docs/scaling.md) the
// shared stream may still hold it, so it is replayed from there, page by page, each page once the
// previous one has been written, until the pages reach the history this node holds.

/**
 * Replays from the hub's backplane what a resuming client missed before the oldest message this
 * node holds, starting after `cursorId` of `epoch`; calls `welcome` before the first frame. Returns
 * the id replayed up to, `undefined` when there is no backplane history to ask (nothing sent), or
 * `null` when the connection is gone or was closed here.
 */
export async function replayOlder(
  context: StreamContext,
  connection: Connection,
  cursorId: string,
  epoch: string,
  welcome: (mode: WelcomeMode) => void,
): Promise<string | null | undefined> {
  const { hub } = context;
  const { audit } = connection;
  let after = cursorId;
  for (let first = true; ; first = false) {
    const request = hub.olderHistory(after, epoch, context.options.replayPage);
    if (request === undefined) return first ? undefined : after;
    let page: HistoryPage;
    try {
      page = await request;
    } catch {
      // The backplane is unreachable: serve what this node holds (the gap says what is missing).
      return first ? undefined : after;
    }
    if (connection.closed) return null;
    if (hub.epoch !== epoch || page.gap?.reason === GapReason.Epoch) {
      // The stream restarted meanwhile: a fresh hello sorts out the epoch.
      drop(context, connection, CloseCode.StreamRestarted, 'The stream restarted; reconnect to resume');
      return null;
    }
    welcome(page.gap === undefined ? Modes.Resumed : Modes.Gap);
    if (page.gap !== undefined) {
      sendGap(context, connection, visibleGap(page.gap, audit, connection.shown));
      if (page.gap.to !== null) after = page.gap.to;
    }
    const last = page.messages[page.messages.length - 1];
    if (last !== undefined) after = last.id;
    const from = connection.shown;
    const to = audit ? after : (visibleEnd(page.messages, false) ?? from);
    const frames: string[] = [];
    const { filter } = connection;
    for (const message of page.messages) if (filter.all || filter.accepts(message)) frames.push(extendedFrame(context, message));
    if (from !== to || frames.length > 0) {
      armStall(context, connection);
      const written = await new Promise<boolean>((resolve) => {
        const onClose = (): void => resolve(false);
        connection.ws.once('close', onClose);
        sendBatch(context, connection, from, to, frames, true, () => {
          connection.ws.off('close', onClose);
          resolve(true);
        });
      });
      clearStall(connection);
      if (!written || connection.closed) return null;
    }
    const position = parseId(after);
    if (page.done || position === undefined || hub.missingAfter(position) === undefined) return after;
  }
}
