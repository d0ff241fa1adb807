import { describe, expect, it } from 'vitest';
import { compareIds, formatId, parseId } from '@logwire/protocol';

describe('stream ids', () => {
  it('parses canonical <ms>-<seq> ids and formats them back', () => {
    for (const text of ['0-0', '0-1', '1-0', '1733600000000-0', '1733600000000-255', '9007199254740991-9007199254740991']) {
      const id = parseId(text);
      expect(id).toBeDefined();
      expect(formatId(id!)).toBe(text);
    }
    expect(parseId('1733600000000-12')).toEqual({ ms: 1733600000000, seq: 12 });
  });

  it('refuses anything that is not two canonical safe integers joined by a dash', () => {
    const bad = [
      '',
      '-',
      '1-',
      '-1',
      '1',
      '01-1',
      '1-01',
      '00-0',
      '+1-1',
      '1-+1',
      '1.5-1',
      '1-1-1',
      '1 -1',
      'a-1',
      '1-1e3',
      '9007199254740992-0',
      '0-9007199254740993',
      `${'1'.repeat(20)}-${'1'.repeat(21)}`,
    ];
    for (const text of bad) expect(parseId(text), text).toBeUndefined();
  });

  it('orders ids by millisecond, then sequence', () => {
    expect(compareIds(parseId('5-9')!, parseId('6-0')!)).toBeLessThan(0);
    expect(compareIds(parseId('6-1')!, parseId('6-0')!)).toBeGreaterThan(0);
    expect(compareIds(parseId('6-1')!, parseId('6-1')!)).toBe(0);
  });
});
