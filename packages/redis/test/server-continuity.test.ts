import { describe, expect, it } from 'vitest';
import { until } from '../../../test/helpers/wait.js';
import { deleteKeys, streamBatchSizes, streamRecords, useSharedRedis } from './helpers.js';
import { live, openClient, startServerNode, stopAll } from './nodes.js';

// Continuity through real server nodes: what happens to the Redis stream (trimming, deletion,
// rewritten history) reaches real clients as `gap` messages with the right reason.

const redis = useSharedRedis(stopAll);

async function entries(prefix: string): Promise<Array<{ id: string; prev: string }>> {
  const raw = await streamRecords(redis.admin, `${prefix}{logs}:x`);
  return raw.map(({ id, prev }) => ({ id, prev: prev ?? '0-0' }));
}

const epochOf = async (prefix: string): Promise<string> => (await redis.admin.hget(`${prefix}{logs}:m`, 'e'))!;

describe('gaps from the Redis stream reach real clients', () => {
  it('reports a cursor older than the retained stream as trimmed, then replays what is left', async () => {
    const prefix = redis.prefix();
    const node = await startServerNode('n', { PREFIX: prefix, MAXLEN: '100', HISTORY: '20' });
    await node.produce(50, { chunk: 10 });
    const cursor = { epoch: await epochOf(prefix), id: (await entries(prefix))[9]!.id };
    await node.produce(200, { chunk: 10 });
    const retained = await entries(prefix);
    // Retention counts records but trims whole entries (batches): at least 100 stay, and dropping the
    // oldest remaining entry would leave fewer. How many records share an entry depends on how many
    // were queued when each append went out, so the exact count varies from run to run.
    const sizes = await streamBatchSizes(redis.admin, `${prefix}{logs}:x`);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(retained.length);
    expect(retained.length).toBeGreaterThanOrEqual(100);
    expect(retained.length - sizes[0]!).toBeLessThan(100);
    const client = openClient(node.port, cursor);
    await live(client);
    await until(() => client.ids.length >= retained.length, 'the retained entries');
    expect(client.welcomes[0]!.mode).toBe('gap');
    expect(client.gaps).toEqual([{ from: cursor.id, to: retained[0]!.prev, reason: 'trimmed', epoch: cursor.epoch }]);
    expect(client.ids).toEqual(retained.map((e) => e.id));
  });

  it('reports a deleted stream (keys flushed) as an epoch gap and continues in the new epoch', async () => {
    const prefix = redis.prefix();
    const node = await startServerNode('n', { PREFIX: prefix });
    const client = openClient(node.port);
    await live(client);
    await node.produce(10);
    await until(() => client.ids.length === 10, 'the first 10');
    const oldEpoch = await epochOf(prefix);
    const lastOld = client.ids[9]!;
    expect(await deleteKeys(redis.admin, prefix)).toBeGreaterThan(0);
    await node.produce(5, { tag: 'new-' });
    const newEpoch = await epochOf(prefix);
    expect(newEpoch).not.toBe(oldEpoch);
    await until(() => client.ids.length >= 15, 'the records of the new epoch');
    expect(client.gaps).toEqual([{ from: lastOld, to: null, reason: 'epoch', epoch: oldEpoch }]);
    expect(client.welcomes.map((w) => w.epoch)).toEqual([oldEpoch, newEpoch]);
    expect(client.ids.slice(10)).toEqual((await entries(prefix)).map((e) => e.id));
    expect(client.labels.slice(10)).toEqual(['n-new-0', 'n-new-1', 'n-new-2', 'n-new-3', 'n-new-4']);
    expect(client.client.cursor?.epoch).toBe(newEpoch);
  });

  it('reports rewritten history (the tail a client saw is gone, the stream continues elsewhere) as diverged', async () => {
    const prefix = redis.prefix();
    const node = await startServerNode('n', { PREFIX: prefix });
    const client = openClient(node.port);
    await live(client);
    await node.produce(7);
    await node.produce(3, { tag: 'tail-' });
    await until(() => client.ids.length === 10, 'the first 10');
    const seen = await entries(prefix);
    // A failover that lost the last three records (the entries after the 7th): the stream and its meta now end at the 7th.
    const lost = (await redis.admin.xrange(`${prefix}{logs}:x`, `(${seen[6]!.id}`, '+')).map(([id]) => id);
    await redis.admin.xdel(`${prefix}{logs}:x`, ...lost);
    await redis.admin.hset(`${prefix}{logs}:m`, 'last', seen[6]!.id);
    await node.produce(3, { tag: 'after-' });
    await until(() => client.ids.length >= 13, 'the records after the rewrite');
    expect(client.gaps).toEqual([{ from: seen[9]!.id, to: seen[6]!.id, reason: 'diverged', epoch: await epochOf(prefix) }]);
    const now = await entries(prefix);
    expect(now[7]!.prev).toBe(seen[6]!.id);
    expect(client.ids.slice(10)).toEqual(now.slice(7).map((e) => e.id));
    expect(client.labels.slice(10)).toEqual(['n-after-0', 'n-after-1', 'n-after-2']);
    expect(client.client.state).toBe('live');

    // A client resuming from before the break (served from the node's memory) hears it in place too.
    const resumed = openClient(node.port, { epoch: await epochOf(prefix), id: seen[5]!.id });
    await live(resumed);
    await until(() => resumed.ids.length >= 7, 'the resumed replay');
    expect(resumed.ids).toEqual(client.ids.slice(6));
    expect(resumed.gaps).toEqual(client.gaps);
  });
});
