import type { IncomingMessage } from 'node:http';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { Authenticate, AuthResult } from '../security/authenticate.js';
import type { OriginPolicy } from '../security/origin.js';
import type { AuditChainSource } from './audit-chain.js';
import type { AlertControl } from './alert-messages.js';
import { DEFAULTS } from './constants.js';

/** Options of `LogStreamEndpoint`. An option given as `undefined` takes its default. */
export interface LogStreamEndpointOptions {
  /** Path of the endpoint. @default '/ws/logs' */
  path?: string;
  /** Further paths served the same way. @default ['/ws/monitor'] */
  aliases?: readonly string[];
  /** Open connections allowed in all; further clients are closed with 1008. The last line behind the caps below. @default 100 */
  maxConnections?: number;
  /**
   * Open connections allowed from one remote address (see `clientAddress`); further ones are closed
   * with 1008. Behind a reverse proxy every client has the proxy's address: raise this to
   * `maxConnections`, or read the client's address from a header the proxy sets. @default 32
   */
  maxConnectionsPerAddress?: number;
  /**
   * Open connections allowed for one principal (the `principal` an `authenticate` hook returns, or
   * its `user` when that is a string or a number); further ones are closed with 1008. @default 16
   */
  maxConnectionsPerPrincipal?: number;
  /**
   * The remote address a connection counts against for `maxConnectionsPerAddress`. Read a
   * forwarding header only when a proxy you trust sets it: clients can send any header.
   * @default the socket's remote address
   */
  clientAddress?: (request: IncomingMessage) => string | undefined;
  /** Largest inbound frame in bytes; larger frames close the socket with 1009. @default 65536 */
  maxPayload?: number;
  /**
   * Client messages (`hello`, `subscribe`, `pong`, anything) allowed per second and socket, on
   * average; beyond the burst → 1008. @default 20
   */
  messageRate?: number;
  /** Client messages a socket may send at once before `messageRate` applies. @default 40 */
  messageBurst?: number;
  /** History sent to a legacy (or fresh extended) client on connect: the newest N of each type. @default 100 */
  replayPerType?: number;
  /** A client whose unsent bytes exceed this is closed with 4008 and may resume. @default 8 MiB */
  maxBufferedBytes?: number;
  /** Above this many unsent bytes an extended client gets no live pushes and is caught up from history. @default 1 MiB */
  highWaterMark?: number;
  /** A catching-up client is sent its next replay page once its unsent bytes are below this. @default 64 KiB */
  lowWaterMark?: number;
  /** Messages per replay page. @default 500 */
  replayPage?: number;
  /** Most messages replayed after a cursor; older missed ones are reported as a `limit` gap. @default 10000 */
  maxReplay?: number;
  /** A catching-up client whose socket makes no write progress this long is closed with 4008, in ms. @default 30000 */
  stallTimeout?: number;
  /** How long the server waits for a `hello` before serving a client in legacy mode, in ms. @default 250 */
  helloTimeout?: number;
  /** Interval of app-level `ping` messages to extended clients, in ms. @default 25000 */
  pingInterval?: number;
  /** Interval of WebSocket protocol pings; a client that missed the previous pong is terminated, in ms. @default 30000 */
  heartbeatInterval?: number;
  /**
   * Decides who may connect, before the upgrade: refused → HTTP 401. The result's `audit: false`
   * withholds every `audit_log` message from that client. @default everyone, with audit
   */
  authenticate?: Authenticate;
  /** Checks the `auth` token of a `hello` (after the upgrade): refused → close 4001. @default not checked */
  authenticateHello?: (token: string | undefined, request: IncomingMessage) => AuthResult | Promise<AuthResult>;
  /**
   * Origins whose pages may connect: a list (exact, normalised), `'same-origin'` (the `Origin`'s
   * host:port is the request's `Host`), or `'*'` for any origin (an explicit opt-in, e.g. for a
   * dashboard served from another port); others get HTTP 403. @default 'same-origin'
   */
  allowedOrigins?: OriginPolicy;
  /** Whether a request without `Origin` (a non-browser client such as `logwire tail`) is allowed. @default true */
  allowMissingOrigin?: boolean;
  /**
   * Receives what the endpoint reports: `ERR_LOGWIRE_NO_AUTHENTICATE` once when it is attached
   * without `authenticate`, and `ERR_LOGWIRE_AUTHENTICATE` when the `authenticate` hook throws (once per
   * distinct message, at most 100). `createLogwire`'s `attach()`/`listen()` pass the instance's `onError`.
   * @default none
   */
  onError?: (error: LogwireError) => void;
  /**
   * The audit trail's chain fields and checkpoints, sent to extended clients (`createLogwire` passes
   * them when it keeps the trail; see docs/protocol.md). @default none
   */
  chains?: AuditChainSource;
  /**
   * The alerts viewers see in `welcome` and may acknowledge or silence (`createLogwire`'s
   * `attach()`/`listen()` pass the instance's). @default none
   */
  alerts?: AlertControl;
}

