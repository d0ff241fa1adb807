/** Stable codes of {@link ProtocolError}. */
export const ProtocolErrorCode = {
  /** The input was neither a string nor bytes. */
  UnsupportedInput: 'unsupported_input',
  /** The input was longer than the parser's `maxLength`. */
  TooLarge: 'too_large',
  /** Bytes that are not valid UTF-8. */
  InvalidUtf8: 'invalid_utf8',
  /** Text that is not JSON. */
  InvalidJson: 'invalid_json',
  /** JSON that is not a `{type, data}` envelope, or whose fields have the wrong types. */
  InvalidMessage: 'invalid_message',
  /** A well-formed envelope with a `type` this version does not know (ignore it to stay forward compatible). */
  UnknownType: 'unknown_type',
} as const;

/** One of the stable protocol error codes. */
export type ProtocolErrorCode = (typeof ProtocolErrorCode)[keyof typeof ProtocolErrorCode];

/** What went wrong while reading a frame. Returned by `parse`, never thrown by it. */
export class ProtocolError extends Error {
  /** Stable machine-readable code. */
  readonly code: ProtocolErrorCode;
  /** Dotted path of the offending field, when one field is to blame (e.g. `data.line`). */
  readonly path: string | undefined;

  constructor(code: ProtocolErrorCode, message: string, path?: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.path = path;
  }
}
