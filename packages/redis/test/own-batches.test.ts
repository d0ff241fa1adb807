import { describe, expect, it } from 'vitest';
import { BatchPacker } from '../src/batch-packer.js';
import { parseEntry } from '../src/entry-codec.js';
import { OwnBatches } from '../src/own-batches.js';
import type { BackplaneRecord } from '../src/types.js';

const rec = (message: string, time = 1760000000000): BackplaneRecord => ({
  type: 'system_log',
  time,
  level: 20,
  logger: 'app',
  data: JSON.stringify({ message }),
});

function pack(records: BackplaneRecord[]): { lengths: Buffer; packed: Buffer; alike: boolean } {
  const packer = new BatchPacker();
  packer.start();
  for (const r of records) packer.add(r);
  return { ...packer.finish(), alike: packer.alike };
}

describe('own batches (a node reading its own appends back)', () => {
  it("decodes each record's logger, also after one of the same length or the same name", () => {
    const loggers = ['app', 'app', 'apq', '', '', 'app', 'ü', 'ü', 'x'.repeat(100), 'x'.repeat(99) + 'y'];
    const { lengths, packed } = pack(loggers.map((logger, i) => ({ ...rec(String(i)), logger })));
    const decoded = parseEntry('1760000000001-9', ['p', '0-0', 'e', 'e1', 'n', 'n', 'l', lengths, 'b', packed]);
    expect(decoded!.map((r) => r.logger)).toEqual(loggers);
  });

  it('writes every number of a header as String(number) does', () => {
    const times = [
      0,
      7,
      10,
      99,
      1e8,
      999_999_999,
      1e9,
      1e9 + 7,
      1_760_000_000_123,
      10_000_000_000_009,
      Number.MAX_SAFE_INTEGER,
      1.5,
      -3,
      1e21,
    ];
    const records = times.map((time, i) => ({ ...rec(String(i), time), level: times[times.length - 1 - i]! }));
    const { packed } = pack(records);
    const headers = packed.toString('utf8').split('app{').slice(0, -1);
    expect(
      headers.map((h) =>
        h
          .slice(h.indexOf('system_log') + 'system_log'.length + 1)
          .split('\x1f')
          .slice(0, 2),
      ),
    ).toEqual(records.map((r) => [String(r.time), String(r.level)]));
  });

  it('hands back the records of a batch stored byte for byte, then forgets it and every batch sent before it', () => {
    const own = new OwnBatches();
    own.watch('logs');
    const first = [rec('a'), rec('b')];
    const second = [rec('c')];
    const third = [rec('d')];
    for (const records of [first, second, third]) own.sent('logs', pack(records), records);
    const { lengths, packed } = pack([rec('c')]);
    expect(own.take('logs', lengths, packed)).toBe(second);
    expect(own.take('logs', lengths, packed)).toBeUndefined();
    const a = pack(first);
    expect(own.take('logs', a.lengths, a.packed)).toBeUndefined();
    const d = pack(third);
    expect(own.take('logs', d.lengths, d.packed)).toBe(third);
  });

  it('does not match other bytes (another node, a re-send cut short) and remembers nothing for unwatched streams', () => {
    const own = new OwnBatches();
    own.watch('logs');
    const records = [rec('a'), rec('b')];
    own.sent('logs', pack(records), records);
    const cut = pack([rec('b')]);
    expect(own.take('logs', cut.lengths, cut.packed)).toBeUndefined();
    const other = pack([rec('a', 1760000000001), rec('b')]);
    expect(own.take('logs', other.lengths, other.packed)).toBeUndefined();
    own.sent('audit', pack(records), records);
    const same = pack(records);
    expect(own.take('audit', same.lengths, same.packed)).toBeUndefined();
    own.unwatch('logs');
    expect(own.take('logs', same.lengths, same.packed)).toBeUndefined();
  });

  it('remembers a bounded number of batches', () => {
    const own = new OwnBatches();
    own.watch('logs');
    const batches = Array.from({ length: 100 }, (_, i) => [rec(`m${i}`)]);
    for (const records of batches) own.sent('logs', pack(records), records);
    const oldest = pack(batches[0]!);
    expect(own.take('logs', oldest.lengths, oldest.packed)).toBeUndefined();
    const newest = pack(batches[99]!);
    expect(own.take('logs', newest.lengths, newest.packed)).toBe(batches[99]);
  });

  it('packs what the entry codec decodes, and marks batches whose text UTF-8 cannot keep', () => {
    const records = [rec('a'), { ...rec('ü ✓ 🚀'), logger: 'a\x1fb', time: 1760000000000.5, level: 0 }];
    const batch = pack(records);
    expect(batch.alike).toBe(true);
    const decoded = parseEntry('1760000000001-1', ['p', '0-0', 'e', 'e1', 'n', 'n', 'l', batch.lengths, 'b', batch.packed]);
    expect(decoded).toEqual(
      records.map((r, i) => ({
        ...r,
        id: `1760000000001-${i}`,
        position: { ms: 1760000000001, seq: i },
        prev: i === 0 ? null : '1760000000001-0',
        epoch: 'e1',
        node: 'n',
        frame: `{"type":"system_log","id":"1760000000001-${i}","data":${r.data}}`,
      })),
    );
    // Held records replace decoding only when given for the same bytes.
    const held = parseEntry('1760000000001-1', ['p', '0-0', 'e', 'e1', 'n', 'n', 'l', batch.lengths, 'b', batch.packed], () => records);
    expect(held).toEqual(decoded);
    expect(pack([{ ...rec('x'), data: '{"m":"\ud800"}' }]).alike).toBe(false);
    expect(pack([{ ...rec('x'), time: -0 }]).alike).toBe(false);
  });
});
