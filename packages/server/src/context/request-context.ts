import { AsyncLocalStorage, executionAsyncResource } from 'node:async_hooks';
import type { Fields } from '../logger/format.js';
import { mergeFields } from '../logger/fields.js';
import { activeTrace, type TraceIdFormat } from './trace.js';

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
  const bound = store.getStore();
  const span = activeTrace(traceIdFormat);
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
  const inner = Object.freeze(outer === undefined ? fields : mergeFields(outer, fields));
  // Found on first use: looking sooner would enable the store (and its async hook) in apps that never enter a context.
  if (resourceStore === null) resourceStore = storeKey();
  // Inside withoutContext the store is disabled: enterWith enables it again, a direct write would not.
  if (resourceStore === undefined || outside > 0) {
    // What `store.run` does, without its second look-up of the current store: `outer` is the store
    // the caller already read.
    store.enterWith(inner);
    try {
      return fn();
    } finally {
      store.enterWith(outer);
    }
  }
  // The same as those two `enterWith`s with one look-up of the current async resource instead of
  // two (each asks the runtime): the context is the resource's property that `enterWith` sets.
  const resource = executionAsyncResource() as Record<symbol, unknown>;
  resource[resourceStore] = inner;
  try {
    return fn();
  } finally {
    resource[resourceStore] = outer;
  }
}

/**
 * The key under which Node's async-hooks AsyncLocalStorage keeps the store on each async resource
 * (what `enterWith` writes and `getStore` reads); `undefined` where the implementation differs
 * (then {@link runOwned} goes through `enterWith`), `null` until the first {@link runOwned}.
 */
let resourceStore: symbol | undefined | null = null;

function storeKey(): symbol | undefined {
  const key = (store as unknown as { kResourceStore?: unknown }).kResourceStore;
  if (typeof key !== 'symbol') return undefined;
  // Enables the store (its async hook copies the context into every async resource created from
  // now on), which `enterWith` would do on first use, and checks where the store is kept.
  const resource = executionAsyncResource() as Record<symbol, unknown>;
  const before = resource[key];
  const probe = Object.freeze({});
  store.enterWith(probe);
  const found = resource[key] === probe && store.getStore() === probe;
  store.enterWith(before as Readonly<Fields> | undefined);
  return found ? key : undefined;
}

/** How many {@link withoutContext} calls are running: the store is disabled meanwhile. */
let outside = 0;

/**
 * Runs `fn` outside any request context (`AsyncLocalStorage#exit`): neither `fn` nor the
 * asynchronous work it starts sees one, and while it runs the store's async hook is off (unless
 * another AsyncLocalStorage of the process keeps it on), so the async resources `fn` creates cost
 * no hook call.
 */
export function withoutContext<T>(fn: () => T): T {
  outside++;
  try {
    return store.exit(fn);
  } finally {
    outside--;
  }
}
