/**
 * WebSocket close codes of the log stream, as servers send them and clients read them
 * (docs/protocol.md, "Close codes"). Fatal ones ({@link isFatalClose}) mean retrying cannot help.
 */
export const CloseCode = {
  /** Normal closure (a client closing, or handing its socket to another tab). */
  Normal: 1000,
  /** The server is shutting down; reconnect later. */
  GoingAway: 1001,
  /** The connection was lost without a close frame (reported by the client's socket, never sent). */
  ConnectionLost: 1006,
  /** Policy violation: the connection cap was reached. */
  ConnectionLimit: 1008,
  /** An inbound frame was larger than the server's `maxPayload` (sent by `ws`). Fatal. */
  MessageTooBig: 1009,
  /** The server failed while serving this client; reconnect with backoff. */
  InternalError: 1011,
  /** The stream restarted (a new epoch); reconnect and resume. */
  StreamRestarted: 1012,
  /** The server is overloaded; reconnect with backoff. */
  TryAgainLater: 1013,
  /** Unsupported protocol version or invalid `hello`. Fatal. */
  ProtocolError: 4000,
  /** The `hello` token was refused. Fatal. */
  Unauthorized: 4001,
  /** The client may not do what it asked. Fatal. */
  Forbidden: 4003,
  /** The client fell too far behind; reconnect at once (jittered) and resume. */
  SlowConsumer: 4008,
} as const;

/** One of the close codes above. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Why a server refused a client for good. The values equal the client's error codes for them. */
export const Refusal = {
  /** The server does not speak this protocol or refused a frame as too big (1009, 4000, HTTP 404). */
  Protocol: 'protocol',
  /** The credentials were refused (4001, HTTP 401). */
  Unauthorized: 'unauthorized',
  /** The connection is forbidden (4003, HTTP 403). */
  Forbidden: 'forbidden',
} as const;

/** One of the refusals. */
export type Refusal = (typeof Refusal)[keyof typeof Refusal];

const FATAL_CLOSE: ReadonlyMap<number, Refusal> = new Map<number, Refusal>([
  [1009 satisfies typeof CloseCode.MessageTooBig, 'protocol'],
  [4000 satisfies typeof CloseCode.ProtocolError, 'protocol'],
  [4001 satisfies typeof CloseCode.Unauthorized, 'unauthorized'],
  [4003 satisfies typeof CloseCode.Forbidden, 'forbidden'],
]);

/** Upgrade refusals (HTTP status) and the close code that says the same on an open socket. */
const STATUS_CLOSE: ReadonlyMap<number, CloseCode> = new Map<number, CloseCode>([
  [401, 4001 satisfies typeof CloseCode.Unauthorized],
  [403, 4003 satisfies typeof CloseCode.Forbidden],
  [404, 4000 satisfies typeof CloseCode.ProtocolError],
]);

/** True when a socket closed with `code` must not be reopened: 1009, 4000, 4001, 4003. */
export function isFatalClose(code: number): boolean {
  return FATAL_CLOSE.has(code);
}

/** Why a close with `code` is fatal, or `undefined` when a reconnect may help. */
export function closeRefusal(code: number): Refusal | undefined {
  return FATAL_CLOSE.get(code);
}

/**
 * The fatal close code that means what an HTTP status refusing the WebSocket upgrade means (401:
 * 4001, 403: 4003, 404: 4000), or `undefined`. Only Node clients see the status; browsers report
 * a plain failure.
 */
export function statusClose(status: number): CloseCode | undefined {
  return STATUS_CLOSE.get(status);
}

/** Why an HTTP status that refused the WebSocket upgrade is fatal (401, 403, 404), or `undefined`. */
export function statusRefusal(status: number): Refusal | undefined {
  const code = statusClose(status);
  return code === undefined ? undefined : closeRefusal(code);
}
