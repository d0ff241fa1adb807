import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { collect } from '../../../test/helpers/ws-collector.js';

let logwire: Logwire;
let server: Server | undefined;

afterEach(async () => {
  await logwire?.close();
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

async function listen(): Promise<string> {
  server = createServer((_req, res) => res.end('app'));
  logwire.attach(server);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('WebSocket endpoint (seed-compatible clients)', () => {
  it('delivers a system_log and an audit_log, one {type,id,data} per frame', async () => {
    logwire = createLogwire();
    const base = await listen();
    const client = await collect(`${base}/ws/logs`);
    logwire.getLogger('madrox.server').info('Server started', { instance_id: 'abc123' });
    logwire.getLogger('audit.instance').audit('instance_spawn', { instance_id: 'test456' }, { message: 'Instance spawned' });
    const [system, audit] = await client.waitFor(2);
    expect(system).toMatchObject({
      type: 'system_log',
      data: { level: 'INFO', logger: 'madrox.server', message: 'Server started', module: 'ws-endpoint', instance_id: 'abc123' },
    });
    expect(Object.keys(system!)).toEqual(['type', 'id', 'data']);
    expect(audit).toMatchObject({
      type: 'audit_log',
      data: {
        level: 'INFO',
        logger: 'audit.instance',
        message: 'Instance spawned',
        action: 'instance_spawn',
        metadata: { instance_id: 'test456' },
      },
    });
    expect(Object.keys((audit as { data: object }).data)).toEqual(['timestamp', 'level', 'logger', 'message', 'action', 'metadata']);
    client.ws.close();
  });

  it('replays recent history to a new client, then goes live without repeating it', async () => {
    logwire = createLogwire({ callsite: false });
    const base = await listen();
    const log = logwire.getLogger('app');
    for (let i = 0; i < 5; i++) log.info(`before ${i}`);
    // Not flushed yet: the new client must still get each of these exactly once.
    const client = await collect(`${base}/ws/monitor`);
    await client.waitFor(5);
    log.info('after');
    const frames = await client.waitFor(6);
    // An absence needs elapsed time: a repeated history frame would arrive right behind 'after'.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(frames.map((f) => (f['data'] as { message: string }).message)).toEqual([
      'before 0',
      'before 1',
      'before 2',
      'before 3',
      'before 4',
      'after',
    ]);
    const ids = frames.map((f) => f['id'] as string);
    expect(new Set(ids).size).toBe(6);
    client.ws.close();
  });

  it('closes clients over the connection cap with 1008', async () => {
    logwire = createLogwire();
    server = createServer();
    logwire.attach(server, { maxConnections: 2 });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/logs`;
    const a = await collect(url);
    const b = await collect(url);
    const c = await collect(url);
    expect(await c.closed).toEqual({ code: 1008, reason: 'Connection limit reached' });
    logwire.getLogger('x').warning('still here');
    await a.waitFor(1);
    await b.waitFor(1);
    a.ws.close();
    b.ws.close();
  });

  it('leaves other upgrade paths alone and answers 404 when nobody else handles them', async () => {
    logwire = createLogwire();
    const base = await listen();
    await expect(collect(`${base}/other`)).rejects.toThrow(/404/);
  });
});
