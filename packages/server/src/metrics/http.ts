// GET /metrics: the Prometheus text exposition, behind the same `authenticate` hook as the query API.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Authenticate, runAuthenticate } from '../security/authenticate.js';
import type { LogwireMetrics } from './metrics.js';

/** Options of {@link createMetricsHandler}. */
export interface MetricsHandlerOptions {
  /** The same hook that guards the stream and the query API. Without one, every request is admitted. */
  authenticate?: Authenticate | undefined;
  /** Path served. @default '/metrics' */
  path?: string | undefined;
}

/** A request handler for plain `http` and Express (`next` is called for other paths). */
export type MetricsHandler = (request: IncomingMessage, response: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Serves `GET /metrics` as Prometheus text (`text/plain; version=0.0.4`). Refused by
 * `authenticate` → 401 (500 if the hook throws). Other paths go to `next`, or get 404.
 */
export function createMetricsHandler(metrics: LogwireMetrics, options: MetricsHandlerOptions = {}): MetricsHandler {
  const path = options.path ?? '/metrics';
  return (request, response, next) => {
    const rawPath = (request.url ?? '/').split('?', 1)[0];
    if (rawPath !== path) {
      if (next !== undefined) next();
      else send(response, 404, 'text/plain; charset=utf-8', `use GET ${path}\n`);
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      send(response, 405, 'text/plain; charset=utf-8', 'use GET\n');
      return;
    }
    void serve(metrics, options, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, 'text/plain; charset=utf-8', 'metrics failed\n');
    });
  };
}

async function serve(
  metrics: LogwireMetrics,
  options: MetricsHandlerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const auth = await runAuthenticate(options.authenticate, request);
  if (!auth.ok) {
    send(response, auth.status, 'text/plain; charset=utf-8', auth.status === 401 ? 'authentication required\n' : 'authentication failed\n');
    return;
  }
  const text = await metrics.prometheus();
  send(response, 200, metrics.registry.contentType, request.method === 'HEAD' ? '' : text);
}

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', type);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.end(body);
}
