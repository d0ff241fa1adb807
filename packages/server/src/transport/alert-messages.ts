// Alerts on the stream: the state replayed in `welcome`, `alert` messages to extended clients when
// one changes, and the `alert` client message (acknowledge / silence) — allowed only to clients
// whose `authenticate` grant has the `alerts` permission, and recorded with the identity it gave.
import type { IncomingMessage } from 'node:http';
import { AlertAction, type AlertCommandMessage, type AlertInfo } from '@logwire/protocol';
import { type AuthGrant, grantsAudit } from '../security/authenticate.js';
import { type Connection, sendControl, type StreamContext } from './connection.js';
import { Mode } from './constants.js';
import { sameUser } from '../alerts/alerts.js';

/** What the endpoint needs of the alerts (`logwire.alerts` fits). */
export interface AlertControl {
  list(): AlertInfo[];
  acknowledge(name: string, user: unknown): boolean;
  silence(name: string, durationMs: number, user: unknown): boolean;
}

/** Who a client is and whether it may act on alerts, from its `authenticate` outcome. */
interface AlertGrant {
  user: unknown;
  alerts: boolean;
}

/** Grants by upgrade request: kept here so the connection's shape stays as it is. */
const grants = new WeakMap<IncomingMessage, AlertGrant>();

/** Remembers what `authenticate` answered for the request (called before the connection is accepted). */
export function rememberGrant(request: IncomingMessage, grant: AlertGrant): void {
  grants.set(request, grant);
}

/** Narrows the grant by what `authenticateHello` answered (it can only take the permission away, or name the user). */
export function narrowGrant(request: IncomingMessage, result: AuthGrant): void {
  const grant = grants.get(request) ?? { user: undefined, alerts: true };
  const alerts: unknown = result.alerts;
  const allowed = alerts === undefined ? grantsAudit(result) : alerts === true;
  grants.set(request, { user: result.user ?? grant.user, alerts: grant.alerts && allowed });
}

/** The client's grant; without an authenticate hook every client has every permission, as for the audit stream. */
function grantOf(context: StreamContext, connection: Connection): AlertGrant {
  return grants.get(connection.request) ?? { user: undefined, alerts: context.options.authenticate === undefined };
}

/**
 * The `alerts` and `alertActions` members of a `welcome`, when the endpoint serves alerts:
 * `alertActions` is the very check {@link receiveAlertCommand} applies, so a panel can disable
 * what would be refused.
 */
export function welcomeAlerts(context: StreamContext, connection: Connection): { alerts?: AlertInfo[]; alertActions?: boolean } {
  const control = context.options.alerts;
  return control === undefined ? {} : { alerts: control.list(), alertActions: grantOf(context, connection).alerts };
}

/** Acts on an `alert` message, or answers `error` (`forbidden`, `not_found`, `unavailable`). */
export function receiveAlertCommand(context: StreamContext, connection: Connection, message: AlertCommandMessage): void {
  const control = context.options.alerts;
  if (control === undefined) {
    sendControl(context, connection, 'error', { code: 'unavailable', message: 'this server has no alerts' });
    return;
  }
  const grant = grantOf(context, connection);
  if (!grant.alerts) {
    sendControl(context, connection, 'error', { code: 'forbidden', message: 'this client may not acknowledge or silence alerts' });
    return;
  }
  const { name, action, durationMs } = message.data;
  const known = action === AlertAction.Acknowledge ? control.list().find((alert) => alert.name === name) : undefined;
  if (known?.acknowledgedBy !== undefined && sameUser(known.acknowledgedBy, grant.user ?? null)) {
    // Acknowledged already by this user (e.g. a command sent again by a tab that took over the stream):
    // no second `alert_ack`, nothing changes and nothing is broadcast; this client is answered with the alert as it stands.
    sendControl(context, connection, 'alert', known);
    return;
  }
  const done =
    action === AlertAction.Acknowledge ? control.acknowledge(name, grant.user) : control.silence(name, durationMs ?? 0, grant.user);
  if (!done) sendControl(context, connection, 'error', { code: 'not_found', message: `no alert named ${JSON.stringify(name)}` });
}

/** Sends an alert's new state to every extended client. */
export function broadcastAlert(context: StreamContext, alert: AlertInfo): void {
  for (const connection of context.connections) {
    if (connection.mode === Mode.Extended) sendControl(context, connection, 'alert', alert);
  }
}
