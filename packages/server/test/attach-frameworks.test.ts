import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { collect } from '../../../test/helpers/ws-collector.js';

let logwire: Logwire | undefined;
let close: (() => Promise<unknown>) | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  await close?.();
  close = undefined;
});

/** A seed-style client: connects, never sends, expects history then live frames. */
async function historyThenLive(lw: Logwire, base: string, path = '/ws/logs'): Promise<void> {
  const log = lw.getLogger('orchestrator.server');
  log.info('before connect', { instance_id: 'abc123' });
  lw.audit('instance_spawn', { instance_id: 'abc123' });
  const client = await collect(`${base}${path}`);
  await client.waitFor(2);
  log.warning('after connect');
  const frames = await client.waitFor(3);
  expect(frames.map((f) => [f['type'], (f['data'] as { message: string }).message])).toEqual([
    ['system_log', 'before connect'],
    ['audit_log', 'instance_spawn'],
    ['system_log', 'after connect'],
  ]);
  expect((frames[0]!['data'] as Record<string, unknown>)['instance_id']).toBe('abc123');
  client.ws.close();
  await client.closed;
}

async function httpGet(url: string): Promise<string> {
  const response = await fetch(url);
  return response.text();
}

describe('attaching the endpoint', () => {
  it('to a plain node:http server, on /ws/logs and the /ws/monitor alias, leaving HTTP to the app', async () => {
    logwire = createLogwire({ workers: false, callsite: false });
    const server: Server = createServer((_req, res) => res.end('app ok'));
    logwire.attach(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    close = () => new Promise((resolve) => server.close(resolve));
    const port = (server.address() as AddressInfo).port;
    await historyThenLive(logwire, `ws://127.0.0.1:${port}`);
    const monitor = await collect(`ws://127.0.0.1:${port}/ws/monitor`);
    expect((await monitor.waitFor(3)).map((f) => f['type'])).toEqual(['system_log', 'audit_log', 'system_log']);
    monitor.ws.close();
    expect(await httpGet(`http://127.0.0.1:${port}/`)).toBe('app ok');
  });

  it('to Express (the server app.listen() returns)', async () => {
    logwire = createLogwire({ workers: false, callsite: false });
    const app = express();
    app.get('/health', (_req, res) => {
      res.json({ ok: true });
    });
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    close = () => new Promise((resolve) => server.close(resolve));
    logwire.attach(server);
    const port = (server.address() as AddressInfo).port;
    await historyThenLive(logwire, `ws://127.0.0.1:${port}`);
    expect(await httpGet(`http://127.0.0.1:${port}/health`)).toBe('{"ok":true}');
  });

  it('to Fastify (fastify.server)', async () => {
    logwire = createLogwire({ workers: false, callsite: false });
    const app: FastifyInstance = Fastify();
    app.get('/health', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    close = () => app.close();
    logwire.attach(app.server);
    const port = (app.server.address() as AddressInfo).port;
    await historyThenLive(logwire, `ws://127.0.0.1:${port}`);
    expect(await httpGet(`http://127.0.0.1:${port}/health`)).toBe('{"ok":true}');
  });

  it('standalone with logwire.listen(), which answers plain HTTP with 426', async () => {
    logwire = createLogwire({ workers: false, callsite: false });
    const { address } = await logwire.listen(0, '127.0.0.1');
    await historyThenLive(logwire, `ws://127.0.0.1:${address.port}`);
    const response = await fetch(`http://127.0.0.1:${address.port}/`);
    expect(response.status).toBe(426);
    await response.text();
  });
});
