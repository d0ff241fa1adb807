import { describe, expect, it } from 'vitest';
import { MAX_EPOCH_LENGTH, parseClientMessage, parseCursor } from '../src/index.js';

describe('parseCursor', () => {
  it('accepts {epoch, id} with a stream id and returns a fresh object without other properties', () => {
    const input = { epoch: 'k3f9a1Qz', id: '1760000000123-0', extra: true };
    const cursor = parseCursor(input);
    expect(cursor).toEqual({ epoch: 'k3f9a1Qz', id: '1760000000123-0' });
    expect(cursor).not.toBe(input);
    expect(parseCursor({ epoch: '', id: '0-0' })).toEqual({ epoch: '', id: '0-0' });
    expect(parseCursor({ epoch: 'e'.repeat(MAX_EPOCH_LENGTH), id: '1-0' })).toBeDefined();
  });

  it('refuses anything else without throwing', () => {
    const bad: unknown[] = [
      undefined,
      null,
      'k3f9a1Qz:1-0',
      [],
      { epoch: 'e' },
      { id: '1-0' },
      { epoch: 1, id: '1-0' },
      { epoch: 'e', id: 'x-1' },
      { epoch: 'e', id: '01-0' },
      { epoch: 'e', id: '-1-0' },
      { epoch: 'e'.repeat(MAX_EPOCH_LENGTH + 1), id: '1-0' },
      Object.create(null) as object,
    ];
    for (const value of bad) expect(parseCursor(value), JSON.stringify(value) ?? String(value)).toBeUndefined();
  });

  it('is the check a hello cursor goes through', () => {
    const ok = parseClientMessage(JSON.stringify({ type: 'hello', data: { v: 1, cursor: { epoch: 'e', id: '5-1', x: 1 } } }));
    expect(ok.ok && ok.message.type === 'hello' && ok.message.data.cursor).toEqual({ epoch: 'e', id: '5-1' });
    const bad = parseClientMessage(JSON.stringify({ type: 'hello', data: { v: 1, cursor: { epoch: 'e'.repeat(65), id: '5-1' } } }));
    expect(!bad.ok && bad.error.path).toBe('data.cursor');
  });
});
