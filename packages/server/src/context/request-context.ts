import { AsyncLocalStorage } from 'node:async_hooks';
import type { Fields } from '../logger/format.js';
import { mergeFields } from '../logger/fields.js';
import { type ActiveSpan, activeSpan, activeTrace, type TraceIdFormat, traceIds } from './trace.js';

export type { TraceIdFormat } from './trace.js';

/**
 * Fields every record logged inside {@link RequestContext.run} carries (`request_id`, `user_id`,
 * `trace_id`, or any other). One store per process: every logwire instance reads the same context,
 * so a request entered by one instance's middleware is seen by loggers of another.
 */
const store = new AsyncLocalStorage<Readonly<Fields> | undefined>();

/**
 * The request context: fields bound to an asynchronous call tree (AsyncLocalStorage), so every
 * system record logged inside carries them as top-level fields, and every audit record inside
 * its `metadata`. Explicit fields of a log call win over the context's.
 */
export class RequestContext {
  /**
   * Runs `fn` with `fields` added to the current context (a nested `run` keeps the outer fields
   * it does not override) and returns what `fn` returns. The context follows `await`, timers,
   * promises and callbacks started inside `fn`.
   */
  run<T>(fields: Fields, fn: () => T): T {
    const outer = store.getStore();
    const inner = Object.freeze(mergeFields(outer ?? {}, fields));
    return store.run(inner, fn);
  }

  /** The fields of the current context, or `undefined` outside any {@link RequestContext.run}. */
  get(): Readonly<Fields> | undefined {
    return store.getStore();
  }
}

/** The process-wide request context behind `logwire.context`. */
export const requestContext = new RequestContext();

/**
 * `fields` with the current context's fields underneath (explicit fields win), and under those the
 * active OpenTelemetry span's `trace_id` and `span_id`; `fields` itself when there is neither, so
 * a log call outside any request or span pays one `getStore()` and one active-span check.
 */
export function withContext(fields: Fields | undefined, traceIdFormat?: TraceIdFormat): Fields | undefined {
  return underneath(fields, store.getStore(), activeTrace(traceIdFormat));
}

/**
 * Where a record was made: the request context's fields and the active OpenTelemetry span at that
 * moment, for a source that formats the record later (the pino destination formats its lines at
 * the end of the turn, when another request's context, or none, is current).
 */
export interface LogContext {
  readonly fields: Readonly<Fields> | undefined;
  readonly span: ActiveSpan | undefined;
}

/** The last capture, handed out again while neither part changes (one object per burst of lines). */
let captured: LogContext | undefined;

/** The {@link LogContext} of the caller; `undefined` outside any request context and span. */
export function captureContext(): LogContext | undefined {
  const fields = store.getStore();
  const span = activeSpan();
  if (fields === undefined && span === undefined) return undefined;
  if (captured === undefined || captured.fields !== fields || captured.span !== span) captured = { fields, span };
  return captured;
}

/**
 * `fields` with the context `from` names merged in: the current one (`true`, {@link withContext}),
 * the one a record was made in (a captured {@link LogContext}), or none (`false`).
 */
export function contextFields(fields: Fields | undefined, from: boolean | LogContext, traceIdFormat?: TraceIdFormat): Fields | undefined {
  if (from === true) return withContext(fields, traceIdFormat);
  if (from === false) return fields;
  return underneath(fields, from.fields, from.span === undefined ? undefined : traceIds(from.span, traceIdFormat));
}

/** `fields` over the context's `bound` fields over the span's ids (explicit fields win). */
function underneath(fields: Fields | undefined, bound: Readonly<Fields> | undefined, span: Fields | undefined): Fields | undefined {
  if (span === undefined) return bound === undefined ? fields : mergeFields(bound, fields);
  return mergeFields(bound === undefined ? span : mergeFields(span, bound), fields);
}

/**
 * {@link RequestContext.run} for a fields object made for this call alone and never changed
 * afterwards (the request logger's): outside any context it is frozen and used as it is, without
 * the defensive copy `run` makes of fields it was handed. `outer` is the current context, when the
 * caller has already read it.
 */
export function runOwned<T>(fields: Fields, fn: () => T, outer: Readonly<Fields> | undefined = store.getStore()): T {
  // What `store.run` does, without its second look-up of the current store (each costs a call
  // into the runtime for the current async resource): `outer` is the store the caller already read.
  // `enterWith` also works inside withoutContext (it enables the store again).
  store.enterWith(Object.freeze(outer === undefined ? fields : mergeFields(outer, fields)));
  try {
    return fn();
  } finally {
    store.enterWith(outer);
  }
}

/**
 * Runs `fn` outside any request context (`AsyncLocalStorage#exit`): neither `fn` nor the
 * asynchronous work it starts sees one, and while it runs the store's async hook is off (unless
 * another AsyncLocalStorage of the process keeps it on), so the async resources `fn` creates cost
 * no hook call.
 */
export function withoutContext<T>(fn: () => T): T {
  return store.exit(fn);
}
