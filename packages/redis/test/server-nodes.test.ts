import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { until } from '../../../test/helpers/wait.js';
import { label, streamRecords, useSharedRedis } from './helpers.js';
import { live, openClient, startServerNode, stopAll } from './nodes.js';

// Real processes: two `@logwire/server` nodes configured with a RedisBackplane (the built
// packages), real `@logwire/client` clients on each, the shared Redis on 127.0.0.1:6379.

const redis = useSharedRedis(stopAll);

/** Ids and message texts of the stream, oldest first, as Redis holds them. */
async function streamEntries(prefix: string): Promise<{ ids: string[]; labels: string[] }> {
  const entries = (await streamRecords(redis.admin, `${prefix}{logs}:x`)).filter((r) => r.type !== ('dropped' as string));
  return { ids: entries.map((r) => r.id), labels: entries.map(label) };
}

describe('logwire server nodes sharing a Redis stream', () => {
  it('uses the Redis entry ids and the stream epoch as the wire cursor', async () => {
    const prefix = redis.prefix();
    const node = await startServerNode('solo', { PREFIX: prefix });
    const client = openClient(node.port);
    await live(client);
    await node.produce(5);
    await until(() => client.ids.length === 5, '5 messages');
    const stream = await streamEntries(prefix);
    expect(client.ids).toEqual(stream.ids);
    expect(client.labels).toEqual(['solo-0', 'solo-1', 'solo-2', 'solo-3', 'solo-4']);
    expect(client.welcomes[0]!.epoch).toBe(await redis.admin.hget(`${prefix}{logs}:m`, 'e'));
    expect(client.client.cursor).toEqual({ epoch: client.welcomes[0]!.epoch, id: stream.ids[4] });
  });

  it('delivers every record of both nodes exactly once, in the stream order, to clients on either node', async () => {
    const prefix = redis.prefix();
    const a = await startServerNode('a', { PREFIX: prefix });
    const b = await startServerNode('b', { PREFIX: prefix });
    const clients = [openClient(a.port), openClient(a.port), openClient(b.port), openClient(b.port)];
    for (const client of clients) await live(client);
    await Promise.all([a.produce(400, { chunk: 20, everyMs: 1 }), b.produce(400, { chunk: 20, everyMs: 1 })]);
    const stream = await streamEntries(prefix);
    expect(stream.ids.length).toBe(800);
    for (const client of clients) {
      await until(() => client.ids.length >= 800, 'every record on every client');
      expect(client.ids).toEqual(stream.ids);
      expect(client.labels).toEqual(stream.labels);
      expect(client.gaps).toEqual([]);
    }
    const expected = [...Array.from({ length: 400 }, (_, k) => `a-${k}`), ...Array.from({ length: 400 }, (_, k) => `b-${k}`)].sort();
    expect([...clients[0]!.labels].sort()).toEqual(expected);
    // Whether the concurrent records above interleave depends on how the two processes were
    // scheduled; appends that alternate between the nodes, each awaited, must keep their order.
    await a.produce(10, { tag: 'x' });
    await b.produce(10, { tag: 'x' });
    await a.produce(10, { tag: 'y' });
    const alternated = [
      ...Array.from({ length: 10 }, (_, k) => `a-x${k}`),
      ...Array.from({ length: 10 }, (_, k) => `b-x${k}`),
      ...Array.from({ length: 10 }, (_, k) => `a-y${k}`),
    ];
    expect((await streamEntries(prefix)).labels.slice(800)).toEqual(alternated);
    for (const client of clients) {
      await until(() => client.ids.length >= 830, 'the alternated records on every client');
      expect(client.labels.slice(800)).toEqual(alternated);
    }
  });

  it('moves a client from a killed node to the other one with nothing lost and nothing repeated', async () => {
    const prefix = redis.prefix();
    const a = await startServerNode('a', { PREFIX: prefix });
    // B keeps little in memory: a cursor that fell behind while the client moved comes from Redis.
    const b = await startServerNode('b', { PREFIX: prefix, HISTORY: '100' });
    const moved = openClient(a.port);
    const stays = openClient(b.port);
    await live(moved);
    await live(stays);
    const producing = b.produce(600, { chunk: 10, everyMs: 5 });
    await a.produce(200, { chunk: 10, everyMs: 5 });
    await until(() => moved.ids.length >= 300, 'the moved client to be mid-stream');
    // The load balancer now sends the client to B; A dies without a goodbye.
    moved.target.port = b.port;
    await a.kill();
    await producing;
    const stream = await streamEntries(prefix);
    expect(stream.ids.length).toBe(800);
    await until(() => moved.ids.length >= 800 && stays.ids.length >= 800, 'both clients to reach the head');
    await until(() => moved.client.state === 'live', 'the moved client to be live on B');
    expect(moved.ids).toEqual(stream.ids);
    expect(stays.ids).toEqual(stream.ids);
    expect(new Set(moved.ids).size).toBe(800);
    expect(moved.gaps).toEqual([]);
    expect(moved.welcomes.length).toBe(2);
    expect(moved.welcomes[1]!.mode).toBe('resumed');
    expect(moved.welcomes[1]!.epoch).toBe(moved.welcomes[0]!.epoch);
  });

  it('resumes a cursor older than the node holds from Redis, page by page, without a gap', async () => {
    const prefix = redis.prefix();
    const writer = await startServerNode('w', { PREFIX: prefix });
    await writer.produce(500, { chunk: 50, everyMs: 1 });
    // A node that keeps only the newest 50 messages in memory.
    const small = await startServerNode('small', { PREFIX: prefix, HISTORY: '50' });
    expect((await small.info()).held).toBe(50);
    const stream = await streamEntries(prefix);
    const epoch = (await redis.admin.hget(`${prefix}{logs}:m`, 'e'))!;
    const client = openClient(small.port, { epoch, id: stream.ids[9]! });
    await live(client);
    await writer.produce(20, { tag: 'late-' });
    await until(() => client.ids.length >= 510, 'the replay and the live records');
    const after = await streamEntries(prefix);
    expect(client.ids).toEqual(after.ids.slice(10));
    expect(client.gaps).toEqual([]);
    expect(client.welcomes[0]!.mode).toBe('resumed');
  });

  it('keeps the memory of a node bounded: a fixed replay history, an empty backlog, and a client that stops reading is let go', async () => {
    const prefix = redis.prefix();
    const limits = {
      HISTORY: '5000',
      MAXLEN: '5000',
      STALL_MS: '1500',
      HIGH_WATER: String(2 * 1024 * 1024),
      MAX_BUFFERED: String(8 * 1024 * 1024),
    };
    const a = await startServerNode('a', { PREFIX: prefix, ...limits });
    const b = await startServerNode('b', { PREFIX: prefix, ...limits });
    const healthy = openClient(a.port);
    await live(healthy);
    // A raw extended-protocol socket that stops reading after its welcome.
    const stalled = new WebSocket(`ws://127.0.0.1:${a.port}/ws/logs`);
    await new Promise<void>((resolve) => {
      stalled.on('open', () => stalled.send(JSON.stringify({ type: 'hello', data: { v: 1 } })));
      stalled.on('message', (raw) => {
        if ((JSON.parse(raw.toString()) as { type: string }).type !== 'welcome') return;
        (stalled as unknown as { _socket: { pause(): void } })._socket.pause();
        resolve();
      });
    });
    expect((await a.info()).clients).toBe(2);
    // 20 000 records of about 2 KB: far more than the kernel buffers a socket that is not read.
    await Promise.all([a.produce(10_000, { chunk: 50, everyMs: 10, pad: 2000 }), b.produce(10_000, { chunk: 50, everyMs: 10, pad: 2000 })]);
    await until(() => healthy.ids.length >= 20_000, 'every record on the healthy client', 30_000);
    // The stalled socket is dropped (4008, it may resume later) instead of buffering without bound.
    await until(async () => (await a.info()).clients === 1, 'node A to let the stalled socket go', 20_000);
    for (const node of [a, b]) {
      const info = await node.info();
      expect(info.held).toBe(5000);
      expect(info.metrics.backlogRecords).toBe(0);
      expect(info.metrics.dropped).toBe(0);
    }
    // Retention kept the newest 5 000 records (exact trimming, in whole batches: fewer than one more
    // batch of the two nodes' beyond that): the healthy client got those in the same order.
    const stream = await streamEntries(prefix);
    expect(stream.ids.length).toBeGreaterThanOrEqual(5000);
    expect(stream.ids.length).toBeLessThan(6000);
    expect(healthy.ids.slice(-stream.ids.length)).toEqual(stream.ids);
    expect(healthy.gaps).toEqual([]);
    stalled.terminate();
  }, 60_000);
});
