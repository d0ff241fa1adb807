import { createRequire } from 'node:module';
import type { Fields } from '../logger/format.js';

/** How `trace_id` is written: W3C's 32 hex digits, or AWS X-Ray's `1-<8 hex>-<24 hex>` (seed 003). */
export const TraceIdFormat = { W3c: 'w3c', Xray: 'xray' } as const;
export type TraceIdFormat = (typeof TraceIdFormat)[keyof typeof TraceIdFormat];

/** The ids of the active OpenTelemetry span, as records carry them. */
export interface TraceIds extends Fields {
  trace_id: string;
  span_id: string;
}

interface SpanContextLike {
  traceId: string;
  spanId: string;
}

/** An OpenTelemetry span, as far as it is read here. */
export interface ActiveSpan {
  spanContext(): SpanContextLike;
}

/** The part of `@opentelemetry/api` read here (typed locally: the package is an optional peer). */
interface OtelApi {
  trace: {
    getActiveSpan(): ActiveSpan | undefined;
    isSpanContextValid(context: SpanContextLike): boolean;
  };
}

/** `undefined` until first asked; `null` when `@opentelemetry/api` is not installed. */
let otel: OtelApi | null | undefined;

/**
 * `@opentelemetry/api` when the app has it, loaded on the first record (never at import time, and
 * never when it is absent). It keeps its state on `globalThis`, so this copy sees the spans of the
 * app's copy, whichever module format the app uses.
 */
function api(): OtelApi | null {
  if (otel === undefined) {
    try {
      otel = createRequire(import.meta.url)('@opentelemetry/api') as OtelApi;
    } catch {
      otel = null;
    }
  }
  return otel;
}

/** The ids of the active span, or `undefined` without OpenTelemetry or outside a (valid) span. */
export function activeTrace(format: TraceIdFormat | undefined): TraceIds | undefined {
  const span = activeSpan();
  return span === undefined ? undefined : traceIds(span, format);
}

/** The active span, or `undefined` without OpenTelemetry or outside a span. */
export function activeSpan(): ActiveSpan | undefined {
  return api()?.trace.getActiveSpan();
}

/**
 * The ids `span` gives records, or `undefined` for a span that is not valid (or without
 * OpenTelemetry: a captured context handed to `ingest` may name a span from anywhere).
 */
export function traceIds(span: ActiveSpan, format: TraceIdFormat | undefined): TraceIds | undefined {
  const trace = api()?.trace;
  const ids = span.spanContext();
  if (trace?.isSpanContextValid(ids) !== true) return undefined;
  const traceId = format === TraceIdFormat.Xray ? `1-${ids.traceId.slice(0, 8)}-${ids.traceId.slice(8)}` : ids.traceId;
  return { trace_id: traceId, span_id: ids.spanId };
}
