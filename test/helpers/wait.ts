// The one module tests use to wait. Tests wait on events or on a condition that an event makes
// true, never on elapsed time. Works in Node (vitest) and in Chromium (@web/test-runner).

/** Default time a wait may take before it fails with a message naming what it waited for. */
export const DEFAULT_WAIT_MS = 10_000;

/** `T` without the values `until` treats as "not yet" (what its promise can never resolve with). */
export type Truthy<T> = Exclude<T, false | 0 | 0n | '' | null | undefined>;

/**
 * Resolves as soon as `check()` returns a truthy value (sync or async), with that value; rejects
 * with `timed out waiting for <what>` after `timeoutMs`. The condition is re-checked on every
 * macrotask turn, so whatever event makes it true is seen on the next turn. `what` may be a
 * function, called only for the failure message (to name the last value seen, say). An async
 * check that has not settled by the deadline fails the wait too (it does not hang it).
 */
export async function until<T>(
  check: () => T | Promise<T>,
  what: string | (() => string) = 'condition',
  timeoutMs = DEFAULT_WAIT_MS,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  const fail = (cause: string): Error =>
    new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}${cause}`);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await beforeDeadline(check(), deadline);
      if (value) return value as Truthy<T>;
      lastError = undefined;
    } catch (error) {
      if (error instanceof PendingAtDeadline) throw fail(' (the last check never settled)');
      lastError = error;
    }
    if (Date.now() > deadline) throw fail(lastError instanceof Error ? ` (last error: ${lastError.message})` : '');
    await turn();
  }
}

class PendingAtDeadline extends Error {}

/** `value`, or a rejection with PendingAtDeadline if it is a promise still pending at `deadline`. */
function beforeDeadline<T>(value: T | Promise<T>, deadline: number): T | Promise<T> {
  if (!(value instanceof Promise)) return value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PendingAtDeadline()), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([value, expired]).finally(() => clearTimeout(timer));
}

/** Lets pending I/O and timers run once: a macrotask turn (not a fixed sleep). */
export function turn(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A source of events: a Node EventEmitter, a DOM EventTarget, or an emitter whose `on()` returns an unbind function. */
export type EventSource =
  | {
      once(event: string, listener: (...args: unknown[]) => void): unknown;
      off?(event: string, listener: (...args: unknown[]) => void): unknown;
    }
  | {
      addEventListener(event: string, listener: (event: unknown) => void): void;
      removeEventListener(event: string, listener: (event: unknown) => void): void;
    }
  | { on(event: string, listener: (...args: unknown[]) => void): () => void };

/**
 * Resolves with the first argument of the next `event` from `source` for which `accept` (if given)
 * returns true; rejects after `timeoutMs` naming the event.
 */
export function nextEvent<T = unknown>(
  source: EventSource,
  event: string,
  timeoutMs = DEFAULT_WAIT_MS,
  accept?: (value: T) => boolean,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let unbind = (): void => undefined;
    const timer = setTimeout(() => {
      unbind();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for the event '${event}'`));
    }, timeoutMs);
    const listener = (value: T): void => {
      if (accept && !accept(value)) return;
      clearTimeout(timer);
      unbind();
      resolve(value);
    };
    const l = listener as (...args: unknown[]) => void;
    if ('addEventListener' in source) {
      source.addEventListener(event, l);
      unbind = () => source.removeEventListener(event, l);
    } else if ('once' in source && typeof source.once === 'function' && !accept) {
      source.once(event, l);
      unbind = () => source.off?.(event, l);
    } else if ('on' in source) {
      const off = (source as { on(event: string, listener: (...args: unknown[]) => void): unknown }).on(event, l);
      unbind = typeof off === 'function' ? (off as () => void) : () => (source as { off?(e: string, f: unknown): unknown }).off?.(event, l);
    } else {
      clearTimeout(timer);
      reject(new Error(`cannot listen for '${event}': the source has no addEventListener or on (once alone takes no accept)`));
    }
  });
}
