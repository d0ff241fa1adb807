/** Stable codes of {@link LogStreamClientError}. */
export const ClientErrorCode = {
  /** A frame could not be read; the stream goes on. */
  BadFrame: 'bad_frame',
  /** The socket reported an error; a reconnect follows unless the client was closed. */
  Socket: 'socket',
  /** No WebSocket implementation is available. */
  NoWebSocket: 'no_websocket',
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
