import { CHAIN, isCheckpointData } from './chain.js';
import {
  BOOLEAN,
  COUNT,
  describeType,
  FINITE,
  fits,
  isRecord,
  misfit,
  OBJECT,
  optional,
  type Shape,
  STRING,
  STRING_OR_NULL,
} from './shape.js';
import { ProtocolError, type ProtocolErrorCode } from './errors.js';
import type { ServerMessage, ServerMessageType } from './messages.js';

/** Options of {@link parse}. */
export interface ParseOptions {
  /**
   * Longest input accepted, in UTF-16 code units for strings and bytes for binary input.
   * @default 8 MiB (8_388_608)
   */
  maxLength?: number;
}

/** The outcome of {@link parse}: a typed message, or a typed error. */
export type ParseResult<M = ServerMessage> = { ok: true; message: M } | { ok: false; error: ProtocolError };

/** Default of {@link ParseOptions.maxLength}. */
export const DEFAULT_MAX_FRAME_LENGTH = 8 * 1024 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one frame (a string, an `ArrayBuffer` or any `ArrayBufferView` such as a `Buffer`) into a
 * typed server message. It never throws: whatever the input, the result is either
 * `{ ok: true, message }` or `{ ok: false, error }` with a {@link ProtocolError} whose `code` says
 * what was wrong.
 *
 * @example
 * const result = parse(event.data);
 * if (result.ok && result.message.type === 'system_log') show(result.message.data);
 */
export function parse(input: unknown, options?: ParseOptions): ParseResult {
  const maxLength = options?.maxLength ?? DEFAULT_MAX_FRAME_LENGTH;
  const isText = typeof input === 'string';
  if (!isText && !(input instanceof ArrayBuffer || ArrayBuffer.isView(input))) {
    return fail('unsupported_input', `expected a string or bytes, got ${describeType(input)}`);
  }
  const size = isText ? input.length : input.byteLength;
  if (size > maxLength) return fail('too_large', `frame of ${size} ${isText ? 'characters' : 'bytes'} exceeds the limit of ${maxLength}`);
  let code: ProtocolErrorCode = 'invalid_utf8';
  try {
    const text = isText ? input : utf8.decode(input);
    code = 'invalid_json';
    const value: unknown = JSON.parse(text);
    // Nothing below throws; should the unforeseeable happen, the promise of never throwing still holds.
    code = 'invalid_message';
    return validate(value);
  } catch (cause) {
    return fail(code, `frame could not be read (${code}): ${cause instanceof Error ? cause.message.slice(0, 200) : 'unknown error'}`);
  }
}

/**
 * Checks an already-decoded JSON value against the message types. Useful when frames arrive
 * decoded, e.g. from a `BroadcastChannel`. Never throws.
 */
export function validate(value: unknown): ParseResult {
  if (!isRecord(value)) return fail('invalid_message', `message must be an object, got ${describeType(value)}`);
  const type = value['type'];
  if (typeof type !== 'string') {
    return fail('invalid_message', `type must be a string, got ${describeType(type)}`, 'type');
  }
  const shape = SHAPES.get(type);
  if (shape === undefined) {
    return fail('unknown_type', `unknown message type ${JSON.stringify(type.slice(0, 64))}`, 'type');
  }
  const problem = misfit(value, shape) ?? (type === 'batch' ? batchMisfit(value['data'] as { messages: unknown[] }) : undefined);
  return problem ? fail('invalid_message', problem[1], problem[0]) : { ok: true, message: value as unknown as ServerMessage };
}

const ID = optional(STRING);

const SYSTEM_LOG: Shape = {
  id: ID,
  data: { timestamp: STRING, level: STRING, logger: STRING, message: STRING, module: STRING, function: STRING, line: FINITE },
};

const AUDIT_LOG: Shape = {
  id: ID,
  data: {
    timestamp: STRING,
    level: STRING,
    logger: STRING,
    message: STRING,
    // Legacy servers may send `null` or leave it out.
    action: [(value) => value == null || typeof value === 'string', 'a string'],
    metadata: optional(OBJECT),
  },
  chain: optional(CHAIN),
};

const ALERT: Shape = {
  name: STRING,
  status: STRING,
  condition: STRING,
  value: [(value) => typeof value === 'number', 'a number'],
  since: STRING_OR_NULL,
  silencedUntil: optional(STRING),
};

const isAlert = (value: unknown): boolean => fits(value, ALERT);

// A Map, not an object literal, so hostile types such as "__proto__" or "constructor" find nothing.
const SHAPES = new Map<ServerMessageType | string, Shape>([
  ['system_log', SYSTEM_LOG],
  ['audit_log', AUDIT_LOG],
  ['ping', { data: optional(OBJECT) }],
  ['gap', { data: { from: STRING_OR_NULL, to: STRING_OR_NULL, reason: STRING, count: optional(COUNT), epoch: ID } }],
  [
    'welcome',
    {
      data: {
        epoch: STRING,
        mode: STRING,
        head: STRING_OR_NULL,
        v: COUNT,
        ping: COUNT,
        audit: BOOLEAN,
        filter: OBJECT,
        alerts: optional([(value) => Array.isArray(value) && value.every(isAlert), 'an array of alerts']),
        alertActions: optional(BOOLEAN),
      },
    },
  ],
  [
    'batch',
    {
      data: {
        epoch: STRING,
        from: STRING_OR_NULL,
        to: STRING_OR_NULL,
        replay: optional(BOOLEAN),
        messages: [Array.isArray, 'an array'],
      },
    },
  ],
  ['subscribed', { data: { filter: OBJECT, at: STRING_OR_NULL } }],
  ['error', { data: { code: STRING, message: STRING } }],
  ['checkpoint', { data: [isCheckpointData, 'a signed checkpoint'] }],
  ['alert', { data: [isAlert, 'an alert (name, status, condition, value, since)'] }],
]);

/** The first message of a batch that is not a valid log message. */
function batchMisfit(data: { messages: unknown[] }): [path: string, message: string] | undefined {
  for (const [index, item] of data.messages.entries()) {
    const prefix = `data.messages.${index}.`;
    const type = isRecord(item) ? item['type'] : undefined;
    const problem =
      type === 'system_log' || type === 'audit_log'
        ? misfit(item, type === 'system_log' ? SYSTEM_LOG : AUDIT_LOG, prefix)
        : isRecord(item)
          ? ([`${prefix}type`, `${prefix}type must be "system_log" or "audit_log"`] as [string, string])
          : misfit(item, {}, prefix);
    if (problem) return problem;
  }
  return undefined;
}

function fail(code: ProtocolErrorCode, message: string, path?: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: new ProtocolError(code, message, path) };
}

/**
 * Encodes a message as the JSON text of one frame. Values JSON cannot represent must be made safe
 * before this call (the server's serializer does that for log records).
 */
export function encode(message: ServerMessage): string {
  return JSON.stringify(message);
}
