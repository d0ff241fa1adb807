import { checkChain, isCheckpointData } from './chain.js';
import { ProtocolError, ProtocolErrorCode } from './errors.js';
import type {
  AlertInfo,
  AlertMessage,
  AuditLogMessage,
  BatchMessage,
  CheckpointMessage,
  ErrorMessage,
  GapMessage,
  PingMessage,
  ServerMessage,
  ServerMessageType,
  SubscribedMessage,
  SystemLogMessage,
  WelcomeMessage,
} from './messages.js';

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

type Envelope = { type: string; [key: string]: unknown };
type Validator = (envelope: Envelope) => ParseResult;

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
  try {
    return parseUnchecked(input, options?.maxLength ?? DEFAULT_MAX_FRAME_LENGTH);
  } catch (cause) {
    // Every expected failure is handled below; this only catches the unforeseeable (e.g. a stack
    // overflow inside JSON.parse on absurdly deep input), so the promise of never throwing holds.
    return fail(ProtocolErrorCode.InvalidJson, `frame could not be read: ${describeError(cause)}`);
  }
}

function parseUnchecked(input: unknown, maxLength: number): ParseResult {
  let text: string;
  if (typeof input === 'string') {
    if (input.length > maxLength) {
      return fail(ProtocolErrorCode.TooLarge, `frame of ${input.length} characters exceeds the limit of ${maxLength}`);
    }
    text = input;
  } else if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    if (bytes.byteLength > maxLength) {
      return fail(ProtocolErrorCode.TooLarge, `frame of ${bytes.byteLength} bytes exceeds the limit of ${maxLength}`);
    }
    try {
      text = utf8.decode(bytes);
    } catch {
      return fail(ProtocolErrorCode.InvalidUtf8, 'frame is not valid UTF-8');
    }
  } else {
    return fail(ProtocolErrorCode.UnsupportedInput, `expected a string or bytes, got ${describeType(input)}`);
  }

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    return fail(ProtocolErrorCode.InvalidJson, `frame is not JSON: ${describeError(cause)}`);
  }
  return validate(value);
}

/**
 * Checks an already-decoded JSON value against the message types. Useful when frames arrive
 * decoded, e.g. from a `BroadcastChannel`. Never throws.
 */
export function validate(value: unknown): ParseResult {
  if (!isRecord(value)) {
    return fail(ProtocolErrorCode.InvalidMessage, `message must be an object, got ${describeType(value)}`);
  }
  const type = value['type'];
  if (typeof type !== 'string') {
    return fail(ProtocolErrorCode.InvalidMessage, `type must be a string, got ${describeType(type)}`, 'type');
  }
  const validator = validators.get(type);
  if (validator === undefined) {
    return fail(ProtocolErrorCode.UnknownType, `unknown message type ${JSON.stringify(type.slice(0, 64))}`, 'type');
  }
  return validator(value as Envelope);
}

// A Map, not an object literal, so hostile types such as "__proto__" or "constructor" find nothing.
const validators = new Map<ServerMessageType | string, Validator>([
  ['system_log', validateSystemLog],
  ['audit_log', validateAuditLog],
  ['ping', validatePing],
  ['gap', validateGap],
  ['welcome', validateWelcome],
  ['batch', validateBatch],
  ['subscribed', validateSubscribed],
  ['error', validateError],
  ['checkpoint', validateCheckpoint],
  ['alert', validateAlert],
]);

