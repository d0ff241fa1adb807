import { ProtocolError, ProtocolErrorCode } from './errors.js';
import { normalizeFilter } from './filter.js';
import { AlertAction, type ClientMessage, type HelloMessage, type PongMessage, type SubscribeMessage } from './messages.js';
import { parseCursor } from './cursor.js';

/** The outcome of {@link parseClientMessage}. */
export type ClientParseResult = { ok: true; message: ClientMessage } | { ok: false; error: ProtocolError };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one frame sent by a client (`hello`, `subscribe`, `pong`), as the server does. Never
 * throws; filters come back normalised (see `normalizeFilter`).
 */
export function parseClientMessage(input: unknown, maxLength = 64 * 1024): ClientParseResult {
  try {
    let text: string;
    if (typeof input === 'string') text = input;
    else if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
      const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
      if (bytes.byteLength > maxLength)
        return fail(ProtocolErrorCode.TooLarge, `frame of ${bytes.byteLength} bytes exceeds the limit of ${maxLength}`);
      try {
        text = utf8.decode(bytes);
      } catch {
        return fail(ProtocolErrorCode.InvalidUtf8, 'frame is not valid UTF-8');
      }
    } else if (Array.isArray(input) && input.every((part) => ArrayBuffer.isView(part))) {
      // `ws` hands fragmented messages over as an array of Buffers.
      return parseClientMessage(concat(input), maxLength);
    } else return fail(ProtocolErrorCode.UnsupportedInput, 'expected a string or bytes');
    if (text.length > maxLength)
      return fail(ProtocolErrorCode.TooLarge, `frame of ${text.length} characters exceeds the limit of ${maxLength}`);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return fail(ProtocolErrorCode.InvalidJson, 'frame is not JSON');
    }
    return validateClientMessage(value);
  } catch {
    return fail(ProtocolErrorCode.InvalidMessage, 'frame could not be read');
  }
}

/** Checks an already-decoded client message. Never throws. */
export function validateClientMessage(value: unknown): ClientParseResult {
  if (!isRecord(value)) return fail(ProtocolErrorCode.InvalidMessage, 'message must be an object');
  const type = value['type'];
  const data = value['data'];
  if (typeof type !== 'string') return fail(ProtocolErrorCode.InvalidMessage, 'type must be a string', 'type');
  if (type === 'pong') {
    if (data !== undefined && !isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, 'data must be an object', 'data');
    const ts = isRecord(data) ? data['ts'] : undefined;
    const message: PongMessage = { type: 'pong', data: typeof ts === 'number' && Number.isFinite(ts) ? { ts } : {} };
    return { ok: true, message };
  }
  if (type === 'subscribe') {
    if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, 'data must be an object', 'data');
    const filter = normalizeFilter(data['filter']);
    if (!filter.ok) return fail(ProtocolErrorCode.InvalidMessage, filter.message, `data.${filter.path}`);
    const message: SubscribeMessage = { type: 'subscribe', data: { filter: filter.filter } };
    return { ok: true, message };
  }
  if (type === 'alert') return validateAlertCommand(data);
  if (type === 'hello') {
    if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, 'data must be an object', 'data');
    const v = data['v'];
    if (typeof v !== 'number' || !Number.isInteger(v))
      return fail(ProtocolErrorCode.InvalidMessage, 'data.v must be an integer protocol version', 'data.v');
    const hello: HelloMessage = { type: 'hello', data: { v } };
    const cursor = data['cursor'];
    if (cursor !== undefined && cursor !== null) {
      const parsed = parseCursor(cursor);
      if (parsed === undefined) {
        return fail(ProtocolErrorCode.InvalidMessage, 'data.cursor must be {epoch, id} with an id like "1760000000123-0"', 'data.cursor');
      }
      hello.data.cursor = parsed;
    }
    const filter = normalizeFilter(data['filter']);
    if (!filter.ok) return fail(ProtocolErrorCode.InvalidMessage, filter.message, `data.${filter.path}`);
    hello.data.filter = filter.filter;
    const capabilities = data['capabilities'];
    if (capabilities !== undefined) {
      if (!Array.isArray(capabilities) || capabilities.length > 32 || !capabilities.every((c) => typeof c === 'string')) {
        return fail(ProtocolErrorCode.InvalidMessage, 'data.capabilities must be an array of strings', 'data.capabilities');
      }
      hello.data.capabilities = capabilities;
    }
    const auth = data['auth'];
    if (auth !== undefined) {
      if (typeof auth !== 'string') return fail(ProtocolErrorCode.InvalidMessage, 'data.auth must be a string', 'data.auth');
      hello.data.auth = auth;
    }
    const tail = data['tail'];
    if (tail !== undefined) {
      if (typeof tail !== 'number' || !Number.isInteger(tail) || tail < 0)
        return fail(ProtocolErrorCode.InvalidMessage, 'data.tail must be a non-negative integer', 'data.tail');
      hello.data.tail = tail;
    }
    return { ok: true, message: hello };
  }
  return fail(ProtocolErrorCode.UnknownType, `unknown message type ${JSON.stringify(type.slice(0, 64))}`, 'type');
}

/** Longest silence a viewer may ask for: a day. */
const MAX_SILENCE_MS = 86_400_000;

/** Checks the `data` of an `alert` command (acknowledge / silence): the `alert` case of {@link validateClientMessage}. */
export function validateAlertCommand(data: unknown): ClientParseResult {
  if (!isRecord(data)) return fail(ProtocolErrorCode.InvalidMessage, 'data must be an object', 'data');
  const name = data['name'];
  if (typeof name !== 'string' || name.length === 0 || name.length > 128)
    return fail(ProtocolErrorCode.InvalidMessage, 'data.name must be a string of 1 to 128 characters', 'data.name');
  const action = data['action'];
  if (action !== AlertAction.Acknowledge && action !== AlertAction.Silence)
    return fail(ProtocolErrorCode.InvalidMessage, 'data.action must be "ack" or "silence"', 'data.action');
  if (action === AlertAction.Acknowledge) return { ok: true, message: { type: 'alert', data: { name, action } } };
  const durationMs = data['durationMs'];
  if (typeof durationMs !== 'number' || !Number.isFinite(durationMs) || durationMs <= 0 || durationMs > MAX_SILENCE_MS)
    return fail(ProtocolErrorCode.InvalidMessage, `data.durationMs must be a number of ms up to ${MAX_SILENCE_MS}`, 'data.durationMs');
  return { ok: true, message: { type: 'alert', data: { name, action, durationMs } } };
}

function concat(parts: ArrayBufferView[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), offset);
    offset += part.byteLength;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(code: ProtocolErrorCode, message: string, path?: string): { ok: false; error: ProtocolError } {
  return { ok: false, error: new ProtocolError(code, message, path) };
}
