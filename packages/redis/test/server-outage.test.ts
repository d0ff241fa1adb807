import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../../../test/helpers/wait.js';
import { label, PrivateRedis, streamRecords, uniquePrefix } from './helpers.js';
import { live, openClient, startServerNode, stopAll } from './nodes.js';

// Real server nodes on a redis-server of their own, which the tests kill (SIGKILL) and restart.

const servers: PrivateRedis[] = [];
afterEach(async () => {
  await stopAll();
  for (const server of servers.splice(0)) await server.dispose();
});

async function privateRedis(persistent: boolean): Promise<PrivateRedis> {
  const server = await PrivateRedis.start({ persistent });
  servers.push(server);
  return server;
}

async function streamLabels(url: string, prefix: string): Promise<{ ids: string[]; labels: string[]; markers: string[] }> {
  const admin = new Redis(url, { protocol: 2 });
  try {
    const raw = await streamRecords(admin, `${prefix}{logs}:x`);
    const records = raw.filter((r) => r.type !== ('dropped' as string));
    return {
      ids: records.map((r) => r.id),
      labels: records.map(label),
      markers: raw.filter((r) => r.type === ('dropped' as string)).map((r) => r.id),
    };
  } finally {
    admin.disconnect();
  }
}

const labels = (prefix: string, count: number) => Array.from({ length: count }, (_, k) => `${prefix}${k}`);

describe('server nodes while Redis is away', () => {
  it('keep serving their sockets, bound and report the backlog, and append it once when Redis is back', async () => {
    const redis = await privateRedis(true);
    const prefix = uniquePrefix();
    const a = await startServerNode('a', { PREFIX: prefix, REDIS_URL: redis.url, BACKLOG: '50' });
    const b = await startServerNode('b', { PREFIX: prefix, REDIS_URL: redis.url });
    const onA = openClient(a.port);
    const onB = openClient(b.port);
    await live(onA);
    await live(onB);
    await a.produce(10);
    await until(() => onA.ids.length === 10 && onB.ids.length === 10, 'the first records on both nodes');

    await redis.kill();
    await until(async () => !(await a.info()).metrics.connected, 'node A to notice the outage');
    // The node still serves: its clients stay connected, and a new one gets the history it holds.
    const late = openClient(a.port);
    await live(late);
    expect(late.ids).toEqual(onA.ids);
    await a.produce(80, { wait: false, tag: 'down-' });
    const down = await a.info();
    expect(down.metrics.connected).toBe(false);
    expect(down.metrics.outages).toBe(1);
    expect(down.metrics.backlogRecords).toBe(50);
    expect(down.metrics.dropped).toBe(30);
    expect(down.errors).toContain('ERR_LOGWIRE_REDIS_UNAVAILABLE');
    expect(down.errors).toContain('ERR_LOGWIRE_REDIS_BACKLOG_FULL');
    // Records logged during the outage wait for Redis: nobody has them yet.
    expect(onA.ids.length).toBe(10);
    expect(onA.client.state).toBe('live');

    await redis.restart();
    await until(async () => {
      const { metrics } = await a.info();
      return metrics.backlogRecords === 0 && metrics.connected;
    }, 'the backlog to drain and both connections to be back');
    const after = await a.info();
    expect(after.metrics.connected).toBe(true);
    expect(after.metrics.reconnectAttempts).toBeGreaterThan(0);
    const stream = await streamLabels(redis.url, prefix);
    expect(stream.labels).toEqual([...labels('a-', 10), ...labels('a-down-', 50)]);
    expect(stream.markers.length).toBe(1);
    for (const client of [onA, onB, late]) {
      await until(() => client.ids.length >= 60 && client.gaps.length === 1, 'the backlog and the drop on every client');
      expect(client.ids).toEqual(stream.ids);
      expect(client.gaps).toEqual([
        { from: stream.ids[59], to: stream.markers[0], reason: 'dropped', count: 30, epoch: client.welcomes[0]!.epoch },
      ]);
    }
    await b.produce(5, { tag: 'later-' });
    await until(() => onA.ids.length === 65, 'records after the outage');
    expect(onA.labels.slice(60)).toEqual(labels('b-later-', 5));
    // A client resuming from before the outage, on the other node, gets the drop in its place.
    const resumed = openClient(b.port, { epoch: onA.welcomes[0]!.epoch, id: onA.ids[9]! });
    await live(resumed);
    await until(() => resumed.ids.length >= 55, 'the resumed replay');
    expect(resumed.ids).toEqual(onA.ids.slice(10));
    expect(resumed.gaps).toEqual(onA.gaps);
  });

  it('start a new epoch when Redis comes back empty, and deliver the backlog once', async () => {
    const redis = await privateRedis(false);
    const prefix = uniquePrefix();
    const a = await startServerNode('a', { PREFIX: prefix, REDIS_URL: redis.url });
    const b = await startServerNode('b', { PREFIX: prefix, REDIS_URL: redis.url });
    const onB = openClient(b.port);
    await live(onB);
    await a.produce(10);
    await until(() => onB.ids.length === 10, 'the first records');
    const oldEpoch = onB.welcomes[0]!.epoch;

    await redis.kill();
    await until(async () => !(await a.info()).metrics.connected, 'node A to notice the outage');
    await a.produce(20, { wait: false, tag: 'down-' });
    await redis.restart();
    await until(async () => (await a.info()).metrics.backlogRecords === 0, 'the backlog to drain');
    const stream = await streamLabels(redis.url, prefix);
    expect(stream.labels).toEqual(labels('a-down-', 20));
    await until(() => onB.ids.length >= 30, 'the backlog on the client of the other node');
    expect(onB.gaps).toEqual([{ from: onB.ids[9], to: null, reason: 'epoch', epoch: oldEpoch }]);
    expect(onB.ids.slice(10)).toEqual(stream.ids);
    expect(onB.welcomes.length).toBe(2);
    expect(onB.welcomes[1]!.epoch).not.toBe(oldEpoch);
    expect((await b.info()).metrics.outages).toBe(1);
  });
});
