/** Stable codes of {@link LogwireError}. */
export const LogwireErrorCode = {
  InvalidOption: 'ERR_LOGWIRE_INVALID_OPTION',
  Closed: 'ERR_LOGWIRE_CLOSED',
  Write: 'ERR_LOGWIRE_WRITE',
  /** A warning: a stream endpoint was attached without an `authenticate` hook, so anyone who reaches it may read the logs. */
  NoAuthenticate: 'ERR_LOGWIRE_NO_AUTHENTICATE',
  /** An `authenticate` hook threw; the request was refused with HTTP 500. */
  Authenticate: 'ERR_LOGWIRE_AUTHENTICATE',
  /** An alert notifier failed (a webhook answered an error, timed out, or its queue overflowed). */
  Notify: 'ERR_LOGWIRE_NOTIFY',
} as const;

/** One of the stable error codes of `@logwire/server`. */
export type LogwireErrorCode = (typeof LogwireErrorCode)[keyof typeof LogwireErrorCode];

/** The one error class of `@logwire/server`; `code` is stable, the message says what to do. */
export class LogwireError extends Error {
  readonly code: LogwireErrorCode;

  constructor(code: LogwireErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LogwireError';
    this.code = code;
  }
}