type Hooks = 'authenticate' | 'authenticateHello' | 'allowedOrigins' | 'clientAddress' | 'onError' | 'chains' | 'alerts';

/** The options with every default filled in. */
export type ResolvedOptions = Required<Omit<LogStreamEndpointOptions, Hooks>> & Pick<LogStreamEndpointOptions, Hooks>;

const COUNTS = [
  'maxConnections',
  'maxConnectionsPerAddress',
  'maxConnectionsPerPrincipal',
  'maxPayload',
  'messageBurst',
  'replayPage',
  'maxReplay',
] as const;
const POSITIVE = [
  'messageRate',
  'helloTimeout',
  'pingInterval',
  'heartbeatInterval',
  'stallTimeout',
  'highWaterMark',
  'lowWaterMark',
  'maxBufferedBytes',
] as const;
const FUNCTIONS = ['authenticate', 'authenticateHello', 'clientAddress', 'onError'] as const;

/**
 * Fills in the defaults (an option given as `undefined` takes its default) and checks every value;
 * an invalid one throws a `LogwireError` with code `ERR_LOGWIRE_INVALID_OPTION` naming it.
 */
export function resolveOptions(options: LogStreamEndpointOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) invalid(`endpoint options must be an object, got ${describe(options)}`);
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as LogStreamEndpointOptions;
  const resolved: ResolvedOptions = { ...DEFAULTS, replayPerType: DEFAULTS.replayPerType, allowMissingOrigin: true, ...given };
  if (typeof resolved.path !== 'string' || !resolved.path.startsWith('/')) {
    invalid(`path must be a string starting with "/", got ${describe(resolved.path)}`);
  }
  if (!Array.isArray(resolved.aliases) || !resolved.aliases.every((alias) => typeof alias === 'string' && alias.startsWith('/'))) {
    invalid(`aliases must be an array of paths starting with "/", got ${describe(resolved.aliases)}`);
  }
  for (const name of COUNTS) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 1) invalid(`${name} must be a positive integer, got ${describe(value)}`);
  }
  if (!Number.isSafeInteger(resolved.replayPerType) || resolved.replayPerType < 0) {
    invalid(`replayPerType must be a non-negative integer, got ${describe(resolved.replayPerType)}`);
  }
  for (const name of POSITIVE) {
    const value = resolved[name];
    const positive = typeof value === 'number' && value > 0 && Number.isFinite(value);
    if (!positive) invalid(`${name} must be a positive number, got ${describe(value)}`);
  }
  for (const name of FUNCTIONS) {
    const value = resolved[name];
    if (value !== undefined && typeof value !== 'function') invalid(`${name} must be a function, got ${describe(value)}`);
  }
  const origins = resolved.allowedOrigins;
  const originList = Array.isArray(origins) && origins.every((origin) => typeof origin === 'string');
  if (origins !== undefined && origins !== 'same-origin' && origins !== '*' && !originList) {
    invalid(`allowedOrigins must be an array of origins, 'same-origin' or '*', got ${describe(origins)}`);
  }
  if (typeof resolved.allowMissingOrigin !== 'boolean') {
    invalid(`allowMissingOrigin must be a boolean, got ${describe(resolved.allowMissingOrigin)}`);
  }
  return resolved;
}

function invalid(message: string): never {
  throw new LogwireError(LogwireErrorCode.InvalidOption, message);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 64));
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
  return Array.isArray(value) ? 'an array' : typeof value;
}
