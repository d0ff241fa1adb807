// The live reader's packed reads (packed-read.ts, READ_LUA): against a real Redis, they must give
// exactly what XREAD gives for the same entries, foreign and multi-byte ones included.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEntry } from '../src/entry-codec.js';
import { READ_LUA } from '../src/lua.js';
import { type ReadCommand, unpackEntries } from '../src/packed-read.js';
import { requireRedis, uniquePrefix } from './helpers.js';

let redis: Redis;
let read: ReadCommand;

beforeAll(async () => {
  await requireRedis();
  redis = new Redis({ protocol: 2 });
  redis.defineCommand('logwireRead', { numberOfKeys: 1, lua: READ_LUA });
  read = (redis as unknown as { logwireReadBuffer: ReadCommand }).logwireReadBuffer.bind(redis);
});

afterAll(async () => {
  await redis.quit();
});

type XReadReply = Array<[string, Array<[string, string[]]>]> | null;

describe('packed reads', () => {
  it('give the entries XREAD gives, in order, with multi-byte text, separators, empty values, unknown and missing fields', async () => {
    const key = `${uniquePrefix()}x`;
    const header = (logger: string) => `system_log\x1f1700000000000\x1f20\x1fnode-é\x1f${logger}`;
    await redis.xadd(key, '*', 'p', '0-0', 'e', 'ep', 'h', header('app'), 'd', '{"message":"ünïcødé ✓ 🚀"}');
    await redis.xadd(key, '*', 'p', '1-0', 'e', 'ep', 'h', header('a\x1fb'), 'd', '');
    await redis.xadd(key, '*', 'foreign', 'entry'); // not written by the append script
    await redis.xadd(key, '*', 'x', 'unknown first', 'p', '2-0', 'e', 'ep', 'h', header('日本'), 'd', '{"n":1}', 'z', 'after');
    await redis.xadd(key, '*', 'p', '3-0', 'e', 'ep', 'd', 'no header');
    await redis.xadd(key, '*', 'p', '4-0', 'e', 'ep', 'h', 'system_log\x1f5\x1f20\x1fnode-only', 'd', '{}'); // no logger part
    await redis.xadd(key, '*', 'p', '5-0', 'e', 'ep', 'h', 'other_type\x1f5\x1f20\x1fn\x1fl', 'd', '{}');
    await redis.xadd(key, '*', 'p', '6-0', 'e', 'ep', 'h', 'system_log\x1fnot a time\x1f20\x1fn\x1fl', 'd', '{}');
    const reports: string[] = [];
    const report = (_code: string, text: string) => reports.push(text);

    const xread = (await redis.call('XREAD', 'COUNT', 100, 'STREAMS', key, '0-0')) as XReadReply;
    const viaXread = xread![0]![1].map(([id, fields]) => ({
      id,
      entry: readEntry(key, id, fields, () => undefined),
    }));
    const packed = unpackEntries(key, await read(key, '0-0', 100), report);
    expect(packed).toEqual(viaXread);
    expect(packed!.map((item) => item.entry === undefined)).toEqual([false, false, true, false, true, false, true, true]);
    expect(packed![5]!.entry).toMatchObject({ node: 'node-only', logger: '' });
    expect(packed![0]!.entry!.data).toBe('{"message":"ünïcødé ✓ 🚀"}');
    expect(packed![1]!.entry!.logger).toBe('a\x1fb');
    expect(reports).toHaveLength(4); // the foreign entries, reported as XREAD's would be

    // After a position, at most `count`, and nothing past the end.
    const after = unpackEntries(key, await read(key, packed![1]!.id, 2), report);
    expect(after!.map((item) => item.id)).toEqual([packed![2]!.id, packed![3]!.id]);
    expect(unpackEntries(key, await read(key, packed![7]!.id, 10), report)).toEqual([]);
    expect(unpackEntries(`${key}:none`, await read(`${key}:none`, '0-0', 10), report)).toEqual([]);
    await redis.del(key);
  });

  it('a reply that does not add up is reported and gives undefined (the reader then uses XREAD)', () => {
    const reports: string[] = [];
    const report = (_code: string, text: string) => reports.push(text);
    const bad: unknown[] = [
      undefined,
      'text',
      [Buffer.from('3,1,1,1'), Buffer.from('1-0abc')], // lengths not a multiple of five
      [Buffer.from('3,1,1,1,9'), Buffer.from('1-0abc')], // a length past the blob
      [Buffer.from('3,-1,-1,-1,-1'), Buffer.from('1-0extra')], // bytes left over
      [Buffer.from('0,-1,-1,-1,-1'), Buffer.from('')], // an empty id
      [Buffer.from('3,x,-1,-1,-1'), Buffer.from('1-0')], // not a number
    ];
    for (const reply of bad) expect(unpackEntries('s', reply, report)).toBeUndefined();
    expect(reports.filter((text) => text.includes('did not add up'))).toHaveLength(bad.length);
  });
});
