import { createServer, type IncomingMessage, type Server } from 'node:http';
import parsePrometheus, { type ParsedFamily } from 'parse-prometheus-text-format';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { type Authenticate, createLogwire, type Logwire } from '../src/index.js';
import { nextEvent, until } from '../../../test/helpers/wait.js';
import { closeServer, listen, send } from './request-helpers.js';

let logwire: Logwire | undefined;
let server: Server | undefined;
afterEach(async () => {
  if (server !== undefined) await closeServer(server);
  await logwire?.close();
  server = undefined;
  logwire = undefined;
});

const authenticate: Authenticate = (req: IncomingMessage) => {
  if (req.headers.authorization === 'Bearer ops') return { user: 'ops' };
  if (req.headers.authorization === 'Bearer boom') throw new Error('hook failed');
  return false;
};

function sample(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const family = families.find((f) => f.name === name);
  const found = family?.metrics.find((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value));
  return found?.value === undefined ? undefined : Number(found.value);
}

describe('GET /metrics', () => {
  it('serves Prometheus text behind authenticate, fed by the hub, the request middleware and the stream', async () => {
    const lw = createLogwire({ console: false, workers: false, callsite: false });
    logwire = lw;
    const requestLogger = lw.http();
    const metrics = lw.metricsHandler({ authenticate })!;
    server = createServer((req, res) =>
      metrics(req, res, () =>
        requestLogger(req, res, () => {
          res.statusCode = req.url === '/fail' ? 500 : 200;
          res.end('ok');
        }),
      ),
    );
    const base = await listen(server);
    lw.attach(server, { authenticate });
    for (let i = 0; i < 3; i++) await send(`${base}/ok`);
    await send(`${base}/fail`);
    lw.getLogger('app.db').error('timeout');

    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/logs`, { headers: { authorization: 'Bearer ops' } });
    await nextEvent(ws, 'message');

    expect((await send(`${base}/metrics`)).status).toBe(401);
    expect((await send(`${base}/metrics`, { headers: { authorization: 'Bearer boom' } })).status).toBe(500);
    const answer = await until(async () => {
      const got = await send(`${base}/metrics`, { headers: { authorization: 'Bearer ops' } });
      const families = parsePrometheus(got.body);
      return (sample(families, 'logwire_http_requests_total', { status_class: '2xx' }) ?? 0) >= 3 ? { got, families } : undefined;
    }, 'request metrics');
    const { got, families } = answer;
    expect(got.status).toBe(200);
    expect(got.headers['content-type']).toContain('text/plain');
    expect(sample(families, 'logwire_http_requests_total', { status_class: '2xx' })).toBe(3);
    expect(sample(families, 'logwire_http_requests_total', { status_class: '5xx' })).toBe(1);
    expect(sample(families, 'logwire_http_error_ratio', { window: '1m' })).toBe(0.25);
    expect(sample(families, 'logwire_http_requests_per_second', { window: '1m' })).toBeCloseTo(4 / 60, 10);
    expect(sample(families, 'logwire_unique_client_ips')).toBe(1);
    expect(sample(families, 'logwire_http_response_time_ms', { window: '1m', quantile: '0.99' })).toBeGreaterThan(0);
    // The request records (logger http: 3 INFO, 1 ERROR) and the app's error, by level and prefix.
    expect(sample(families, 'logwire_records_total', { level: 'ERROR', logger_prefix: 'app', category: 'system' })).toBe(1);
    expect(sample(families, 'logwire_records_total', { level: 'ERROR', logger_prefix: 'http' })).toBe(1);
    expect(sample(families, 'logwire_records_total', { level: 'INFO', logger_prefix: 'http' })).toBe(3);
    expect(sample(families, 'logwire_stream_clients')).toBe(1);
    expect(sample(families, 'logwire_stream_catching_up_clients')).toBe(0);
    expect(sample(families, 'logwire_stream_bytes_sent_total')).toBeGreaterThan(0);
    ws.terminate();
  });

  it('counts gaps sent to clients by reason', async () => {
    const lw = createLogwire({ console: false, workers: false, historySize: 10 });
    logwire = lw;
    server = createServer(lw.metricsHandler());
    const base = await listen(server);
    lw.attach(server, { authenticate: () => true });
    const log = lw.getLogger('app');
    log.info('first');
    lw.hub.flush();
    const cursor = lw.hub.head!.id;
    for (let i = 0; i < 30; i++) log.info(`filler ${i}`);
    lw.hub.flush();
    // A client resuming from a cursor that left the history is told of a gap (reason "trimmed").
    const ws = new WebSocket(`${base.replace('http', 'ws')}/ws/logs`);
    const frames: string[] = [];
    ws.on('message', (data: Buffer) => frames.push(String(data)));
    await nextEvent(ws, 'open');
    ws.send(JSON.stringify({ type: 'hello', data: { v: 1, cursor: { epoch: lw.hub.epoch, id: cursor } } }));
    await until(() => frames.some((frame) => frame.startsWith('{"type":"gap"')), 'a gap frame');
    const families = parsePrometheus((await send(`${base}/metrics`)).body);
    expect(sample(families, 'logwire_stream_gaps_total', { reason: 'trimmed' })).toBe(1);
    ws.terminate();
  });
});
