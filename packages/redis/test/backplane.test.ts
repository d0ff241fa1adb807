import { compareIds, parse, parseId } from '@logwire/protocol';
import { describe, expect, it } from 'vitest';
import { type ReadBatch, RedisBackplane, RedisBackplaneError, toFrame, toGapFrame, toStreamMessage } from '../src/index.js';
import { APPEND_LUA } from '../src/lua.js';
import { turn, until } from '../../../test/helpers/wait.js';
import { label, record, streamRecords, useSharedRedis } from './helpers.js';

const redis = useSharedRedis();
const prefix = () => redis.prefix();
const backplane = (p: string, options?: ConstructorParameters<typeof RedisBackplane>[0]) => redis.backplane(p, options);

describe('RedisBackplane append', () => {
  it('writes a batch as one stream entry, each record with its own id (a wire cursor) linked to the one before, in one round trip', async () => {
    const p = prefix();
    const bp = backplane(p, { node: 'node-a' });
    const records = Array.from({ length: 300 }, (_, i) => record(`r${i}`));
    bp.append('logs', records);
    await bp.flush();
    expect(bp.metrics.batches).toBe(1);
    expect(bp.metrics.appended).toBe(300);

    const raw = await redis.admin.xrange(`${p}{logs}:x`, '-', '+');
    expect(raw).toHaveLength(1);
    const [entryId, fields] = raw[0]!;
    expect(fields.filter((_, i) => i % 2 === 0)).toEqual(['p', 'e', 'n', 'l', 'b']);
    const meta = await redis.admin.hgetall(`${p}{logs}:m`);
    expect(meta.e).toMatch(/^[A-Za-z0-9_-]{8}$/);
    const stored = await streamRecords(redis.admin, `${p}{logs}:x`);
    expect(stored).toHaveLength(300);
    // The entry's id is its last record's; the others take the sequences before it, in one millisecond.
    const ms = entryId.split('-')[0]!;
    expect(stored.map((r) => r.id)).toEqual(Array.from({ length: 300 }, (_, i) => `${ms}-${i}`));
    expect(meta.last).toBe(entryId);
    let prev: string | null = null;
    for (const [i, r] of stored.entries()) {
      expect(parseId(r.id)).toBeDefined();
      const frame = toFrame({ ...records[i]!, id: r.id, prev, epoch: meta.e!, node: 'node-a' });
      expect(r).toEqual({ ...records[i]!, id: r.id, position: parseId(r.id), prev, epoch: meta.e, node: 'node-a', frame });
      prev = r.id;
    }
    // The next batch continues above the last record's id, linked to it.
    bp.append('logs', [record('next')]);
    await bp.flush();
    const next = (await streamRecords(redis.admin, `${p}{logs}:x`)).at(-1)!;
    expect(next.prev).toBe(entryId);
    expect(compareIds(parseId(next.id)!, parseId(entryId)!)).toBeGreaterThan(0);
  });

  it('bounds the stream by length, counted in records, trimming whole batches', async () => {
    const p = prefix();
    const bp = backplane(p, { retention: { maxLength: 50, exact: true } });
    for (let batch = 0; batch < 12; batch++) {
      bp.append(
        'logs',
        Array.from({ length: 10 }, (_, i) => record(`r${batch * 10 + i}`)),
      );
      await bp.flush();
    }
    const kept = await streamRecords(redis.admin, `${p}{logs}:x`);
    expect(kept.map(label)).toEqual(Array.from({ length: 50 }, (_, i) => `r${70 + i}`));
    expect(await redis.admin.hget(`${p}{logs}:m`, 'kept')).toBe('50');
    // A batch larger than the bound is kept whole, and everything older goes.
    bp.append(
      'logs',
      Array.from({ length: 60 }, (_, i) => record(`big${i}`)),
    );
    await bp.flush();
    expect((await streamRecords(redis.admin, `${p}{logs}:x`)).map(label)).toEqual(Array.from({ length: 60 }, (_, i) => `big${i}`));
  });

  it('bounds the stream by age', async () => {
    const p = prefix();
    const bp = backplane(p, { retention: { maxAgeMs: 300, exact: true } });
    bp.append('logs', [record('old-1'), record('old-2')]);
    await bp.flush();
    const written = Date.now();
    // Trimming by age needs the records to be older than maxAgeMs: only elapsed time makes them so.
    await until(() => Date.now() > written + 400, '400 ms to pass');
    bp.append('logs', [record('new')]);
    await bp.flush();
    const entries = await streamRecords(redis.admin, `${p}{logs}:x`);
    expect(entries.map(label)).toEqual(['new']);
  });

  it('keeps per-stream order across several streams', async () => {
    const p = prefix();
    const bp = backplane(p);
    for (let i = 0; i < 100; i++) {
      bp.append('a', [record(`a${i}`)]);
      bp.append('b', [record(`b${i}`)]);
    }
    await bp.flush();
    // 'a' goes idle (its queue is released) while 'b' goes on; its next records must not be taken for re-sends.
    bp.append('b', [record('b-more')]);
    await bp.flush();
    bp.append(
      'a',
      Array.from({ length: 50 }, (_, i) => record(`a${100 + i}`)),
    );
    await bp.flush();
    expect(bp.metrics.duplicatesSkipped).toBe(0);
    const a = (await bp.range('a', { count: 1000 })).entries.map(label);
    const b = (await bp.range('b', { count: 1000 })).entries.map(label).slice(0, 100);
    expect(a).toEqual(Array.from({ length: 150 }, (_, i) => `a${i}`));
    expect(b).toEqual(Array.from({ length: 100 }, (_, i) => `b${i}`));
  });

  it('never writes a re-sent batch twice: the producer high-water mark skips sequences already appended', async () => {
    const p = prefix();
    redis.admin.defineCommand('logwireAppendTest', { numberOfKeys: 4, lua: APPEND_LUA });
    const call = (
      redis.admin as unknown as { logwireAppendTest: (...args: (string | number)[]) => Promise<[string, number, number, string, string]> }
    ).logwireAppendTest.bind(redis.admin);
    const keys = [`${p}{logs}:x`, `${p}{logs}:m`, `${p}{logs}:pr`, `${p}{logs}:c`];
    const head = ['producer-1', 'epoch111', 0, 0, '0', 60];
    // Records packed as the append queue sends them: byte lengths, then header and data of each.
    const records = (...seqs: number[]) => {
      const pairs = seqs.map((seq) => ['system_log\x1f1\x1f20\x1fl', `{"message":"s${seq}"}`]);
      return [
        pairs
          .flat()
          .map((part) => Buffer.byteLength(part))
          .join(','),
        pairs.flat().join(''),
        'node-a',
      ];
    };
    const first = await call(...keys, ...head, 1, ...records(1, 2, 3));
    expect(first.slice(0, 3)).toEqual(['epoch111', 3, 0]);
    // The reply was "lost": the node sends the same batch again, plus one new record.
    const again = await call(...keys, ...head, 1, ...records(1, 2, 3, 4));
    expect(again.slice(0, 3)).toEqual(['epoch111', 1, 3]);
    const stored = await streamRecords(redis.admin, keys[0]!);
    expect(stored.map((r) => r.data)).toEqual(['{"message":"s1"}', '{"message":"s2"}', '{"message":"s3"}', '{"message":"s4"}']);
    // The re-send stored only the new record, linked to the last one written before.
    expect(stored[3]!.prev).toBe(stored[2]!.id);
    expect(await call(...keys, ...head, 1, ...records(1, 2, 3, 4))).toEqual(['epoch111', 0, 4, '', '']);
    expect(await redis.admin.ttl(keys[2]!)).toBeGreaterThan(0);
  });

  it('keeps every field of a record, whatever its logger name and data contain (separators, multi-byte text)', async () => {
    const p = prefix();
    const bp = backplane(p, { node: 'n\x1fode' });
    const odd = {
      type: 'audit_log' as const,
      time: 1760000000123,
      level: 50,
      logger: 'a\x1fb\x1f\x1fc',
      data: '{"message":"m","action":"x","metadata":{}}',
    };
    const wide = { type: 'system_log' as const, time: 1760000000124, level: 20, logger: 'journal.été', data: '{"message":"ünïcødé ✓ 🚀"}' };
    const empty = { type: 'system_log' as const, time: 1760000000125, level: 20, logger: '', data: '' };
    const fractional = { type: 'system_log' as const, time: 1760000000125.25, level: 0, logger: 'f', data: '{}' };
    // Larger than the packer's first scratch buffers: they grow mid-batch.
    const large = {
      type: 'system_log' as const,
      time: 1760000000126,
      level: 30,
      logger: 'l'.repeat(3000),
      data: `{"m":"${'ü'.repeat(40_000)}"}`,
    };
    bp.append('logs', [odd, wide, empty, fractional, large, wide]);
    await bp.flush();
    const entries = (await bp.range('logs')).entries;
    expect(entries[0]).toMatchObject({ ...odd, prev: null, node: 'n_ode' });
    expect(entries[1]).toMatchObject({ ...wide, prev: entries[0]!.id });
    expect(entries[2]).toMatchObject({ ...empty, prev: entries[1]!.id });
    expect(entries[3]).toMatchObject({ ...fractional, prev: entries[2]!.id });
    expect(entries[4]).toMatchObject({ ...large, prev: entries[3]!.id });
    expect(entries[5]).toMatchObject({ ...wide, prev: entries[4]!.id });
  });

  it('gives the appending node back exactly what the others decode, also records whose text UTF-8 cannot keep', async () => {
    const p = prefix();
    const a = backplane(p, { node: 'a' });
    const b = backplane(p, { node: 'b' });
    const seenA: ReadBatch[] = [];
    const seenB: ReadBatch[] = [];
    await a.subscribe('logs', (batch) => void seenA.push(batch));
    await b.subscribe('logs', (batch) => void seenB.push(batch));
    const plain = record('plain');
    const lone = { type: 'system_log' as const, time: 1760000000001, level: 20, logger: 'l\ud800', data: '{"m":"x\udc00y"}' };
    const negativeZero = { type: 'system_log' as const, time: -0, level: 20, logger: 'z', data: '{}' };
    a.append('logs', [plain]);
    await a.flush();
    a.append('logs', [lone]);
    await a.flush();
    a.append('logs', [negativeZero, plain]);
    await a.flush();
    const entries = (seen: ReadBatch[]) => seen.flatMap((batch) => batch.entries);
    await until(() => entries(seenA).length === 4 && entries(seenB).length === 4, 'both nodes to read 4 entries');
    expect(entries(seenA)).toEqual(entries(seenB));
    expect(entries(seenA)[1]).toMatchObject({ logger: 'l\ufffd', data: '{"m":"x\ufffdy"}' });
    expect(Object.is(entries(seenA)[2]!.time, 0)).toBe(true);
  });

  it('ignores records that are not records instead of throwing', async () => {
    const p = prefix();
    const bp = backplane(p);
    const errors: string[] = [];
    bp.on('error', (e) => errors.push(e.code));
    bp.append('logs', [null, { type: 'nope' }, record('ok')] as never);
    bp.append('logs', null as never);
    bp.append(42 as never, []);
    await bp.flush();
    expect((await bp.range('logs')).entries.map(label)).toEqual(['ok']);
    expect(errors).toEqual(Array(4).fill('ERR_LOGWIRE_REDIS_MALFORMED'));
  });

  it("turns gaps into the wire protocol's gap message", () => {
    expect(JSON.parse(toGapFrame({ reason: 'trimmed', from: '1-0', to: '5-2', epoch: 'e1' }))).toEqual({
      type: 'gap',
      data: { from: '1-0', to: '5-2', reason: 'trimmed', epoch: 'e1' },
    });
    expect(JSON.parse(toGapFrame({ reason: 'epoch', from: '9-0', to: null, epoch: 'e2' }))).toEqual({
      type: 'gap',
      data: { from: '9-0', to: null, reason: 'epoch', epoch: 'e2' },
    });
    expect(JSON.parse(toGapFrame({ reason: 'dropped', from: '3-0', to: '4-0', count: 15, node: 'a' }))).toEqual({
      type: 'gap',
      data: { from: '3-0', to: '4-0', reason: 'dropped', count: 15 },
    });
    const parsed = parse(toGapFrame({ reason: 'diverged', from: '9-0', to: '4-0', epoch: 'e1' }));
    expect(parsed.ok).toBe(true);
    // Byte for byte what the hub sends: keys in wire order, `node` left out.
    const dropped = toGapFrame({ reason: 'dropped', from: '3-0', to: '4-0', count: 15, epoch: 'e1', node: 'a' });
    expect(dropped).toBe('{"type":"gap","data":{"from":"3-0","to":"4-0","reason":"dropped","count":15,"epoch":"e1"}}');
    expect(toGapFrame({ reason: 'epoch', from: null, to: null })).toBe('{"type":"gap","data":{"from":null,"to":null,"reason":"epoch"}}');
  });

  it('rejects unusable options with a typed error', () => {
    expect(() => new RedisBackplane({ backlog: { maxRecords: 0 } })).toThrow(RedisBackplaneError);
    try {
      new RedisBackplane({ read: { count: -1 } });
    } catch (error) {
      expect((error as RedisBackplaneError).code).toBe('ERR_LOGWIRE_REDIS_INVALID_OPTION');
    }
  });
});