function validateWelcome(envelope: Envelope): ParseResult<WelcomeMessage> {
  const data = envelope['data'];
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  const bad = checkString(data, 'epoch') ?? checkString(data, 'mode');
  if (bad) return bad;
  const head = data['head'];
  if (head !== null && typeof head !== 'string')
    return fail(ProtocolErrorCode.InvalidMessage, `data.head must be a string or null, got ${describeType(head)}`, 'data.head');
  for (const key of ['v', 'ping']) {
    const value = data[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
      return fail(ProtocolErrorCode.InvalidMessage, `data.${key} must be a non-negative number, got ${describeType(value)}`, `data.${key}`);
  }
  if (typeof data['audit'] !== 'boolean')
    return fail(ProtocolErrorCode.InvalidMessage, `data.audit must be a boolean, got ${describeType(data['audit'])}`, 'data.audit');
  if (!isRecord(data['filter']))
    return fail(ProtocolErrorCode.InvalidMessage, `data.filter must be an object, got ${describeType(data['filter'])}`, 'data.filter');
  const alerts = data['alerts'];
  if (alerts !== undefined && !(Array.isArray(alerts) && alerts.every(isAlertInfo)))
    return fail(ProtocolErrorCode.InvalidMessage, 'data.alerts must be an array of alerts', 'data.alerts');
  const alertActions = data['alertActions'];
  if (alertActions !== undefined && typeof alertActions !== 'boolean')
    return fail(
      ProtocolErrorCode.InvalidMessage,
      `data.alertActions must be a boolean, got ${describeType(alertActions)}`,
      'data.alertActions',
    );
  return { ok: true, message: envelope as unknown as WelcomeMessage };
}

function validateBatch(envelope: Envelope): ParseResult<BatchMessage> {
  const data = envelope['data'];
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  const bad = checkString(data, 'epoch');
  if (bad) return bad;
  for (const key of ['from', 'to']) {
    const value = data[key];
    if (value !== null && typeof value !== 'string')
      return fail(ProtocolErrorCode.InvalidMessage, `data.${key} must be a string or null, got ${describeType(value)}`, `data.${key}`);
  }
  const replay = data['replay'];
  if (replay !== undefined && typeof replay !== 'boolean')
    return fail(ProtocolErrorCode.InvalidMessage, `data.replay must be a boolean, got ${describeType(replay)}`, 'data.replay');
  const messages = data['messages'];
  if (!Array.isArray(messages))
    return fail(ProtocolErrorCode.InvalidMessage, `data.messages must be an array, got ${describeType(messages)}`, 'data.messages');
  for (let i = 0; i < messages.length; i++) {
    const item: unknown = messages[i];
    const type = isRecord(item) ? item['type'] : undefined;
    const result = !isRecord(item)
      ? fail(ProtocolErrorCode.InvalidMessage, `must be an object, got ${describeType(item)}`)
      : type === 'system_log'
        ? validateSystemLog(item as Envelope)
        : type === 'audit_log'
          ? validateAuditLog(item as Envelope)
          : fail(ProtocolErrorCode.InvalidMessage, 'type must be "system_log" or "audit_log"', 'type');
    if (!result.ok) {
      return fail(
        ProtocolErrorCode.InvalidMessage,
        `data.messages[${i}]: ${result.error.message}`,
        `data.messages.${i}${result.error.path ? `.${result.error.path}` : ''}`,
      );
    }
  }
  return { ok: true, message: envelope as unknown as BatchMessage };
}

function validateSubscribed(envelope: Envelope): ParseResult<SubscribedMessage> {
  const data = envelope['data'];
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  if (!isRecord(data['filter']))
    return fail(ProtocolErrorCode.InvalidMessage, `data.filter must be an object, got ${describeType(data['filter'])}`, 'data.filter');
  const at = data['at'];
  if (at !== null && typeof at !== 'string')
    return fail(ProtocolErrorCode.InvalidMessage, `data.at must be a string or null, got ${describeType(at)}`, 'data.at');
  return { ok: true, message: envelope as unknown as SubscribedMessage };
}

function validateError(envelope: Envelope): ParseResult<ErrorMessage> {
  const data = envelope['data'];
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  const bad = checkString(data, 'code') ?? checkString(data, 'message');
  if (bad) return bad;
  return { ok: true, message: envelope as unknown as ErrorMessage };
}

function validateSystemLog(envelope: Envelope): ParseResult<SystemLogMessage> {
  const id = checkId(envelope);
  if (id) return id;
  const data = envelope['data'];
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  const bad =
    checkString(data, 'timestamp') ??
    checkString(data, 'level') ??
    checkString(data, 'logger') ??
    checkString(data, 'message') ??
    checkString(data, 'module') ??
    checkString(data, 'function');
  if (bad) return bad;
  const line = data['line'];
  if (typeof line !== 'number' || !Number.isFinite(line)) {
    return fail(ProtocolErrorCode.InvalidMessage, `data.line must be a finite number, got ${describeType(line)}`, 'data.line');
  }
  return { ok: true, message: envelope as unknown as SystemLogMessage };
}

function validateAuditLog(envelope: Envelope): ParseResult<AuditLogMessage> {
  const id = checkId(envelope);
  if (id) return id;
  const data = envelope['data'];
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  const bad = checkString(data, 'timestamp') ?? checkString(data, 'level') ?? checkString(data, 'logger') ?? checkString(data, 'message');
  if (bad) return bad;
  const action = data['action'];
  if (action !== undefined && action !== null && typeof action !== 'string') {
    return fail(ProtocolErrorCode.InvalidMessage, `data.action must be a string, got ${describeType(action)}`, 'data.action');
  }
  const metadata = data['metadata'];
  if (metadata !== undefined && !isRecord(metadata)) {
    return fail(ProtocolErrorCode.InvalidMessage, `data.metadata must be an object, got ${describeType(metadata)}`, 'data.metadata');
  }
  const chain = checkChain(envelope['chain']);
  if (chain !== undefined) return fail(ProtocolErrorCode.InvalidMessage, chain, 'chain');
  return { ok: true, message: envelope as unknown as AuditLogMessage };
}

function validateCheckpoint(envelope: Envelope): ParseResult<CheckpointMessage> {
  if (!isCheckpointData(envelope['data'])) return fail(ProtocolErrorCode.InvalidMessage, 'data must be a signed checkpoint', 'data');
  return { ok: true, message: envelope as unknown as CheckpointMessage };
}

function validateAlert(envelope: Envelope): ParseResult<AlertMessage> {
  if (!isAlertInfo(envelope['data']))
    return fail(ProtocolErrorCode.InvalidMessage, 'data must be an alert (name, status, condition, value, since)', 'data');
  return { ok: true, message: envelope as unknown as AlertMessage };
}

function isAlertInfo(value: unknown): value is AlertInfo {
  if (!isRecord(value)) return false;
  const { name, status, condition, since, silencedUntil } = value;
  return (
    typeof name === 'string' &&
    typeof status === 'string' &&
    typeof condition === 'string' &&
    typeof value['value'] === 'number' &&
    (since === null || typeof since === 'string') &&
    (silencedUntil === undefined || typeof silencedUntil === 'string')
  );
}

function validatePing(envelope: Envelope): ParseResult<PingMessage> {
  const data = envelope['data'];
  if (data !== undefined && !isRecord(data)) {
    return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  }
  return { ok: true, message: envelope as unknown as PingMessage };
}

function validateGap(envelope: Envelope): ParseResult<GapMessage> {
  const data = envelope['data'];
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, `data must be an object, got ${describeType(data)}`, 'data');
  for (const key of ['from', 'to']) {
    const value = data[key];
    if (value !== null && typeof value !== 'string') {
      return fail(ProtocolErrorCode.InvalidMessage, `data.${key} must be a string or null, got ${describeType(value)}`, `data.${key}`);
    }
  }
  const bad = checkString(data, 'reason');
  if (bad) return bad;
  const count = data['count'];
  if (count !== undefined && (typeof count !== 'number' || !Number.isFinite(count) || count < 0)) {
    return fail(ProtocolErrorCode.InvalidMessage, `data.count must be a non-negative number, got ${describeType(count)}`, 'data.count');
  }
  const epoch = data['epoch'];
  if (epoch !== undefined && typeof epoch !== 'string') {
    return fail(ProtocolErrorCode.InvalidMessage, `data.epoch must be a string, got ${describeType(epoch)}`, 'data.epoch');
  }
  return { ok: true, message: envelope as unknown as GapMessage };
}

function checkId(envelope: Envelope): ParseResult<never> | undefined {
  const id = envelope['id'];
  if (id === undefined || typeof id === 'string') return undefined;
  return fail(ProtocolErrorCode.InvalidMessage, `id must be a string, got ${describeType(id)}`, 'id');
}

function checkString(data: Record<string, unknown>, key: string): ParseResult<never> | undefined {
  const value = data[key];
  if (typeof value === 'string') return undefined;
  return fail(ProtocolErrorCode.InvalidMessage, `data.${key} must be a string, got ${describeType(value)}`, `data.${key}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(code: ProtocolErrorCode, message: string, path?: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: new ProtocolError(code, message, path) };
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'nothing';
  return typeof value;
}

function describeError(cause: unknown): string {
  return cause instanceof Error ? cause.message.slice(0, 200) : 'unknown error';
}

/**
 * Encodes a message as the JSON text of one frame. Values JSON cannot represent must be made safe
 * before this call (the server's serializer does that for log records).
 */
export function encode(message: ServerMessage): string {
  return JSON.stringify(message);
}
