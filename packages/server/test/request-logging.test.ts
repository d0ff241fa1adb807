import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { nextEvent } from '../../../test/helpers/wait.js';
import { closeServer, listen, recordsOf, send } from './request-helpers.js';

let logwire: Logwire | undefined;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await logwire?.close();
  logwire = undefined;
});

function setup(): { lw: Logwire; records: ReturnType<typeof recordsOf> } {
  const lw = createLogwire({ callsite: false, workers: false });
  logwire = lw;
  return { lw, records: recordsOf(lw) };
}

async function serve(server: Server): Promise<string> {
  const base = await listen(server);
  cleanups.push(() => closeServer(server));
  return base;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('logwire.http() on node:http', () => {
  it('writes one record with every field of the seed 004 schema and echoes the request id', async () => {
    const { lw, records } = setup();
    const log = lw.http({ user: (req) => (req.headers['x-user'] === undefined ? null : 'u-7'), query: true });
    const base = await serve(createServer(log.wrap((_req, res) => res.end('hello'))));
    const answer = await send(`${base}/items/1?token=s3cr3t-value&page=2`, {
      headers: { 'user-agent': 'probe/1.0', referer: 'http://app.example/list', 'x-request-id': 'req-abc_123', 'x-user': '1' },
    });
    expect(answer.headers['x-request-id']).toBe('req-abc_123');
    const [record] = await records.wait(1);
    expect(record).toMatchObject({
      level: 'INFO',
      logger: 'http',
      message: 'GET /items/1 200',
      category: 'http',
      method: 'GET',
      path: '/items/1',
      route: null,
      status_code: 200,
      bytes_sent: 5,
      client_ip: '127.0.0.1',
      user_agent: 'probe/1.0',
      referrer: 'http://app.example/list',
      user_id: 'u-7',
      request_id: 'req-abc_123',
      trace_id: null,
      query: { token: '[REDACTED]', page: '2' },
    });
    const keys = Object.keys(record!);
    expect(keys.slice(keys.indexOf('line') + 1)).toEqual([
      'category',
      'method',
      'path',
      'route',
      'status_code',
      'response_time_ms',
      'bytes_sent',
      'client_ip',
      'user_agent',
      'referrer',
      'user_id',
      'request_id',
      'trace_id',
      'query',
    ]);
    expect(record!['response_time_ms']).toBeTypeOf('number');
    expect(record!['error']).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain('s3cr3t');
  });

  it('takes trace_id from the context the request arrives in', async () => {
    const { lw, records } = setup();
    const log = lw.http();
    const server = createServer((req, res) => lw.context.run({ trace_id: 'trace-1' }, () => log(req, res, () => res.end())));
    const base = await serve(server);
    await send(base);
    const [record] = await records.wait(1);
    expect(record).toMatchObject({ trace_id: 'trace-1' });
  });

  it('logs the path without the query string unless `query` is set', async () => {
    const { lw, records } = setup();
    const base = await serve(createServer(lw.http().wrap((_req, res) => res.end())));
    await send(`${base}/search?password=hunter2`);
    const [record] = await records.wait(1);
    expect(record!['path']).toBe('/search');
    expect(JSON.stringify(record)).not.toContain('hunter2');
  });

  it('replaces an X-Request-Id that is too long or has unsafe characters with a generated one', async () => {
    const { lw, records } = setup();
    const base = await serve(createServer(lw.http().wrap((_req, res) => res.end())));
    const long = await send(base, { headers: { 'x-request-id': 'a'.repeat(129) } });
    const spaced = await send(base, { headers: { 'x-request-id': 'a b"<script>' } });
    const none = await send(base);
    for (const answer of [long, spaced, none]) expect(answer.headers['x-request-id']).toMatch(UUID);
    const list = await records.wait(3);
    expect(list.map((r) => r['request_id'])).toEqual([long, spaced, none].map((a) => a.headers['x-request-id']));
  });

  it('counts the bytes of a streamed response', async () => {
    const { lw, records } = setup();
    const server = createServer(
      lw.http().wrap((_req, res) => {
        res.write('first chunk,');
        setImmediate(() => {
          res.write(Buffer.from('ünïcode,'));
          setImmediate(() => res.end('last'));
        });
      }),
    );
    const base = await serve(server);
    const answer = await send(base);
    expect(answer.body).toBe('first chunk,ünïcode,last');
    const [record] = await records.wait(1);
    expect(record!['bytes_sent']).toBe(Buffer.byteLength(answer.body));
  });

  it('writes one record for a request the client aborts mid-response', async () => {
    const { lw, records } = setup();
    const server = createServer(
      lw.http().wrap((_req, res) => {
        res.write('partial');
        // Never ends: the client goes away.
      }),
    );
    const base = await serve(server);
    const req = httpRequest(base);
    req.on('error', () => undefined);
    req.end();
    const res = await nextEvent<IncomingMessage>(req, 'response');
    await nextEvent(res, 'data');
    req.destroy();
    const [record] = await records.wait(1);
    expect(record).toMatchObject({ level: 'WARNING', status_code: 200, bytes_sent: 7, message: 'GET / aborted' });
    expect(record!['error']).toMatch(/^aborted/);
    expect(records.all('http')).toHaveLength(1);
  });

  it('takes proxy headers for client_ip only with trustProxy', async () => {
    const { lw, records } = setup();
    const trusting = await serve(createServer(lw.http({ trustProxy: true }).wrap((_req, res) => res.end())));
    const plain = await serve(createServer(lw.http().wrap((_req, res) => res.end())));
    const xff = { 'x-forwarded-for': '203.0.113.7, 10.0.0.1' };
    const forwarded = { forwarded: 'for="[2001:db8::1]:4711";proto=https, for=10.0.0.1' };
    await send(trusting, { headers: xff });
    await send(trusting, { headers: forwarded });
    await send(trusting, { headers: { 'x-forwarded-for': 'not-an-ip' } });
    await send(plain, { headers: xff });
    await send(plain, { headers: forwarded });
    const list = await records.wait(5);
    expect(list.map((r) => r['client_ip'])).toEqual(['203.0.113.7', '2001:db8::1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('sets the level from the status (or the level option), marks slow requests, and skips ignored paths', async () => {
    const { lw, records } = setup();
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const code = Number(req.url?.slice(1));
      res.statusCode = Number.isInteger(code) && code >= 100 ? code : 200;
      res.end();
    };
    const base = await serve(createServer(lw.http({ ignore: ['/health'], slowMs: 0 }).wrap(handler)));
    const custom = await serve(
      createServer(
        lw.http({ level: (status) => (status === 404 ? 'DEBUG' : 'CRITICAL'), ignore: (req) => req.method === 'HEAD' }).wrap(handler),
      ),
    );
    for (const path of ['/200', '/404', '/503', '/health']) await send(base + path);
    await send(`${custom}/404`);
    await send(`${custom}/201`);
    await send(`${custom}/200`, { method: 'HEAD' });
    await send(`${custom}/202`);
    // The custom 404 is DEBUG, below the default INFO threshold: dropped; HEAD is ignored.
    const list = await records.wait(5);
    expect(list.map((r) => [r['status_code'], r['level'], r['slow']])).toEqual([
      [200, 'INFO', true],
      [404, 'WARNING', true],
      [503, 'ERROR', true],
      [201, 'CRITICAL', undefined],
      [202, 'CRITICAL', undefined],
    ]);
  });

  it('logs a request seen by two middlewares once', async () => {
    const { lw, records } = setup();
    const app = express();
    app.use(lw.http());
    app.use(lw.http());
    app.get('/twice', (_req, res) => res.send('ok'));
    const base = await serve(createServer(lw.http().wrap(app)));
    await send(`${base}/twice`);
    await send(`${base}/twice`);
    await records.wait(2);
    lw.getLogger('test').info('fence');
    await records.wait(1, 'test');
    expect(records.all('http')).toHaveLength(2);
  });
});

describe('logwire.http() in Express 5', () => {
  it('logs the route, the user, a 404 and a thrown error (with errorHandler)', async () => {
    const { lw, records } = setup();
    const log = lw.http({ user: (req) => (req as IncomingMessage & { user?: string }).user });
    const app = express();
    app.use(log);
    app.use((req, _res, next) => {
      (req as IncomingMessage & { user?: string }).user = 'alice';
      next();
    });
    app.get('/users/:id', (_req, res) => res.json({ ok: true }));
    app.get('/boom', () => {
      throw new Error('handler failed');
    });
    app.use(log.errorHandler);
    const base = await serve(createServer(app));
    await send(`${base}/users/42`);
    await send(`${base}/missing`);
    const boom = await send(`${base}/boom`);
    expect(boom.status).toBe(500);
    const list = await records.wait(3);
    expect(list[0]).toMatchObject({ path: '/users/42', route: '/users/:id', status_code: 200, user_id: 'alice', level: 'INFO' });
    expect(list[0]!['bytes_sent']).toBe(11);
    expect(list[1]).toMatchObject({ path: '/missing', route: null, status_code: 404, level: 'WARNING' });
    expect(list[2]).toMatchObject({ path: '/boom', route: '/boom', status_code: 500, level: 'ERROR' });
    expect(JSON.stringify(list[2]!['error'])).toContain('handler failed');
  });
});

describe('logwire.fastify in Fastify 5', () => {
  it('logs route, 404 and a thrown error once each, and runs handlers in the request context', async () => {
    const { lw, records } = setup();
    const app = Fastify();
    await app.register(lw.fastify, { ignore: ['/health'] });
    app.get('/users/:id', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      lw.getLogger('app').info('inside');
      return { ok: true };
    });
    app.post('/echo', async (request) => {
      lw.getLogger('app').info('posted');
      return request.body;
    });
    app.get('/boom', async () => {
      throw new Error('fastify handler failed');
    });
    app.get('/health', async () => 'ok');
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const ok = await send(`${base}/users/7`, { headers: { 'x-request-id': 'fastify-1' } });
    expect(ok.headers['x-request-id']).toBe('fastify-1');
    await send(`${base}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'post-1' },
      body: '{"a":1}',
    });
    await send(`${base}/health`);
    await send(`${base}/nope`);
    await send(`${base}/boom`);
    const list = await records.wait(4);
    expect(list.map((r) => [r['path'], r['route'], r['status_code'], r['level']])).toEqual([
      ['/users/7', '/users/:id', 200, 'INFO'],
      ['/echo', '/echo', 200, 'INFO'],
      ['/nope', null, 404, 'WARNING'],
      ['/boom', '/boom', 500, 'ERROR'],
    ]);
    expect(list[1]!['bytes_sent']).toBe(7);
    expect(JSON.stringify(list[3]!['error'])).toContain('fastify handler failed');
    const inside = records.all('app');
    expect(inside.map((r) => [r['message'], r['request_id']])).toEqual([
      ['inside', 'fastify-1'],
      ['posted', 'post-1'],
    ]);
  });

  it('writes one record for a streamed reply the client aborts, with the bytes sent so far', async () => {
    const { lw, records } = setup();
    const app = Fastify();
    await app.register(lw.fastify);
    app.get('/stream', async (_request, reply) => {
      const body = new PassThrough();
      body.write('first,');
      return reply.type('text/plain').send(body); // never ends: the client goes away
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => app.close());
    const address = app.server.address();
    const req = httpRequest(`http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/stream`);
    req.on('error', () => undefined);
    req.end();
    const res = await nextEvent<IncomingMessage>(req, 'response');
    await nextEvent(res, 'data');
    req.destroy();
    const [record] = await records.wait(1);
    expect(record).toMatchObject({ route: '/stream', status_code: 200, level: 'WARNING', message: 'GET /stream aborted' });
    expect(record!['bytes_sent']).toBe(6);
    expect(record!['error']).toMatch(/^aborted/);
  });
});