describe('RedisBackplane fan-out and resume across nodes', () => {
  it("delivers every node's records to every subscribed node, in stream order, with ids, links and epoch", async () => {
    const p = prefix();
    const a = backplane(p, { node: 'a' });
    const b = backplane(p, { node: 'b' });
    const seenA: ReadBatch[] = [];
    const seenB: ReadBatch[] = [];
    await a.subscribe('logs', (batch) => void seenA.push(batch));
    await b.subscribe('logs', (batch) => void seenB.push(batch));
    for (let i = 0; i < 200; i++) {
      a.append('logs', [record(`a${i}`)]);
      if (i % 2 === 0) await turn();
      b.append('logs', [record(`b${i}`)]);
    }
    await Promise.all([a.flush(), b.flush()]);
    const stream = (await streamRecords(redis.admin, `${p}{logs}:x`)).map((r) => r.id);
    expect(stream).toHaveLength(400);
    const entries = (seen: ReadBatch[]) => seen.flatMap((batch) => batch.entries);
    await until(() => entries(seenA).length === 400 && entries(seenB).length === 400, 'both nodes to read 400 entries');
    expect(entries(seenA).map((e) => e.id)).toEqual(stream);
    expect(entries(seenB).map((e) => e.id)).toEqual(stream);
    expect(seenA.every((batch) => batch.gap === undefined)).toBe(true);
    // Each node takes its own batches back without decoding them: the same records either way.
    expect(entries(seenA)).toEqual(entries(seenB));
    const all = entries(seenB);
    expect(all.filter((e) => e.node === 'a').map(label)).toEqual(Array.from({ length: 200 }, (_, i) => `a${i}`));
    expect(all.filter((e) => e.node === 'b').map(label)).toEqual(Array.from({ length: 200 }, (_, i) => `b${i}`));
    for (let i = 1; i < all.length; i++) expect(all[i]!.prev).toBe(all[i - 1]!.id);
    expect(new Set(all.map((e) => e.epoch)).size).toBe(1);
    expect(toFrame(all[0]!)).toBe(`{"type":"system_log","id":"${all[0]!.id}","data":${all[0]!.data}}`);
    const frame = JSON.parse(toFrame(all[0]!));
    expect(frame).toEqual({ type: 'system_log', id: all[0]!.id, data: JSON.parse(all[0]!.data) });
    expect(toStreamMessage(all[0]!).position).toEqual(parseId(all[0]!.id));
  });

  it('resumes a cursor taken on one node from another node, page by page, without loss or duplicates', async () => {
    const p = prefix();
    const a = backplane(p, { node: 'a' });
    const b = backplane(p, { node: 'b' });
    a.append(
      'logs',
      Array.from({ length: 250 }, (_, i) => record(`r${i}`)),
    );
    await a.flush();
    const firstPage = await a.range('logs', { count: 100 });
    expect(firstPage.done).toBe(false);
    const cursor = { after: firstPage.entries.at(-1)!.id, epoch: firstPage.epoch };
    // The client moves to node b with its cursor.
    const resumed: string[] = [];
    let after = cursor.after;
    for (;;) {
      const page = await b.range('logs', { after, epoch: cursor.epoch, count: 60 });
      expect(page.gap).toBeUndefined();
      resumed.push(...page.entries.map(label));
      after = page.entries.at(-1)?.id ?? after;
      if (page.done) break;
    }
    expect([...firstPage.entries.map(label), ...resumed]).toEqual(Array.from({ length: 250 }, (_, i) => `r${i}`));
  });

  it('starts a subscription after a given cursor, on any node', async () => {
    const p = prefix();
    const a = backplane(p);
    const b = backplane(p);
    a.append(
      'logs',
      Array.from({ length: 30 }, (_, i) => record(`r${i}`)),
    );
    await a.flush();
    const page = await a.range('logs');
    const got: string[] = [];
    await b.subscribe('logs', (batch) => void got.push(...batch.entries.map(label)), { after: page.entries[9]!.id, epoch: page.epoch });
    await until(() => got.length === 20, '20 entries');
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => `r${10 + i}`));
  });

  it('resumes from a cursor inside a batch: only the records after it, by subscription and by range', async () => {
    const p = prefix();
    const a = backplane(p);
    a.append(
      'logs',
      Array.from({ length: 10 }, (_, i) => record(`r${i}`)),
    );
    await a.flush();
    const all = (await a.range('logs')).entries;
    const cursor = all[3]!;
    const b = backplane(p);
    const seen: ReadBatch[] = [];
    await b.subscribe('logs', (batch) => void seen.push(batch), { after: cursor.id, epoch: cursor.epoch });
    await until(() => seen.flatMap((s) => s.entries).length === 6, 'the 6 records after the cursor');
    expect(seen.flatMap((s) => s.entries).map(label)).toEqual(['r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
    expect(seen.every((s) => s.gap === undefined)).toBe(true);
    // Pages of 4 records: the second page starts inside the same stream entry.
    const first = await b.range('logs', { after: cursor.id, epoch: cursor.epoch, count: 4 });
    expect([first.entries.map(label), first.done, first.gap]).toEqual([['r4', 'r5', 'r6', 'r7'], false, undefined]);
    const second = await b.range('logs', { after: first.entries[3]!.id, epoch: cursor.epoch, count: 4 });
    expect([second.entries.map(label), second.done, second.gap]).toEqual([['r8', 'r9'], true, undefined]);
  });

  it('gives the newest entries of the current epoch, oldest first, for a node that starts or a client without a cursor', async () => {
    const p = prefix();
    const a = backplane(p);
    a.append(
      'logs',
      Array.from({ length: 30 }, (_, i) => record(`r${i}`)),
    );
    await a.flush();
    const { epoch, entries } = await backplane(p).recent('logs', 5);
    expect(entries.map(label)).toEqual(['r25', 'r26', 'r27', 'r28', 'r29']);
    expect(epoch).toBe(entries[0]!.epoch);
    expect(await a.recent('nothing-here', 5)).toEqual({ epoch: undefined, entries: [] });
  });

  it('reads at most read.count stream entries at a time and waits for a slow subscriber before reading on', async () => {
    const p = prefix();
    // Batches of 50 records, two entries per read: at most 100 records handed out at a time.
    const a = backplane(p, { batch: { maxRecords: 50 } });
    const b = backplane(p, { read: { count: 2, blockMs: 200 } });
    let inFlight = 0;
    let maxInFlight = 0;
    const got: string[] = [];
    await b.subscribe('logs', async (batch) => {
      inFlight += batch.entries.length;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // A slow subscriber: it yields to the event loop (where more replies could arrive) before finishing.
      await turn();
      got.push(...batch.entries.map(label));
      inFlight -= batch.entries.length;
    });
    a.append(
      'logs',
      Array.from({ length: 2000 }, (_, i) => record(`r${i}`)),
    );
    await a.flush();
    await until(() => got.length === 2000, '2000 entries');
    expect(got).toEqual(Array.from({ length: 2000 }, (_, i) => `r${i}`));
    expect(maxInFlight).toBeLessThanOrEqual(100);
    expect(maxInFlight).toBeGreaterThan(0);
  });

  it('reports health through metrics', async () => {
    const p = prefix();
    const bp = backplane(p);
    await until(() => bp.metrics.connected, 'connection');
    const m = bp.metrics;
    expect(m).toMatchObject({ connected: true, outages: 0, downSince: undefined, backlogRecords: 0, dropped: 0, subscriptions: 0 });
  });
});
