import { describe, expect, it } from 'vitest';
import { BatchPacker } from '../src/batch-packer.js';
import { parseEntry } from '../src/entry-codec.js';
import type { BackplaneRecord } from '../src/types.js';

const rec = (message: string, logger = 'app'): BackplaneRecord => ({
  type: 'system_log',
  time: 1760000000000,
  level: 20,
  logger,
  data: JSON.stringify({ message }),
});

/** The batch's records read back from one stream entry holding them, as a reader decodes it. */
function decoded(records: BackplaneRecord[]): BackplaneRecord[] {
  const packer = new BatchPacker();
  packer.start();
  for (const r of records) packer.add(r);
  const { lengths, packed } = packer.finish();
  const entry = parseEntry(`1760000000001-${records.length - 1}`, ['p', '0-0', 'e', 'e1', 'n', 'n', 'l', lengths, 'b', packed]);
  return entry!.map(({ type, time, level, logger, data }) => ({ type, time, level, logger, data }));
}

describe('entry codec (decoding a batch of records)', () => {
  it('decodes an all-ASCII batch larger than one text chunk: records across chunk boundaries, one longer than a chunk', () => {
    const records = Array.from({ length: 400 }, (_, i) => rec(`m${i} ${'x'.repeat(i * 7)}`, `logger.${i % 3}`));
    records.splice(200, 0, rec('y'.repeat(100_000)), rec(''), { ...rec('z'), logger: '' });
    expect(decoded(records)).toEqual(records);
  });

  it('decodes a batch holding non-ASCII text in its data or a logger name', () => {
    const records = [rec('a'), rec('ü ✓ 🚀'), rec('b', 'lögger'), rec('c'.repeat(40_000))];
    expect(decoded(records)).toEqual(records);
  });
});
