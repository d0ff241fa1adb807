import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { nextEvent, until } from '../../../test/helpers/wait.js';
import { label, PrivateRedis, REDIS_URL, streamRecords, uniquePrefix, useSharedRedis } from './helpers.js';

// Real processes: each node is a child process running test/fixtures/node-server.mjs against the
// built package (npm test builds before the Node tests).

const fixture = fileURLToPath(new URL('./fixtures/node-server.mjs', import.meta.url));
const children: ChildProcess[] = [];
const sockets: WebSocket[] = [];
const redis = useSharedRedis(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

interface Node {
  child: ChildProcess;
  port: number;
  stderr(): string;
  produce(count: number, options?: { chunk?: number; everyMs?: number; tag?: string }): Promise<void>;
}

async function startNode(prefix: string, name: string, redisUrl = REDIS_URL): Promise<Node> {
  let stderr = '';
  const child = fork(fixture, [], {
    env: { ...process.env, PREFIX: prefix, NODE: name, REDIS_URL: redisUrl },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: { port?: number }) => m.port && resolve(m.port));
    child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    port,
    stderr: () => stderr,
    produce: async (count, options = {}) => {
      const produced = nextEvent<{ produced?: number }>(child, 'message', 60_000, (m) => m.produced !== undefined);
      child.send({ produce: count, ...options });
      await produced;
    },
  };
}

interface Client {
  frames: Array<{ type: string; id?: string; data?: { message?: string; reason?: string } }>;
  ids(): string[];
  closed: Promise<void>;
  isClosed: boolean;
}

async function connect(port: number, cursor?: { after: string; epoch?: string }, into?: Client): Promise<Client> {
  const query = cursor ? `?after=${cursor.after}${cursor.epoch ? `&epoch=${cursor.epoch}` : ''}` : '';
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/logs${query}`);
  sockets.push(ws);
  const client: Client = into ?? {
    frames: [],
    ids: () => client.frames.filter((f) => f.id).map((f) => f.id!),
    closed: Promise.resolve(),
    isClosed: false,
  };
  client.isClosed = false;
  client.closed = new Promise((resolve) =>
    ws.once('close', () => {
      client.isClosed = true;
      resolve();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (raw) => {
      const frame = JSON.parse(raw.toString()) as Client['frames'][number];
      if (frame.type === 'welcome') resolve();
      else client.frames.push(frame);
    });
    ws.once('error', reject);
  });
  return client;
}

async function streamIds(prefix: string): Promise<{ ids: string[]; messages: string[]; epoch: string }> {
  const entries = await streamRecords(redis.admin, `${prefix}{logs}:x`);
  const epoch = (await redis.admin.hget(`${prefix}{logs}:m`, 'e'))!;
  return { ids: entries.map((e) => e.id), messages: entries.map(label), epoch };
}

beforeAll(() => {
  if (!existsSync(new URL('../dist/index.js', import.meta.url)))
    throw new Error('the node processes run the built package: run `npm run build` first (npm test does)');
});

describe('two server processes sharing one Redis stream', () => {
  it("delivers every record of both nodes to every client on either node exactly once, in the stream's order", async () => {
    const prefix = redis.prefix();
    const [a, b] = await Promise.all([startNode(prefix, 'A'), startNode(prefix, 'B')]);
    const clients = await Promise.all([connect(a.port), connect(a.port), connect(b.port), connect(b.port)]);
    await Promise.all([a.produce(500), b.produce(500)]);

    const stream = await streamIds(prefix);
    expect(stream.ids).toHaveLength(1000);
    expect(stream.messages.filter((m) => m.startsWith('A-'))).toEqual(Array.from({ length: 500 }, (_, i) => `A-${i}`));
    expect(stream.messages.filter((m) => m.startsWith('B-'))).toEqual(Array.from({ length: 500 }, (_, i) => `B-${i}`));
    await until(() => clients.every((c) => c.ids().length >= 1000), 'every client to receive 1000 records', 30_000);
    for (const client of clients) {
      expect(client.ids()).toEqual(stream.ids);
      expect(client.frames.map((f) => f.data?.message)).toEqual(stream.messages);
      expect(client.frames.every((f) => f.type === 'system_log')).toBe(true);
    }
  }, 60_000);

  it('resumes a client moved from a killed node to the other one with zero loss and zero duplicates', async () => {
    const prefix = redis.prefix();
    const [a, b] = await Promise.all([startNode(prefix, 'A'), startNode(prefix, 'B')]);
    const client = await connect(a.port);
    const onB = await connect(b.port);
    const producedByB = b.produce(1500, { chunk: 10, everyMs: 4 });
    void a.produce(1000, { chunk: 10, everyMs: 4 });

    await until(() => client.ids().length >= 300, 'the client to receive 300 records on node A', 30_000);
    a.child.kill('SIGKILL');
    await client.closed;
    const last = client.ids().at(-1)!;
    const received = client.ids().length;
    const epoch = (await redis.admin.hget(`${prefix}{logs}:m`, 'e'))!;
    await connect(b.port, { after: last, epoch }, client);
    await producedByB;

    const stream = await streamIds(prefix);
    expect(stream.epoch).toBe(epoch);
    expect(stream.messages.filter((m) => m.startsWith('B-'))).toHaveLength(1500);
    await until(() => client.ids().length >= stream.ids.length, 'the moved client to catch up', 30_000);
    expect(received).toBeLessThan(stream.ids.length);
    expect(client.frames.some((f) => f.type === 'gap')).toBe(false);
    expect(client.ids()).toEqual(stream.ids);
    expect(new Set(client.ids()).size).toBe(client.ids().length);
    await until(() => onB.ids().length >= stream.ids.length, 'the client on B', 30_000);
    expect(onB.ids()).toEqual(stream.ids);
  }, 60_000);

  it('keeps serving its sockets while Redis is down and delivers what was logged meanwhile once Redis is back', async () => {
    const server = await PrivateRedis.start();
    try {
      const prefix = uniquePrefix();
      const a = await startNode(prefix, 'A', server.url);
      const before = await connect(a.port);
      await a.produce(50, { tag: 'before-' });
      await until(() => before.ids().length === 50, '50 records before the outage');

      await server.kill();
      await until(() => a.stderr().includes('ERR_LOGWIRE_REDIS_UNAVAILABLE'), 'the node to report the outage');
      const produced = a.produce(30, { tag: 'during-' }); // resolves once Redis has them
      // The node still accepts and serves sockets.
      const during = await connect(a.port);
      expect(before.isClosed).toBe(false);

      await server.restart();
      await produced;
      await until(() => before.ids().length === 80 && during.ids().length === 30, 'the records logged during the outage', 30_000);
      const messages = (c: Client) => c.frames.map((f) => (f.type === 'gap' ? `gap:${f.data!.reason}` : f.data!.message!));
      const duringLabels = Array.from({ length: 30 }, (_, i) => `A-during-${i}`);
      // Redis restarted empty (no persistence): a new epoch, announced, then the buffered records once.
      expect(messages(before)).toEqual([...Array.from({ length: 50 }, (_, i) => `A-before-${i}`), 'gap:epoch', ...duringLabels]);
      expect(messages(during).filter((m) => !m.startsWith('gap:'))).toEqual(duringLabels);
      expect(before.isClosed).toBe(false);
    } finally {
      await server.kill();
    }
  }, 60_000);
});
