// The cursor and continuity rules of the stream client, without a socket.
import { describe, expect, it } from 'vitest';
import type { BatchData } from '@logwire/protocol';
import { StreamPosition } from '../src/stream-position.js';

const batch = (from: string | null, to: string | null, epoch = 'e1'): BatchData => ({ epoch, from, to, messages: [] });

describe('StreamPosition', () => {
  it('starts from a kept cursor, or throws a TypeError for a malformed one', () => {
    const position = new StreamPosition({ epoch: 'e1', id: '10-0' });
    expect(position.cursor).toEqual({ epoch: 'e1', id: '10-0' });
    expect(new StreamPosition().cursor).toBeUndefined();
    expect(() => new StreamPosition({ epoch: 'e1', id: 'ten' })).toThrow(TypeError);
  });

  it('covers each id once, in order, and always passes messages without ids', () => {
    const position = new StreamPosition();
    expect(['5-0', '6-0', '6-0', '5-0', '7-0'].map((id) => position.cover(id))).toEqual([true, true, false, false, true]);
    expect(position.cover(undefined)).toBe(true);
    expect(position.lastId).toBe('7-0');
    position.cover('9-0');
    position.cover('8-0');
    expect(position.lastId).toBe('9-0');
  });

  it('reports a batch that does not continue from the last id as a diverged gap; an overlap is no gap', () => {
    const position = new StreamPosition({ epoch: 'e1', id: '10-0' });
    expect(position.discontinuity(batch('10-0', '12-0'))).toBeUndefined();
    expect(position.discontinuity(batch('8-0', '12-0'))).toBeUndefined();
    expect(position.discontinuity(batch('11-0', '12-0'))).toEqual({ from: '10-0', to: '11-0', reason: 'diverged', epoch: 'e1' });
    // Before the first message: "0-0" and null are the same position.
    const empty = new StreamPosition({ epoch: 'e1', id: '0-0' });
    expect(empty.discontinuity(batch(null, '1-0'))).toBeUndefined();
  });

  it('accepts any start after a fresh start, a new epoch, or a gap without an end; a batch ends at its to', () => {
    const position = new StreamPosition();
    position.welcome('e1');
    expect(position.discontinuity(batch('50-0', '60-0'))).toBeUndefined();
    position.endBatch(batch('50-0', '60-0'));
    expect(position.cursor).toEqual({ epoch: 'e1', id: '60-0' });
    position.gap({ from: '60-0', to: null, reason: 'trimmed' });
    expect(position.discontinuity(batch('70-0', '71-0'))).toBeUndefined();
    position.gap({ from: '60-0', to: '80-0', reason: 'trimmed' });
    expect(position.lastId).toBe('80-0');
    expect(position.discontinuity(batch('81-0', '82-0'))?.reason).toBe('diverged');
    position.welcome('e2');
    expect(position.cursor).toBeUndefined();
    // An empty stream positions the client before its first message, so a reconnect resumes there.
    position.endBatch(batch(null, null, 'e2'));
    expect(position.cursor).toEqual({ epoch: 'e2', id: '0-0' });
  });

  it('resumes from a stored cursor but never steps back over what it covered in the same epoch', () => {
    const position = new StreamPosition({ epoch: 'e1', id: '20-0' });
    position.resumeFrom({ epoch: 'e1', id: '15-0' });
    expect(position.lastId).toBe('20-0');
    position.resumeFrom({ epoch: 'e2', id: '3-0' });
    expect(position.cursor).toEqual({ epoch: 'e2', id: '3-0' });
    position.resumeFrom(null);
    expect(position.cursor).toBeUndefined();
    // A stored epoch gap: later ids are not comparable with the last one's.
    const stored = new StreamPosition({ epoch: 'e1', id: '20-0' });
    stored.gap({ from: '20-0', to: null, reason: 'epoch' }, true);
    expect(stored.cover('1-0')).toBe(true);
  });
});
