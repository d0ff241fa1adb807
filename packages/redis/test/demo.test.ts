import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { LogStreamClient, type WebSocketConstructor } from '@logwire/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/helpers/wait.js';
import { deleteKeys, REDIS_URL, requireRedis, streamRecords, uniquePrefix } from './helpers.js';

// The runnable example of the docs (demo/two-node/node.mjs), started twice as real processes.
const nodeScript = fileURLToPath(new URL('../../../demo/two-node/node.mjs', import.meta.url));
const prefix = uniquePrefix();
const children: ChildProcess[] = [];
const sockets: WebSocket[] = [];
const clients: LogStreamClient[] = [];
let admin: Redis;

function start(name: string): Promise<number> {
  const child = spawn(process.execPath, [nodeScript], {
    env: { ...process.env, PORT: '0', NODE: name, PREFIX: prefix, REDIS_URL, DEMO_RATE: '50' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  await requireRedis();
  if (!existsSync(new URL('../dist/index.js', import.meta.url)))
    throw new Error('the demo runs the built packages: run `npm run build` first (npm test does)');
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  for (const client of clients) client.close();
  await Promise.all(
    children
      .filter((child) => child.exitCode === null)
      .map((child) => {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        return exited;
      }),
  );
  await deleteKeys(admin, prefix);
  await admin.quit();
});

describe('demo/two-node', () => {
  it('runs two logwire server nodes that stream the records of both, with the same Redis ids, to the page client', async () => {
    const [portA, portB] = await Promise.all([start('node-a'), start('node-b')]);
    // What the page does: a LogStreamClient on /ws/logs (extended protocol), plus a legacy socket.
    const ids = [portA, portB].map((port) => {
      const seen: string[] = [];
      const client = new LogStreamClient(`ws://127.0.0.1:${port}/ws/logs`, { WebSocket: WebSocket as unknown as WebSocketConstructor });
      clients.push(client);
      client.on('message', (message) => seen.push(message.id as string));
      return seen;
    });
    const legacy: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${portB}/ws/logs`);
    sockets.push(ws);
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as { id?: string };
      if (frame.id) legacy.push(frame.id);
    });
    const nodeOf = async () => new Map((await streamRecords(admin, `${prefix}{demo}:x`)).map((r) => [r.id, r.node]));
    await until(
      async () => {
        const nodes = await nodeOf();
        return [...ids, legacy].every((seen) => new Set(seen.flatMap((id) => nodes.get(id) ?? [])).size === 2);
      },
      'both pages to show records of both nodes',
      30_000,
    );
    // Every id is a record id of the Redis stream, and both nodes deliver one stream: shared ids in
    // the same order. The ids are copied before the stream is read: records keep arriving while the
    // XRANGE reply travels, and one delivered after the XRANGE ran is rightly not in it.
    const [a, b] = ids.map((seen) => seen.slice()) as [string[], string[]];
    const nodes = await nodeOf();
    expect(a.filter((id) => !nodes.has(id))).toEqual([]);
    const common = a.filter((id) => b.includes(id));
    expect(common.length).toBeGreaterThan(0);
    expect(b.filter((id) => common.includes(id))).toEqual(common);
    expect(clients.map((client) => client.protocol)).toEqual(['extended', 'extended']);

    // The page, its bundle, the metrics and the query API behind "Load older".
    const page = await fetch(`http://127.0.0.1:${portA}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<system-log-panel');
    expect((await fetch(`http://127.0.0.1:${portA}/logwire.bundle.js`)).status).toBe(200);
    const metrics = (await (await fetch(`http://127.0.0.1:${portA}/metrics`)).json()) as {
      node: string;
      connected: boolean;
      appended: number;
    };
    expect(metrics.node).toBe('node-a');
    expect(metrics.connected).toBe(true);
    expect(metrics.appended).toBeGreaterThan(0);
    const older = await fetch(`http://127.0.0.1:${portB}/logs/system?limit=5`);
    expect(older.status).toBe(200);
    const body = (await older.json()) as { entries: Array<{ id: string }> };
    expect(body.entries.length).toBeGreaterThan(0);
    // The files hold the shared stream under its Redis ids.
    const now = await nodeOf();
    expect(body.entries.filter((entry) => !now.has(entry.id))).toEqual([]);
  }, 60_000);
});
