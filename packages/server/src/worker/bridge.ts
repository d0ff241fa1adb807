import { BroadcastChannel } from 'node:worker_threads';
import type { LogEntry } from '../logger/format.js';

/** Name of the channel on which worker threads send their records to the main thread. */
export const DEFAULT_WORKER_CHANNEL = 'logwire:records';

/** Most entries a forwarder holds before it posts without waiting for the end of the turn. */
const MAX_PENDING = 256;

/**
 * Worker side: collects the entries a worker thread's loggers produce (already formatted and
 * redacted there) and posts them to the main thread once per event-loop turn. Posting is a
 * structured-clone copy into another thread's queue: it never waits on the main thread.
 */
export class WorkerForwarder {
  readonly #channel: BroadcastChannel;
  #pending: LogEntry[] = [];
  #scheduled: ReturnType<typeof setImmediate> | undefined;
  #closed = false;

  constructor(channel: string = DEFAULT_WORKER_CHANNEL) {
    this.#channel = new BroadcastChannel(channel);
    // The channel alone must not keep a worker alive; a pending flush does (setImmediate).
    this.#channel.unref();
  }

  /** Queues one entry for the main thread. Never throws. */
  push(entry: LogEntry): void {
    if (this.#closed) return;
    this.#pending.push(entry);
    if (this.#pending.length >= MAX_PENDING) this.flush();
    else this.#scheduled ??= setImmediate(() => this.flush());
  }

  /** Posts what is pending now. */
  flush(): void {
    if (this.#scheduled !== undefined) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#channel.postMessage(batch);
    } catch {
      // The channel is closed (the thread is shutting down); nothing can carry these any more.
    }
  }

  /** Posts what is pending and closes the channel. */
  close(): void {
    this.flush();
    this.#closed = true;
    this.#channel.close();
  }
}

/**
 * Main side: listens for batches from worker threads and hands each valid entry to `publish`.
 * Returns the function that stops listening.
 */
export function receiveFromWorkers(channel: string, publish: (entry: LogEntry) => void, onError: (error: unknown) => void): () => void {
  const listener = new BroadcastChannel(channel);
  listener.unref();
  listener.onmessage = (event: unknown) => {
    const batch = (event as { data?: unknown }).data;
    if (!Array.isArray(batch)) return;
    for (const item of batch) {
      const entry = asEntry(item);
      if (entry === undefined) continue;
      try {
        publish(entry);
      } catch (error) {
        onError(error);
      }
    }
  };
  return () => listener.close();
}

/** Checks the shape of an entry that crossed a thread boundary; anything else is ignored. */
function asEntry(item: unknown): LogEntry | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const { type, time, level, logger, data } = item as Record<string, unknown>;
  if (type !== 'system_log' && type !== 'audit_log') return undefined;
  if (typeof time !== 'number' || !Number.isFinite(time) || typeof level !== 'number' || typeof logger !== 'string') return undefined;
  if (typeof data !== 'string' || !data.startsWith('{') || !data.endsWith('}')) return undefined;
  return { type, time, level, logger, data };
}
