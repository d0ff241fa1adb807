import {
  GapReason,
  type HelloMessage,
  type NormalizedFilter,
  normalizeFilter,
  parseId,
  PROTOCOL_VERSION,
  WelcomeMode,
} from '@logwire/protocol';
import { compileFilter } from '../hub/filter.js';
import { positionOf } from '../hub/position.js';
import { type AuthResult, grantsAudit } from '../security/authenticate.js';
import { visibleHead } from './audit-view.js';
import { replayOlder } from './backplane-replay.js';
import { pump } from './catch-up.js';
import { CloseCode, Mode } from './constants.js';
import { narrowGrant, welcomeAlerts } from './alert-messages.js';
import { type Connection, drop, sendBatch, sendControl, sendGap, type StreamContext } from './connection.js';
import { planReplay, planResume, type ReplayPlan } from './resume-plan.js';
import { extendedFrame, sendLatestCheckpoint } from './audit-chain.js';

// The extended protocol's handshake (docs/protocol.md, "hello", "welcome", "Resume"): check the
// version and the hello's token, send `welcome`, then carry out the resume plan.

/** The filter of a client that names none: everything it may receive. */
export const ALL_FILTER = (normalizeFilter(undefined) as Extract<ReturnType<typeof normalizeFilter>, { ok: true }>).filter;

/** Switches a connection to the extended protocol as its `hello` asks, or closes it (4000, 4001). */
export async function hello(context: StreamContext, connection: Connection, message: HelloMessage): Promise<void> {
  if (connection.helloTimer !== undefined) clearTimeout(connection.helloTimer);
  connection.helloTimer = undefined;
  const { data } = message;
  if (data.v !== PROTOCOL_VERSION) {
    drop(context, connection, CloseCode.ProtocolError, `Unsupported protocol version ${data.v}; this server speaks ${PROTOCOL_VERSION}`);
    return;
  }
  const check = context.options.authenticateHello;
  if (check !== undefined) {
    connection.mode = Mode.Authorizing;
    let result: AuthResult;
    try {
      result = await check(data.auth, connection.request);
    } catch {
      result = false;
    }
    if (connection.closed) return;
    if (result !== true && (typeof result !== 'object' || result === null)) {
      drop(context, connection, CloseCode.Unauthorized, 'Unauthorized');
      return;
    }
    if (typeof result === 'object' && !grantsAudit(result)) connection.audit = false;
    if (typeof result === 'object') narrowGrant(connection.request, result);
  }
  connection.mode = Mode.Extended;
  connection.filter = compileFilter((data.filter as NormalizedFilter | undefined) ?? ALL_FILTER, connection.audit);
  connection.live = false;
  await resume(context, connection, message);
}

/** Sends the welcome and starts the client where the plan says. */
async function resume(context: StreamContext, connection: Connection, message: HelloMessage): Promise<void> {
  const { hub, options } = context;
  const { audit } = connection;
  let welcomed = false;
  const welcome = (mode: WelcomeMode): void => {
    if (welcomed) return;
    welcomed = true;
    sendControl(context, connection, 'welcome', {
      v: PROTOCOL_VERSION,
      epoch: hub.epoch,
      head: visibleHead(hub, audit)?.id ?? null,
      mode,
      ping: options.pingInterval,
      audit,
      filter: connection.filter.filter,
      ...welcomeAlerts(context, connection),
    });
    sendLatestCheckpoint(context, connection);
  };
  const plan = planResume(hub, message.data, audit, options);
  connection.shown = message.data.cursor?.id ?? null;
  switch (plan.kind) {
    case 'fresh': {
      welcome(WelcomeMode.Fresh);
      const head = hub.delivered;
      const messages = plan.tail === 0 || head === undefined ? [] : hub.recent(plan.tail, connection.filter.accepts, head.position);
      sendBatch(
        context,
        connection,
        null,
        visibleHead(hub, audit)?.id ?? null,
        messages.map((m) => extendedFrame(context, m)),
        false,
      );
      connection.cursor = head;
      connection.live = true;
      return;
    }
    case 'epoch':
      welcome(WelcomeMode.Gap);
      sendGap(context, connection, plan.gap);
      connection.cursor = undefined;
      connection.catchUpReason = GapReason.Trimmed;
      pump(context, connection);
      return;
    case 'empty':
      welcome(WelcomeMode.Resumed);
      sendBatch(context, connection, connection.shown, null, [], false);
      connection.cursor = undefined;
      connection.live = true;
      return;
    case 'diverged':
      welcome(WelcomeMode.Gap);
      sendGap(context, connection, plan.gap);
      sendBatch(context, connection, null, visibleHead(hub, audit)?.id ?? null, [], false);
      connection.cursor = hub.delivered;
      connection.live = true;
      return;
    case 'older': {
      const older = await replayOlder(context, connection, plan.after.id, hub.epoch, welcome);
      if (older === null) return;
      if (older === undefined) {
        replay(context, connection, planReplay(hub, plan.after, connection.shown, audit, options.maxReplay), welcome);
        return;
      }
      const position = parseId(older) ?? plan.after.position;
      if (hub.delivered === undefined) {
        const at = audit ? older : connection.shown;
        sendBatch(context, connection, at, at, [], false);
        connection.cursor = positionOf(position);
        connection.live = true;
        return;
      }
      replay(context, connection, planReplay(hub, { id: older, position }, connection.shown, audit, options.maxReplay), welcome);
      return;
    }
    case 'replay':
      replay(context, connection, plan, welcome);
  }
}

/** Sends the plan's welcome and gaps, then catches the client up from history. */
function replay(context: StreamContext, connection: Connection, plan: ReplayPlan, welcome: (mode: WelcomeMode) => void): void {
  welcome(plan.mode);
  for (const gap of plan.gaps) sendGap(context, connection, gap);
  connection.cursor = plan.startAfter;
  connection.catchUpReason = GapReason.Trimmed;
  pump(context, connection);
}
