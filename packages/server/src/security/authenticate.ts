import type { IncomingMessage } from 'node:http';

/**
 * What an `authenticate` hook answers for a request: `false` refuses it (401), `true` admits it
 * with every permission, an object admits it with the permissions it lists.
 */
export type AuthResult = boolean | AuthGrant;

/** Permissions of an admitted client. */
export interface AuthGrant {
  /** May receive `audit_log` messages (and query the audit trail). @default true */
  audit?: boolean;
  /**
   * May acknowledge and silence alerts over the stream (recorded as `alert_ack` / `alert_silence`
   * audit events with `user`). @default the `audit` permission
   */
  alerts?: boolean;
  /** Anything the app wants to remember about the client (a user id, a role). */
  user?: unknown;
  /**
   * Who the client is, for the per-principal connection cap (`maxConnectionsPerPrincipal`): a user
   * or API-key id. @default `user` when it is a string or a number, else none (only the per-address
   * and total caps apply)
   */
  principal?: string;
}

/**
 * Decides who may connect to the log stream and query the log files. It sees the HTTP request
 * (headers, cookies, and the `Sec-WebSocket-Protocol` header where browsers can carry a token);
 * the same hook guards the WebSocket upgrade and the HTTP query API.
 */
export type Authenticate = (request: IncomingMessage) => AuthResult | Promise<AuthResult>;

/** The outcome of running a hook: admitted with permissions, or refused with an HTTP status. */
export type AuthOutcome =
  | { ok: true; audit: boolean; alerts: boolean; user: unknown; principal: string | undefined }
  | { ok: false; status: 401 }
  | { ok: false; status: 500; error: unknown };

/** Runs `hook` (or admits everyone when there is none); a hook that throws refuses with 500 and carries what it threw. */
export async function runAuthenticate(hook: Authenticate | undefined, request: IncomingMessage): Promise<AuthOutcome> {
  if (hook === undefined) return { ok: true, audit: true, alerts: true, user: undefined, principal: undefined };
  let result: AuthResult;
  try {
    result = await hook(request);
  } catch (error) {
    return { ok: false, status: 500, error };
  }
  if (result === true) return { ok: true, audit: true, alerts: true, user: undefined, principal: undefined };
  if (result === false || result === null || typeof result !== 'object') return { ok: false, status: 401 };
  const audit = grantsAudit(result);
  const alerts: unknown = result.alerts;
  return { ok: true, audit, alerts: alerts === undefined ? audit : alerts === true, user: result.user, principal: principalOf(result) };
}

/**
 * Whether a grant allows `audit_log`: only when `audit` is left out or exactly `true`. A hook in
 * JavaScript may answer anything; any other value (`false`, `0`, `'yes'`) withholds it.
 */
export function grantsAudit(grant: AuthGrant): boolean {
  const audit: unknown = grant.audit;
  return audit === undefined || audit === true;
}

/** The identity a grant names for the per-principal cap: `principal`, else a string or numeric `user`. */
function principalOf(grant: AuthGrant): string | undefined {
  if (typeof grant.principal === 'string') return grant.principal;
  const { user } = grant;
  return typeof user === 'string' || (typeof user === 'number' && Number.isFinite(user)) ? String(user) : undefined;
}

/** Subprotocol a logwire client offers (and the server echoes) when it sends a token in `Sec-WebSocket-Protocol`. */
export const LOGWIRE_SUBPROTOCOL = 'logwire.v1';

/** Prefix of the subprotocol that carries a token: `logwire.bearer.<base64url(token)>`. */
export const BEARER_SUBPROTOCOL_PREFIX = 'logwire.bearer.';

/**
 * The bearer token of a request, for use inside an `authenticate` hook: from an
 * `Authorization: Bearer …` header (Node clients), or from a `logwire.bearer.<base64url(token)>`
 * entry of `Sec-WebSocket-Protocol` (browsers, which cannot set headers). Never from the URL.
 */
export function bearerToken(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string' && /^bearer /i.test(header)) return header.slice(7).trim() || undefined;
  const protocols = request.headers['sec-websocket-protocol'];
  if (typeof protocols !== 'string') return undefined;
  for (const raw of protocols.split(',')) {
    const protocol = raw.trim();
    if (!protocol.startsWith(BEARER_SUBPROTOCOL_PREFIX)) continue;
    const encoded = protocol.slice(BEARER_SUBPROTOCOL_PREFIX.length);
    if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
    return Buffer.from(encoded, 'base64url').toString('utf8');
  }
  return undefined;
}
