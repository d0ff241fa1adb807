import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire, LogwireError } from '../src/index.js';
import { capture } from './logger-capture.js';

const MARK = '…[truncated]';

/** True for `char` repeated (at least 1000 and) at most `max` times, followed by the mark. */
function cutRun(value: unknown, char: string, max: number): boolean {
  if (typeof value !== 'string' || !value.endsWith(MARK)) return false;
  const kept = value.slice(0, -MARK.length);
  return kept.length >= 1000 && kept.length <= max && kept === char.repeat(kept.length);
}
const FIVE_MB = 5 * 1024 * 1024;

let logwire: Logwire | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

function setup(options: Parameters<typeof createLogwire>[0] = {}) {
  logwire = createLogwire({ workers: false, callsite: false, level: 'INFO', ...options });
  return { logwire, out: capture(logwire) };
}

describe('maxRecordBytes: a record is cut to a bounded size and marked', () => {
  it('cuts a 5 MB message to 64 KiB in the log call, ends it with the mark and marks the record', () => {
    const { logwire, out } = setup();
    logwire.getLogger('app').info('x'.repeat(FIVE_MB), { requestId: 'r1' });
    const [frame] = out.take();
    const message = frame!.data['message'] as string;
    expect(message).toBe('x'.repeat(64 * 1024) + MARK);
    expect(frame!.data['requestId']).toBe('r1');
    expect(frame!.data['logwire_truncated']).toBe(true);
    expect(logwire.hub.head!.data.length).toBeLessThan(66 * 1024);
  });

  it('cuts long field values, nested strings and long arrays, keeping every key', () => {
    const { logwire, out } = setup({ maxRecordBytes: 4096 });
    const big = 'y'.repeat(FIVE_MB);
    const list = Array.from({ length: 100_000 }, (_, i) => i);
    logwire.getLogger('app').info('fields', { body: big, nested: { deep: { text: big } }, list, after: { a: 1 } });
    const [frame] = out.take();
    const data = frame!.data;
    expect(cutRun(data['body'], 'y', 4096)).toBe(true);
    // The budget is spent: nested objects are written as the mark alone, a field's own object keeps its keys.
    expect(data['nested']).toEqual({ deep: MARK });
    expect(data['list']).toEqual([MARK]);
    expect(data['after']).toEqual({ a: 1 });
    expect(data['logwire_truncated']).toBe(true);
    expect(logwire.hub.head!.data.length).toBeLessThan(4096 + 1024);
  });

  it('keeps short strings and small values whole once the budget is spent, and records that fit unmarked', () => {
    const { logwire, out } = setup({ maxRecordBytes: 1024 });
    logwire.getLogger('app').info('z'.repeat(2000), { user: 'alice', id: 42, ok: true });
    logwire.getLogger('app').info('small', { user: 'alice', list: [1, 2, 3] });
    const [cut, whole] = out.take();
    expect(cut!.data).toMatchObject({ message: 'z'.repeat(1024) + MARK, user: 'alice', id: 42, ok: true, logwire_truncated: true });
    expect(whole!.data).toMatchObject({ message: 'small', user: 'alice', list: [1, 2, 3] });
    expect(whole!.data).not.toHaveProperty('logwire_truncated');
  });

  it('keeps the first items of an array the budget has room for, then the mark', () => {
    const { logwire, out } = setup({ maxRecordBytes: 1024 });
    logwire.getLogger('app').info('list', { list: Array.from({ length: 1000 }, (_, i) => i) });
    const list = out.take()[0]!.data['list'] as unknown[];
    expect(list.length).toBeGreaterThan(50);
    expect(list.length).toBeLessThan(1000);
    expect(list.at(-1)).toBe(MARK);
    expect(list.slice(0, -1)).toEqual(Array.from({ length: list.length - 1 }, (_, i) => i));
  });

  it('cuts audit records too: message, action and metadata are cut and marked, never dropped', () => {
    const { logwire, out } = setup({ maxRecordBytes: 2048 });
    const big = 'm'.repeat(FIVE_MB);
    logwire.getLogger('audit.user').audit('user.export', { file: big, rows: 12, actor: 'alice' });
    logwire.getLogger('audit.user').audit('a'.repeat(FIVE_MB), { actor: 'bob' }, { message: 'b'.repeat(FIVE_MB) });
    const [first, second] = out.take();
    expect(first!.type).toBe('audit_log');
    expect(first!.data['action']).toBe('user.export');
    const metadata = first!.data['metadata'] as Record<string, unknown>;
    expect(Object.keys(metadata)).toEqual(['file', 'rows', 'actor']);
    expect(cutRun(metadata['file'], 'm', 2048)).toBe(true);
    expect(metadata).toMatchObject({ rows: 12, actor: 'alice' });
    expect(first!.data['logwire_truncated']).toBe(true);
    expect(second!.data['message']).toBe('b'.repeat(2048) + MARK);
    expect(second!.data['action']).toBe(MARK);
    expect(second!.data['metadata']).toEqual({ actor: 'bob' });
    expect(second!.data['logwire_truncated']).toBe(true);
  });

  it('redacts a secret that straddles the cut before cutting, so no part of it is sent', () => {
    const { logwire, out } = setup({ maxRecordBytes: 1024 });
    const secret = 'S3cr3tV4lu3'.repeat(4);
    logwire.getLogger('app').info('p'.repeat(1000) + ' token=' + secret + ' and more text after it ' + 'q'.repeat(5000));
    const message = out.take()[0]!.data['message'] as string;
    expect(message.endsWith(MARK)).toBe(true);
    expect(message).not.toContain('S3cr');
    expect(message).toContain('token=[RED');
  });

  it('keeps a caller field named logwire_truncated under `extra`, never confusing it with the marker', () => {
    const { logwire, out } = setup();
    logwire.getLogger('app').info('odd', { logwire_truncated: 'mine' });
    const data = out.take()[0]!.data;
    expect(data['extra']).toEqual({ logwire_truncated: 'mine' });
    expect(data).not.toHaveProperty('logwire_truncated');
  });

  it('takes an explicit undefined as the default and refuses values below 1024 or not integers', () => {
    const { logwire, out } = setup({ maxRecordBytes: undefined });
    logwire.getLogger('app').info('w'.repeat(70_000));
    expect(out.take()[0]!.data['message']).toBe('w'.repeat(65_536) + MARK);
    for (const bad of [0, 100, 1023, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => createLogwire({ workers: false, maxRecordBytes: bad })).toThrow(LogwireError);
    }
  });
});
