import { Redis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ReadBatch, RedisBackplane } from '../src/index.js';
import { turn, until } from '../../../test/helpers/wait.js';
import { freePort, label, PrivateRedis, record, requireRedis, uniquePrefix } from './helpers.js';

// These tests stop and start Redis, so they run their own redis-server on a free port instead of
// touching the shared one.

const cleanup: Array<() => Promise<unknown> | void> = [];

beforeAll(requireRedis);

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function privateRedis(): Promise<PrivateRedis> {
  const server = await PrivateRedis.start();
  cleanup.push(() => server.kill());
  return server;
}

function node(
  server: PrivateRedis,
  prefix: string,
  name: string,
  options: ConstructorParameters<typeof RedisBackplane>[0] = {},
): RedisBackplane {
  const bp = new RedisBackplane({
    redis: server.url,
    prefix,
    node: name,
    read: { blockMs: 200 },
    reconnect: { minDelayMs: 20, maxDelayMs: 200 },
    ...options,
  });
  cleanup.push(() => bp.close());
  return bp;
}

const labels = (p: string, n: number) => Array.from({ length: n }, (_, i) => `${p}${i}`);

describe('Redis unavailable or restarting', () => {
  it('buffers a bounded backlog, reports the outage, reconnects with backoff and appends the backlog exactly once', async () => {
    const server = await privateRedis();
    const prefix = uniquePrefix();
    const writer = node(server, prefix, 'w', { backlog: { maxRecords: 100 } });
    const reader = node(server, prefix, 'r');
    const events: string[] = [];
    const errors: string[] = [];
    writer.on('outage', () => events.push('outage'));
    writer.on('recovered', () => events.push('recovered'));
    writer.on('error', (e) => errors.push(e.code));
    const batches: ReadBatch[] = [];
    await reader.subscribe('logs', (b) => void batches.push(b));
    const entries = () => batches.flatMap((b) => b.entries);

    writer.append(
      'logs',
      labels('a', 50).map((l) => record(l)),
    );
    await writer.flush();
    await until(() => entries().length === 50, '50 entries before the outage');

    await server.kill();
    await until(() => events.includes('outage') && !writer.metrics.connected, 'the outage to be reported');
    expect(writer.metrics.downSince).toBeTypeOf('number');
    expect(errors[0]).toBe('ERR_LOGWIRE_REDIS_UNAVAILABLE');

    // The node keeps logging: appends never throw, the backlog holds the first 100, the rest is counted.
    for (const l of labels('b', 150)) {
      expect(() => writer.append('logs', [record(l)])).not.toThrow();
      await turn();
    }
    expect(writer.metrics).toMatchObject({ backlogRecords: 100, dropped: 50, connected: false, outages: 1 });
    expect(writer.metrics.backlogPeak).toBe(100);
    expect(errors).toContain('ERR_LOGWIRE_REDIS_BACKLOG_FULL');
    await until(() => writer.metrics.reconnectAttempts >= 4, 'several reconnection attempts');

    await server.restart();
    await writer.flush();
    await until(() => events.includes('recovered'), 'recovery');
    expect(events).toEqual(['outage', 'recovered']);
    expect(writer.metrics.downSince).toBeUndefined();
    expect(writer.metrics.downMs).toBeGreaterThan(0);
    writer.append(
      'logs',
      labels('c', 10).map((l) => record(l)),
    );
    await writer.flush();

    await until(() => entries().length === 160, 'all 160 entries at the reader');
    expect(entries().map(label)).toEqual([...labels('a', 50), ...labels('b', 100), ...labels('c', 10)]);
    // Redis came back empty (no persistence): a new epoch, then the backlog, then the announced drop.
    const gaps = batches.flatMap((b) => (b.gap ? [b.gap] : []));
    expect(gaps.map((g) => g.reason)).toEqual(['epoch', 'dropped']);
    expect(gaps[1]!.count).toBe(50);
    expect(
      new Set(
        entries()
          .slice(50)
          .map((e) => e.epoch),
      ).size,
    ).toBe(1);
    expect(entries()[50]!.epoch).not.toBe(entries()[0]!.epoch);

    // What Redis holds now: the backlog once, the marker, the later records.
    const first = await reader.range('logs');
    expect(first.entries.map(label)).toEqual(labels('b', 100));
    const second = await reader.range('logs', { after: first.entries.at(-1)!.id, epoch: first.epoch });
    expect(second.gap).toMatchObject({ reason: 'dropped', count: 50, node: 'w' });
    expect(second.entries.map(label)).toEqual(labels('c', 10));
    expect(writer.metrics.appended).toBe(50 + 100 + 1 + 10);
  });

  it('appends every record exactly once, in order, while its connections keep being killed', async () => {
    const server = await privateRedis();
    const prefix = uniquePrefix();
    const writer = node(server, prefix, 'w', { batch: { maxRecords: 40 } });
    const reader = node(server, prefix, 'r');
    const admin = new Redis(server.url, { protocol: 2 });
    cleanup.push(() => admin.disconnect());
    const batches: ReadBatch[] = [];
    await reader.subscribe('logs', (b) => void batches.push(b));
    await until(() => writer.metrics.connected, 'writer connection');

    let killed = 0;
    for (let i = 0; i < 60; i++) {
      writer.append(
        'logs',
        labels(`t${i}-`, 50).map((l) => record(l)),
      );
      await turn();
      if (i % 6 === 5) {
        await until(() => writer.metrics.connected, 'reconnection');
        killed += Number(await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
        await turn();
      }
    }
    await writer.flush();
    expect(killed).toBeGreaterThanOrEqual(20); // both connections, ten times
    const expected = Array.from({ length: 60 }, (_, i) => labels(`t${i}-`, 50)).flat();

    const stored: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await reader.range('logs', { after, count: 1000 });
      expect(page.gap).toBeUndefined();
      stored.push(...page.entries.map(label));
      after = page.entries.at(-1)?.id ?? after;
      if (page.done) break;
    }
    expect(stored).toEqual(expected);
    // A batch whose reply was lost with the connection is re-sent; Redis skips what it already holds.
    expect(writer.metrics.appended + writer.metrics.duplicatesSkipped).toBe(3000);

    await until(() => batches.flatMap((b) => b.entries).length === 3000, 'the reader to catch up across its reconnections');
    expect(batches.flatMap((b) => b.entries).map(label)).toEqual(expected);
    expect(batches.every((b) => b.gap === undefined)).toBe(true);
  });

  it('bounds its memory by the backlog, in records and in bytes, however many streams it writes', async () => {
    const nowhere = `redis://127.0.0.1:${await freePort()}`; // nothing listens: a node cut off from Redis
    const byCount = new RedisBackplane({
      redis: nowhere,
      backlog: { maxRecords: 1000 },
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
      connectWaitMs: 100,
    });
    const byBytes = new RedisBackplane({
      redis: nowhere,
      backlog: { maxRecords: 100_000, maxBytes: 64 * 1024 },
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    });
    cleanup.push(
      () => byCount.close(),
      () => byBytes.close(),
    );
    const drops: string[] = [];
    byCount.on('dropped', ({ stream }) => drops.push(stream));
    const big = { ...record('x'), data: JSON.stringify({ message: 'x'.repeat(1000) }) };
    for (let s = 0; s < 500; s++) {
      byCount.append(
        `stream-${s}`,
        labels(`s${s}-`, 20).map((l) => record(l)),
      );
      byBytes.append(`stream-${s}`, [big, big]);
    }
    expect(byCount.metrics).toMatchObject({ backlogRecords: 1000, dropped: 9000, backlogPeak: 1000 });
    expect(byBytes.metrics.backlogBytes).toBeLessThanOrEqual(64 * 1024);
    expect(byBytes.metrics.backlogRecords).toBe(Math.floor((64 * 1024) / (big.data.length + big.logger.length + 64)));
    expect(byBytes.metrics.dropped).toBe(1000 - byBytes.metrics.backlogRecords);
    // Drops are announced per stream once the stream has room again (a marker each), not before.
    expect(drops).toEqual([]);
    await expect(byCount.range('stream-0')).rejects.toMatchObject({ code: 'ERR_LOGWIRE_REDIS_UNAVAILABLE' });
  });
});
