/** Stable codes of {@link RedisBackplaneError}. */
export const RedisBackplaneErrorCode = {
  /** Redis cannot be reached or the connection dropped; the backplane keeps retrying. */
  Unavailable: 'ERR_LOGWIRE_REDIS_UNAVAILABLE',
  /** An append batch was refused by Redis (script error, out of memory, wrong key type). */
  Append: 'ERR_LOGWIRE_REDIS_APPEND',
  /** Reading the stream failed for a reason other than the connection. */
  Read: 'ERR_LOGWIRE_REDIS_READ',
  /** The backlog was full: new records were dropped (a `dropped` gap tells every reader). */
  BacklogFull: 'ERR_LOGWIRE_REDIS_BACKLOG_FULL',
  /** A stream entry did not have the fields logwire writes; it was skipped. */
  Malformed: 'ERR_LOGWIRE_REDIS_MALFORMED',
  /** A subscriber's callback threw or rejected. */
  Handler: 'ERR_LOGWIRE_REDIS_HANDLER',
  /** An option has a value the backplane cannot use. */
  InvalidOption: 'ERR_LOGWIRE_REDIS_INVALID_OPTION',
  /** The backplane was closed. */
  Closed: 'ERR_LOGWIRE_REDIS_CLOSED',
} as const;

/** One of the stable error codes of `@logwire/redis`. */
export type RedisBackplaneErrorCode = (typeof RedisBackplaneErrorCode)[keyof typeof RedisBackplaneErrorCode];

/** The one error class of `@logwire/redis`; `code` is stable, the message says what happened. */
export class RedisBackplaneError extends Error {
  readonly code: RedisBackplaneErrorCode;

  constructor(code: RedisBackplaneErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RedisBackplaneError';
    this.code = code;
  }
}
