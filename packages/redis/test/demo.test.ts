import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, REDIS_URL, requireRedis, uniquePrefix, waitFor } from './helpers.js';

// The runnable example of the docs (demo/two-node/node.mjs), started twice as real processes.
const nodeScript = fileURLToPath(new URL('../../../demo/two-node/node.mjs', import.meta.url));
const prefix = uniquePrefix();
const children: ChildProcess[] = [];
const sockets: WebSocket[] = [];
let admin: Redis;

function start(name: string): Promise<number> {
  const child = spawn(process.execPath, [nodeScript], { env: { ...process.env, PORT: '0', NODE: name, PREFIX: prefix, REDIS_URL, DEMO_RATE: '50' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /http:\/\/localhost:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
}

beforeAll(async () => {
  await requireRedis();
  if (!existsSync(new URL('../dist/index.js', import.meta.url))) throw new Error('the demo runs the built packages: run `npm run build` first (npm test does)');
  admin = new Redis(REDIS_URL);
});

afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
  await deleteKeys(admin, prefix);
  await admin.quit();
});

describe('demo/two-node', () => {
  it('serves the records of both nodes on each node, with the same ids', async () => {
    const [portA, portB] = await Promise.all([start('node-a'), start('node-b')]);
    const ids = [portA, portB].map((port) => {
      const seen: string[] = [];
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/logs`);
      sockets.push(ws);
      ws.on('message', (raw) => {
        const frame = JSON.parse(raw.toString()) as { id?: string };
        if (frame.id) seen.push(frame.id);
      });
      return seen;
    });
    const nodeOf = async () => {
      const entries = await admin.xrange(`${prefix}{demo}:x`, '-', '+');
      return new Map(entries.map(([id, f]) => [id, f[f.indexOf('h') + 1]!.split('\x1f')[3]]));
    };
    await waitFor(async () => {
      const nodes = await nodeOf();
      return ids.every((seen) => new Set(seen.map((id) => nodes.get(id))).size === 2);
    }, 'both pages to show records of both nodes', 30_000);
    // Both connections see one stream: the ids they share come in the same order.
    const [a, b] = ids as [string[], string[]];
    const common = a.filter((id) => b.includes(id));
    expect(common.length).toBeGreaterThan(0);
    expect(b.filter((id) => common.includes(id))).toEqual(common);
  }, 60_000);
});
