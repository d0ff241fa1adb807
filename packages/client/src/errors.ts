/** Stable codes of {@link LogStreamClientError}. */
export const ClientErrorCode = {
  /** A frame could not be read; the stream goes on. */
  BadFrame: 'bad_frame',
  /** The socket reported an error; a reconnect follows unless the client was closed. */
  Socket: 'socket',
  /** No WebSocket implementation is available. */
  NoWebSocket: 'no_websocket',
  /** The server refused the credentials (HTTP 401 in Node, close 4001); no retry follows. */
  Unauthorized: 'unauthorized',
  /** The server forbade the connection (HTTP 403 in Node, close 4003); no retry follows. */
  Forbidden: 'forbidden',
  /** The server does not speak this protocol version, or refused a frame as too big (4000, 1009, HTTP 404); no retry follows. */
  Protocol: 'protocol',
  /** No frame arrived within the heartbeat bound: the link is presumed dead and is replaced. */
  Timeout: 'timeout',
  /** The server answered a client message with an `error` frame. */
  Server: 'server',
} as const;

/** One of the stable client error codes. */
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** The one error class of `@logwire/client`, emitted on the `error` event (never thrown at you mid-stream). */
export class LogStreamClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogStreamClientError';
    this.code = code;
  }
}

/** The message of a thrown value, for an error event's text. */
export function describeCause(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
