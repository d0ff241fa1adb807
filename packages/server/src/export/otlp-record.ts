// One logwire stream message as an OpenTelemetry log record (the argument of the SDK's
// `Logger.emit`): severity from the level, the message as body, the other fields as attributes,
// trace and span ids (W3C or X-Ray form) as the record's span context.
import type { StreamMessage } from '../hub/log-hub.js';

const SEVERITY: Record<string, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARNING: 13, ERROR: 17, CRITICAL: 21 };

/** OpenTelemetry SeverityNumber of a logwire level name (INFO for an unknown one). */
export function levelSeverity(level: string): number {
  return SEVERITY[level] ?? 9;
}

/** Fields that become parts of the record rather than attributes. */
const OWN_FIELDS = new Set(['timestamp', 'level', 'message', 'trace_id', 'span_id']);

interface TraceApi {
  ROOT_CONTEXT: unknown;
  trace: { setSpanContext: (context: unknown, span: { traceId: string; spanId: string; traceFlags: number }) => unknown };
}

/** The log record of `message`, for `Logger.emit`. */
export function toOtlpRecord(message: StreamMessage, api: TraceApi): Record<string, unknown> {
  const data = JSON.parse(message.data) as Record<string, unknown>;
  const level = typeof data['level'] === 'string' ? data['level'] : 'INFO';
  const attributes: Record<string, unknown> = {
    'logwire.id': message.id,
    'logwire.type': message.type === 'audit_log' ? 'audit' : 'system',
  };
  for (const [key, value] of Object.entries(data)) {
    if (!OWN_FIELDS.has(key) && value !== null && value !== undefined) attributes[key] = value;
  }
  const parsed = typeof data['timestamp'] === 'string' ? Date.parse(data['timestamp']) : NaN;
  const record: Record<string, unknown> = {
    timestamp: Number.isFinite(parsed) ? parsed : message.time,
    severityNumber: levelSeverity(level),
    severityText: level,
    body: typeof data['message'] === 'string' ? data['message'] : '',
    attributes,
  };
  const traceId = w3cTraceId(data['trace_id']);
  const spanId = typeof data['span_id'] === 'string' && /^[0-9a-f]{16}$/.test(data['span_id']) ? data['span_id'] : undefined;
  if (traceId !== undefined && spanId !== undefined) {
    record['context'] = api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId, spanId, traceFlags: 1 });
  }
  return record;
}

/** 32 lower-case hex digits from a W3C trace id or an X-Ray `1-<8 hex>-<24 hex>` one. */
function w3cTraceId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^[0-9a-f]{32}$/.test(value)) return value;
  const xray = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(value);
  return xray === null ? undefined : (xray[1] as string) + (xray[2] as string);
}
