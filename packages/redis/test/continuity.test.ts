import { describe, expect, it } from 'vitest';
import type { Gap, ReadBatch, RedisBackplaneOptions } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { deleteKeys, label, record, useSharedRedis } from './helpers.js';

// Every scenario damages only its own keys: "flushing" is DEL of the test's keys, never FLUSHALL,
// because the Redis server is shared with other suites running at the same time.

const redis = useSharedRedis();

function setup(options: RedisBackplaneOptions = {}) {
  const prefix = redis.prefix();
  const writer = redis.backplane(prefix, { node: 'w', ...options });
  const reader = redis.backplane(prefix, { node: 'r' });
  const batches: ReadBatch[] = [];
  const keys = { x: `${prefix}{logs}:x`, m: `${prefix}{logs}:m`, pr: `${prefix}{logs}:pr` };
  const write = async (...labels: string[]) => {
    writer.append(
      'logs',
      labels.map((l) => record(l)),
    );
    await writer.flush();
  };
  const entries = () => batches.flatMap((b) => b.entries);
  const gaps = () => batches.flatMap((b) => (b.gap ? [b.gap] : []));
  return { prefix, writer, reader, batches, keys, write, entries, gaps };
}

const labels = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `r${from + i}`);

describe('continuity', () => {
  it('reports entries removed by retention as a trimmed gap, to a subscriber and to range', async () => {
    const t = setup({ retention: { maxLength: 10, exact: true } });
    await t.write(...labels(0, 5));
    const early = (await t.reader.range('logs')).entries;
    const cursor = early[4]!.id;
    // Batches of 5: retention keeps the newest two whole batches (10 records).
    for (let from = 5; from < 30; from += 5) await t.write(...labels(from, from + 5));
    const kept = (await t.reader.range('logs')).entries;
    expect(kept.map(label)).toEqual(labels(20, 30));

    await t.reader.subscribe('logs', (b) => void t.batches.push(b), { after: cursor, epoch: kept[0]!.epoch });
    await until(() => t.entries().length === 10, '10 entries');
    expect(t.gaps()).toEqual([{ reason: 'trimmed', from: cursor, to: kept[0]!.prev, epoch: kept[0]!.epoch }]);
    expect(t.batches[0]!.gap).toBeDefined();
    expect(t.entries().map(label)).toEqual(labels(20, 30));
    expect(t.reader.metrics.gaps.trimmed).toBe(1);

    const page = await t.reader.range('logs', { after: cursor, epoch: kept[0]!.epoch });
    expect(page.gap).toEqual({ reason: 'trimmed', from: cursor, to: kept[0]!.prev, epoch: kept[0]!.epoch });
    expect(page.entries.map(label)).toEqual(labels(20, 30));
    expect(page.done).toBe(true);

    // A cursor that is itself trimmed is still continuous when the next entry links to it.
    const continuous = await t.reader.range('logs', { after: kept[0]!.prev, epoch: kept[0]!.epoch });
    expect(continuous.gap).toBeUndefined();
    expect(continuous.entries.map(label)).toEqual(labels(20, 30));
  });

  it('reports a manual XTRIM as trimmed to a client whose cursor fell inside the removed range', async () => {
    const t = setup();
    await t.write(...labels(0, 10));
    const before = (await t.reader.range('logs')).entries;
    await redis.admin.xtrim(t.keys.x, 'MAXLEN', 0);
    await t.write('r10');
    const page = await t.reader.range('logs', { after: before[3]!.id, epoch: before[0]!.epoch });
    expect(page.gap).toEqual({ reason: 'trimmed', from: before[3]!.id, to: before[9]!.id, epoch: before[0]!.epoch });
    expect(page.entries.map(label)).toEqual(['r10']);
  });

  it('reports a deleted ("flushed") stream as an epoch gap and carries on in the new epoch', async () => {
    const t = setup();
    await t.write(...labels(0, 5));
    await t.reader.subscribe('logs', (b) => void t.batches.push(b));
    await t.write(...labels(5, 8));
    await until(() => t.entries().length === 3, 'first 3 entries');
    const old = t.entries();
    const oldEpoch = old[0]!.epoch;
    const lastOld = old[2]!.id;

    expect(await deleteKeys(redis.admin, t.prefix)).toBe(4); // the FLUSHALL of this test: x, m, pr and c
    await t.write('n0', 'n1', 'n2');
    await until(() => t.entries().length === 6, '3 entries of the new epoch');
    const fresh = t.entries().slice(3);
    expect(fresh.map(label)).toEqual(['n0', 'n1', 'n2']);
    const newEpoch = fresh[0]!.epoch;
    expect(newEpoch).not.toBe(oldEpoch);
    expect(t.gaps()).toEqual([{ reason: 'epoch', from: lastOld, to: null, epoch: newEpoch }]);

    const page = await t.reader.range('logs', { after: lastOld, epoch: oldEpoch });
    expect(page.gap).toEqual({ reason: 'epoch', from: lastOld, to: null, epoch: newEpoch });
    expect(page.entries.map(label)).toEqual(['n0', 'n1', 'n2']);
    expect(page.epoch).toBe(newEpoch);
    // A cursor without its epoch: the first entry starts an epoch, so it is still an epoch gap.
    const bare = await t.reader.range('logs', { after: lastOld });
    expect(bare.gap).toEqual({ reason: 'epoch', from: lastOld, to: null, epoch: newEpoch });
    expect(bare.entries.map(label)).toEqual(['n0', 'n1', 'n2']);
  });

  it('starts a new epoch when the stream is gone but its meta survived, and when only the meta is lost', async () => {
    const t = setup();
    await t.write(...labels(0, 3));
    const e1 = (await t.reader.range('logs')).epoch!;
    const last1 = (await t.reader.range('logs')).head;
    await redis.admin.del(t.keys.x);
    await t.write('a');
    const e2 = (await t.reader.range('logs')).epoch!;
    expect(e2).not.toBe(e1);
    const afterStreamLoss = await t.reader.range('logs', { after: last1, epoch: e1 });
    expect(afterStreamLoss.gap?.reason).toBe('epoch');
    expect(afterStreamLoss.entries.map(label)).toEqual(['a']);

    const last2 = afterStreamLoss.head;
    await redis.admin.del(t.keys.m);
    await t.write('b');
    const page = await t.reader.range('logs', { after: last2, epoch: e2 });
    expect(page.epoch).not.toBe(e2);
    expect(page.gap).toEqual({ reason: 'epoch', from: last2, to: null, epoch: page.epoch });
    // 'a' is still in the stream but belongs to the old epoch: it is not served as part of the new one.
    expect(page.entries.map(label)).toEqual(['b']);
  });

  it('reports a rewritten history (meta rolled back, as after a failover that lost a tail) as diverged', async () => {
    const t = setup();
    await t.write(...labels(0, 5));
    await t.reader.subscribe('logs', (b) => void t.batches.push(b));
    await t.write(...labels(5, 10));
    await until(() => t.entries().length === 5, '5 entries');
    const seen = t.entries();
    const all = (await t.reader.range('logs')).entries;
    // The new master only has entries up to r3: its meta says so.
    await redis.admin.hset(t.keys.m, 'last', all[3]!.id);
    await t.write('after-failover');
    await until(() => t.entries().length === 6, 'the entry after the failover');
    const epoch = all[0]!.epoch;
    expect(t.gaps()).toEqual([{ reason: 'diverged', from: seen[4]!.id, to: all[3]!.id, epoch }]);
    expect(label(t.entries()[5]!)).toBe('after-failover');
    expect(t.reader.metrics.gaps.diverged).toBe(1);

    const page = await t.reader.range('logs', { after: all[9]!.id, epoch });
    expect(page.gap).toEqual({ reason: 'diverged', from: all[9]!.id, to: all[3]!.id, epoch });
    expect(page.entries.map(label)).toEqual(['after-failover']);

    // Read from the start: the page stops before the broken link instead of running over it…
    const start = await t.reader.range('logs');
    expect(start.entries.map(label)).toEqual(labels(0, 10));
    expect(start.done).toBe(false);
    // …and the next page reports it.
    const next = await t.reader.range('logs', { after: start.entries.at(-1)!.id, epoch });
    expect(next.gap?.reason).toBe('diverged');
  });

  it('skips entries written by something else without breaking continuity, and reports them', async () => {
    const t = setup();
    const errors: string[] = [];
    t.reader.on('error', (e) => errors.push(e.code));
    await t.reader.subscribe('logs', (b) => void t.batches.push(b));
    await t.write('r0');
    await redis.admin.xadd(t.keys.x, '*', 'foo', 'bar');
    await t.write('r1');
    await until(() => t.entries().length === 2, '2 entries');
    expect(t.entries().map(label)).toEqual(['r0', 'r1']);
    expect(t.gaps()).toEqual([]);
    expect(errors).toEqual(['ERR_LOGWIRE_REDIS_MALFORMED']);
    const page = await t.reader.range('logs');
    expect(page.entries.map(label)).toEqual(['r0', 'r1']);
    expect(page.done).toBe(true);
    // A foreign entry at the head does not keep a reader paging forever.
    await redis.admin.xadd(t.keys.x, '*', 'foo', 'bar');
    expect(await t.reader.range('logs', { after: page.entries[1]!.id })).toMatchObject({ entries: [], done: true });
  });

  it('appends above an entry that went past the last id the meta remembers (a foreign id from the future)', async () => {
    const t = setup();
    await t.reader.subscribe('logs', (b) => void t.batches.push(b));
    await t.write('r0');
    const ahead = `${Date.now() + 60_000}-7`;
    await redis.admin.xadd(t.keys.x, ahead, 'foo', 'bar');
    await t.write('r1', 'r2');
    await until(() => t.entries().length === 3, '3 entries');
    const [r0, r1, r2] = t.entries();
    expect(r1!.id).toBe(`${ahead.split('-')[0]}-8`);
    expect(r2!.id).toBe(`${ahead.split('-')[0]}-9`);
    expect([r1!.prev, r2!.prev]).toEqual([r0!.id, r1!.id]);
    expect(t.gaps()).toEqual([]);
  });

  it('keeps reading when a subscriber throws, and reports it', async () => {
    const t = setup();
    const errors: string[] = [];
    t.reader.on('error', (e) => errors.push(e.code));
    let calls = 0;
    await t.reader.subscribe('logs', () => {
      calls++;
      throw new Error('boom');
    });
    await t.reader.subscribe('logs', (b) => void t.batches.push(b));
    await t.write('r0');
    await until(() => t.entries().length === 1, 'the first entry');
    await t.write('r1');
    await until(() => t.entries().length === 2, 'the second entry');
    expect(calls).toBe(2);
    expect(errors).toEqual(['ERR_LOGWIRE_REDIS_HANDLER', 'ERR_LOGWIRE_REDIS_HANDLER']);
  });

  it('reports a cursor ahead of the stream (its tail was lost) as diverged', async () => {
    const t = setup();
    await t.write(...labels(0, 3));
    const { epoch, head } = await t.reader.range('logs');
    const page = await t.reader.range('logs', { after: '99999999999999-0', epoch });
    expect(page).toEqual({ epoch, head, entries: [], done: true, gap: { reason: 'diverged', from: '99999999999999-0', to: head, epoch } });
  });

  it('announces records dropped from a full backlog with a dropped gap in the stream, at the place they were lost', async () => {
    const t = setup({ backlog: { maxRecords: 10 } });
    await t.reader.subscribe('logs', (b) => void t.batches.push(b));
    const dropped: number[] = [];
    t.writer.on('dropped', ({ count }) => dropped.push(count));
    t.writer.append(
      'logs',
      labels(0, 25).map((l) => record(l)),
    ); // 10 fit, 15 do not
    await t.writer.flush();
    await t.write('later');
    await until(() => t.entries().length === 11, '11 entries');
    expect(t.entries().map(label)).toEqual([...labels(0, 10), 'later']);
    const gaps: Gap[] = t.gaps();
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ reason: 'dropped', count: 15, from: t.entries()[9]!.id, node: 'w' });
    expect(t.entries()[10]!.prev).toBe(gaps[0]!.to);
    expect(dropped).toEqual([15]);
    expect(t.writer.metrics.dropped).toBe(15);

    const page = await t.reader.range('logs', { after: t.entries()[9]!.id });
    expect(page.gap).toMatchObject({ reason: 'dropped', count: 15 });
    expect(page.entries.map(label)).toEqual(['later']);
  });
});
