// How an alert tells the outside world: a callback, or a webhook that POSTs an HMAC-signed JSON
// body, retries with exponential backoff, and never blocks logging (one request in flight, a
// bounded queue; overflow, timeouts and failures go to `onError`).
import { createHmac } from 'node:crypto';
import { LogwireError, LogwireErrorCode } from '../errors.js';

/** What a notifier receives when an alert fires or resolves. */
export interface AlertEvent {
  alert: string;
  state: 'firing' | 'resolved';
  /** The value the condition measured (count, ratio, ms, or ms since the last record). */
  value: number;
  condition: string;
  /** ISO-8601 UTC. */
  at: string;
}

/** Receives alert events; a returned promise that rejects is reported to `onError`. */
export type AlertNotifier = (event: AlertEvent) => void | Promise<void>;

/** Options of {@link webhook}. */
export interface WebhookOptions {
  url: string;
  /** Key of the `X-Logwire-Signature: sha256=<hex HMAC of the body>` header; without one, no signature. */
  secret?: string;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** Attempts after the first. @default 3 */
  retries?: number;
  /** First retry delay; each next one doubles (plus up to 50 % jitter). @default 1000 */
  backoffMs?: number;
  /** One attempt gives up after this long. @default 5000 */
  timeoutMs?: number;
  /** Events waiting to be sent at most; past it the oldest is dropped and reported. @default 100 */
  maxPending?: number;
  /** Told of every failed delivery (after the last retry) and every dropped event. */
  onError?: (error: LogwireError) => void;
}

/** A notifier with what it still has to send. */
export interface WebhookNotifier {
  /** Queues the event and returns at once. */
  (event: AlertEvent): void;
  /** Events queued or in flight. */
  readonly pending: number;
}

/**
 * A webhook notifier: `POST url` with the event as JSON, signed with `secret`
 * (`X-Logwire-Signature: sha256=…`, an HMAC-SHA256 of the exact body). 2xx is delivered; anything
 * else, a network error or a timeout is retried `retries` times with backoff, then reported.
 */
export function webhook(options: WebhookOptions): WebhookNotifier {
  if (typeof options?.url !== 'string' || !/^https?:\/\//.test(options.url))
    throw new LogwireError(LogwireErrorCode.InvalidOption, `webhook url must be an http(s) URL, got ${String(options?.url)}`);
  const retries = options.retries ?? 3;
  const backoffMs = options.backoffMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxPending = options.maxPending ?? 100;
  const report = (error: LogwireError): void => {
    try {
      options.onError?.(error);
    } catch {
      // The reporter failed; nothing left to tell.
    }
  };
  const queue: string[] = [];
  let busy = false;

  async function deliver(body: string): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
    if (options.secret !== undefined)
      headers['x-logwire-signature'] = `sha256=${createHmac('sha256', options.secret).update(body).digest('hex')}`;
    let last = '';
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await delay(backoffMs * 2 ** (attempt - 1) * (1 + Math.random() / 2));
      try {
        const response = await fetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        await response.body?.cancel();
        if (response.ok) return;
        last = `HTTP ${response.status}`;
      } catch (error) {
        last = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
    report(new LogwireError(LogwireErrorCode.Notify, `webhook ${options.url} failed after ${retries + 1} attempts (${last})`));
  }

  async function drain(): Promise<void> {
    busy = true;
    try {
      for (let body = queue.shift(); body !== undefined; body = queue.shift()) await deliver(body);
    } finally {
      busy = false;
    }
  }

  const notify = (event: AlertEvent): void => {
    queue.push(JSON.stringify(event));
    if (queue.length > maxPending) {
      queue.shift();
      report(
        new LogwireError(LogwireErrorCode.Notify, `webhook ${options.url}: more than ${maxPending} events waiting; dropped the oldest`),
      );
    }
    if (!busy) void drain();
  };
  return Object.defineProperty(notify, 'pending', { get: () => queue.length + (busy ? 1 : 0) }) as WebhookNotifier;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
