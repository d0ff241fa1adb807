import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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

/** The part of `@opentelemetry/api` read here (typed locally: the package is an optional peer). */
interface OtelApi {
  trace: {
    getActiveSpan(): { spanContext(): SpanContextLike } | undefined;
    isSpanContextValid(context: SpanContextLike): boolean;
  };
}

/** `undefined` until first asked; `null` when `@opentelemetry/api` is not installed. */
let otel: OtelApi | null | undefined;
/**
 * The global under which that API finds what an OpenTelemetry SDK registers (its context manager
 * among them); `undefined` when it could not be told.
 */
let registry: symbol | undefined;

/**
 * `@opentelemetry/api` when the app has it, loaded on the first record (never at import time, and
 * never when it is absent). It keeps its state on `globalThis`, so this copy sees the spans of the
 * app's copy, whichever module format the app uses.
 */
function api(): OtelApi | null {
  if (otel === undefined) {
    const require = createRequire(import.meta.url);
    try {
      otel = require('@opentelemetry/api') as OtelApi;
    } catch {
      otel = null;
      return otel;
    }
    try {
      registry = registryOf(require.resolve('@opentelemetry/api'));
    } catch {
      registry = undefined;
    }
  }
  return otel;
}

/**
 * `Symbol.for('opentelemetry.js.api.<major>')`, where `@opentelemetry/api` keeps its registered
 * globals, for the copy whose entry point is `entry` (its package.json is not exported: it is read
 * from the package's folder). `undefined` when the version cannot be read.
 */
function registryOf(entry: string): symbol | undefined {
  for (let dir = dirname(entry), up = 0; up < 8; dir = dirname(dir), up++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name !== '@opentelemetry/api') continue;
      const major = typeof pkg.version === 'string' ? /^(\d+)\./.exec(pkg.version)?.[1] : undefined;
      return major === undefined ? undefined : Symbol.for(`opentelemetry.js.api.${major}`);
    } catch {
      // No package.json here (or not JSON): look further up.
    }
  }
  return undefined;
}

/** The ids of the active span, or `undefined` without OpenTelemetry or outside a (valid) span. */
export function activeTrace(format: TraceIdFormat | undefined): TraceIds | undefined {
  if (api() === null) return undefined;
  // Nothing registered (the API installed, no SDK): its no-op context manager never has an active
  // span, and the API's own look-up through its layers costs more than the rest of this function.
  if (registry !== undefined && (globalThis as Record<symbol, unknown>)[registry] === undefined) return undefined;
  const trace = otel?.trace;
  const span = trace?.getActiveSpan();
  if (trace === undefined || span === undefined) return undefined;
  const ids = span.spanContext();
  if (!trace.isSpanContextValid(ids)) return undefined;
  const traceId = format === TraceIdFormat.Xray ? `1-${ids.traceId.slice(0, 8)}-${ids.traceId.slice(8)}` : ids.traceId;
  return { trace_id: traceId, span_id: ids.spanId };
}
