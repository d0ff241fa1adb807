import { describe, expect, it } from 'vitest';
import type { GapMessage, LogMessage } from '@logwire/protocol';
import {
  type CommittedBatch,
  createMemoryReplayBuffer,
  openReplayBuffer,
  type ReplayWarning,
  streamKey,
  TabCoordinator,
  type TabRole,
} from '@logwire/client';

const stream = streamKey('ws://127.0.0.1:1/ws/logs', 'level>=INFO');

function message(n: number, ms = 1000 + n): LogMessage {
  return {
    type: 'system_log',
    id: `${ms}-0`,
    data: {
      timestamp: '2026-01-01T00:00:00.000Z',
      level: 'INFO',
      logger: 'test',
      message: `m${String(n).padStart(5, '0')}`,
      module: '',
      function: '',
      line: 0,
    },
  };
}

function gap(from: string | null, to: string | null, reason = 'trimmed'): GapMessage {
  return { type: 'gap', data: { from, to, reason } };
}

function ids(entries: { message: { type: string; id?: string; data: unknown } }[]): string[] {
  return entries.map((entry) =>
    entry.message.type === 'gap'
      ? `gap:${(entry.message.data as { to: string | null }).to}`
      : (entry.message.id ?? `noid:${(entry.message.data as { message: string }).message}`),
  );
}

describe('replay buffer in Node', () => {
  it('opens in memory when IndexedDB does not exist, and says so', async () => {
    const buffer = await openReplayBuffer();
    expect(buffer.persistence).toBe('memory');
    expect(buffer.unavailableReason).toBe('IndexedDB is not available in this environment');
    await buffer.close();
  });

  it('stores appended batches with their cursor and loads the newest N, oldest first', async () => {
    const buffer = createMemoryReplayBuffer();
    for (let n = 0; n < 30; n += 10) {
      void buffer.append(stream, {
        entries: Array.from({ length: 10 }, (_, i) => message(n + i)),
        cursor: { epoch: 'e1', id: `${1000 + n + 9}-0` },
      });
    }
    await buffer.flush();
    const { cursor, entries } = await buffer.load(stream, { limit: 5 });
    expect(cursor).toEqual({ epoch: 'e1', id: '1029-0' });
    expect(ids(entries)).toEqual(['1025-0', '1026-0', '1027-0', '1028-0', '1029-0']);
    expect(entries[0]!.position).toEqual([0, 1025, 0, 0]);
    expect((await buffer.load(stream)).entries).toHaveLength(30);
    expect(await buffer.load('another stream')).toEqual({ cursor: null, entries: [] });
  });

  it('coalesces appends into one write and resolves every append once it is committed', async () => {
    const buffer = createMemoryReplayBuffer({ flushDelay: 10_000, flushEntries: 25 });
    const commits: CommittedBatch[] = [];
    buffer.on('commit', (batch) => commits.push(batch));
    const first = buffer.append(stream, { entries: [message(0), message(1)], cursor: { epoch: 'e', id: '1001-0' } });
    const second = buffer.append(stream, { entries: [message(2)], cursor: { epoch: 'e', id: '1002-0' } });
    expect(commits).toHaveLength(0);
    // The 25th pending entry triggers the write without waiting for the delay.
    const third = buffer.append(stream, {
      entries: Array.from({ length: 22 }, (_, i) => message(3 + i)),
      cursor: { epoch: 'e', id: '1024-0' },
    });
    await Promise.all([first, second, third]);
    expect(commits).toHaveLength(1);
    expect(commits[0]!.after).toBeNull();
    expect(commits[0]!.entries).toHaveLength(25);
    expect(commits[0]!.cursor).toEqual({ epoch: 'e', id: '1024-0' });
  });

  it('drops replayed duplicates so every id is stored once, and never moves the cursor back', async () => {
    const buffer = createMemoryReplayBuffer();
    await buffer.append(stream, { entries: [message(0), message(1), message(2)], cursor: { epoch: 'e', id: '1002-0' } });
    // A resume replays from an older position: 1001 and 1002 again, then new ones.
    await buffer.append(stream, { entries: [message(1), message(2), message(3)], cursor: { epoch: 'e', id: '1003-0' } });
    await buffer.append(stream, { entries: [], cursor: { epoch: 'e', id: '1001-0' } });
    const { cursor, entries } = await buffer.load(stream);
    expect(ids(entries)).toEqual(['1000-0', '1001-0', '1002-0', '1003-0']);
    expect(cursor).toEqual({ epoch: 'e', id: '1003-0' });
  });

  it('orders ids numerically, not as text', async () => {
    const buffer = createMemoryReplayBuffer();
    await buffer.append(stream, { entries: [message(0, 9), message(0, 10), message(0, 100)], cursor: { epoch: 'e', id: '100-0' } });
    await buffer.append(stream, {
      entries: [
        { ...message(0, 100), id: '100-2' },
        { ...message(0, 100), id: '100-10' },
      ],
    });
    expect(ids((await buffer.load(stream)).entries)).toEqual(['9-0', '10-0', '100-0', '100-2', '100-10']);
  });

  it('stores gap markers in order, drops a repeated identical gap, and sorts a new epoch after the old one', async () => {
    const buffer = createMemoryReplayBuffer();
    await buffer.append(stream, { entries: [message(0), message(1)], cursor: { epoch: 'e1', id: '1001-0' } });
    await buffer.append(stream, {
      entries: [gap('1001-0', '1005-0'), gap('1001-0', '1005-0'), message(6)],
      cursor: { epoch: 'e1', id: '1006-0' },
    });
    // The server restarted: new epoch, and its ids happen to be smaller.
    await buffer.append(stream, { entries: [gap('1006-0', null, 'epoch')], cursor: { epoch: 'e1', id: '1006-0' } });
    await buffer.append(stream, { entries: [message(0, 50), message(0, 51)], cursor: { epoch: 'e2', id: '51-0' } });
    const { cursor, entries } = await buffer.load(stream);
    expect(ids(entries)).toEqual(['1000-0', '1001-0', 'gap:1005-0', '1006-0', 'gap:null', '50-0', '51-0']);
    expect(entries.map((entry) => entry.position)).toEqual([
      [0, 1000, 0, 0],
      [0, 1001, 0, 0],
      [0, 1001, 0, 1],
      [0, 1006, 0, 0],
      [0, 1006, 0, 1],
      [1, 50, 0, 0],
      [1, 51, 0, 0],
    ]);
    expect(cursor).toEqual({ epoch: 'e2', id: '51-0' });
  });

  it('keeps messages without ids (legacy servers) in arrival order', async () => {
    const buffer = createMemoryReplayBuffer();
    const legacy = (text: string): LogMessage => ({
      type: 'audit_log',
      data: { timestamp: 't', level: 'INFO', logger: 'audit', message: text },
    });
    await buffer.append(stream, { entries: [legacy('a'), legacy('b')] });
    await buffer.append(stream, { entries: [legacy('c')] });
    const { cursor, entries } = await buffer.load(stream);
    expect(ids(entries)).toEqual(['noid:a', 'noid:b', 'noid:c']);
    expect(cursor).toBeNull();
  });

  it('caps each stream by count, evicting the oldest down to 90 %', async () => {
    const buffer = createMemoryReplayBuffer({ maxEntries: 100 });
    await buffer.append(stream, { entries: Array.from({ length: 100 }, (_, i) => message(i)), cursor: { epoch: 'e', id: '1099-0' } });
    expect((await buffer.load(stream, { limit: 1000 })).entries).toHaveLength(100);
    await buffer.append(stream, { entries: [message(100)], cursor: { epoch: 'e', id: '1100-0' } });
    const { entries } = await buffer.load(stream, { limit: 1000 });
    expect(entries).toHaveLength(90);
    expect(ids(entries)[0]).toBe('1011-0');
    expect(ids(entries).at(-1)).toBe('1100-0');
  });

  it('caps each stream by bytes (JSON length)', async () => {
    const size = JSON.stringify(message(0)).length;
    const buffer = createMemoryReplayBuffer({ maxBytes: size * 10 });
    await buffer.append(stream, { entries: Array.from({ length: 11 }, (_, i) => message(i)), cursor: { epoch: 'e', id: '1010-0' } });
    expect(ids((await buffer.load(stream)).entries)).toEqual([
      '1002-0',
      '1003-0',
      '1004-0',
      '1005-0',
      '1006-0',
      '1007-0',
      '1008-0',
      '1009-0',
      '1010-0',
    ]);
  });

  it('reads the entries after a position, for a tab catching up', async () => {
    const buffer = createMemoryReplayBuffer();
    await buffer.append(stream, { entries: Array.from({ length: 10 }, (_, i) => message(i)), cursor: { epoch: 'e', id: '1009-0' } });
    expect(ids(await buffer.readAfter(stream, [0, 1006, 0, 0]))).toEqual(['1007-0', '1008-0', '1009-0']);
    expect(ids(await buffer.readAfter(stream, null, 2))).toEqual(['1000-0', '1001-0']);
    expect(await buffer.cursor(stream)).toEqual({ epoch: 'e', id: '1009-0' });
  });

  it('clear() removes every stream and queued append, without any connection', async () => {
    const buffer = createMemoryReplayBuffer({ flushDelay: 10_000 });
    const other = streamKey('ws://127.0.0.1:1/ws/logs', '');
    void buffer.append(stream, { entries: [message(0)], cursor: { epoch: 'e', id: '1000-0' } });
    void buffer.append(other, { entries: [message(0)], cursor: { epoch: 'e', id: '1000-0' } });
    await buffer.flush();
    expect((await buffer.load(other)).entries).toHaveLength(1);
    const queued = buffer.append(stream, { entries: [message(1)], cursor: { epoch: 'e', id: '1001-0' } });
    await buffer.clear();
    await queued;
    await buffer.flush();
    expect(await buffer.load(stream)).toEqual({ cursor: null, entries: [] });
    expect(await buffer.load(other)).toEqual({ cursor: null, entries: [] });
  });

  it('purgeAudit() removes the audit entries of every stream, including queued ones, and keeps messages, gaps and cursors', async () => {
    const buffer = createMemoryReplayBuffer({ flushDelay: 10_000, maxEntries: 4 });
    const audit = (n: number): LogMessage => {
      const data = { timestamp: 't', level: 'INFO', logger: 'test', message: `a${n}`, action: 'read' };
      return { type: 'audit_log', id: `${1000 + n}-0`, data };
    };
    const admin = streamKey('ws://127.0.0.1:1/ws/logs', '', 'admin');
    const entries = [message(0), audit(1), gap('1001-0', '1003-0'), audit(4)];
    void buffer.append(stream, { entries, cursor: { epoch: 'e', id: '1004-0' } });
    void buffer.append(admin, { entries: [audit(5)], cursor: { epoch: 'e', id: '1005-0' } });
    await buffer.purgeAudit();
    expect(ids((await buffer.load(stream)).entries)).toEqual(['1000-0', 'gap:1003-0']);
    expect((await buffer.load(stream)).cursor).toEqual({ epoch: 'e', id: '1004-0' });
    expect(await buffer.load(admin)).toEqual({ cursor: { epoch: 'e', id: '1005-0' }, entries: [] });
    // The count went down with the purge: three more entries fit under the cap of 4 before eviction.
    void buffer.append(stream, { entries: [message(6), message(7)], cursor: { epoch: 'e', id: '1007-0' } });
    await buffer.flush();
    expect(ids((await buffer.load(stream)).entries)).toEqual(['1000-0', 'gap:1003-0', '1006-0', '1007-0']);
  });

  it('keeps the streams of different principals apart', () => {
    expect(streamKey('ws://h/ws/logs', '', 'alice')).not.toBe(streamKey('ws://h/ws/logs', '', 'bob'));
    expect(streamKey('ws://h/ws/logs', '', 'alice')).not.toBe(streamKey('ws://h/ws/logs', ''));
    // A principal cannot pose as a filter key: the principal is always the last part.
    expect(streamKey('ws://h/ws/logs', '', 'x\ny')).not.toBe(streamKey('ws://h/ws/logs', 'x', 'y'));
  });

  it('skips entries that are not log messages or gaps, with a warning, and stores the rest', async () => {
    const buffer = createMemoryReplayBuffer();
    const warnings: ReplayWarning[] = [];
    buffer.on('warning', (warning) => warnings.push(warning));
    const circular: Record<string, unknown> = { type: 'system_log', id: '5-0', data: {} };
    (circular.data as Record<string, unknown>).self = circular;
    const bad = [null, 42, { type: 'ping' }, circular] as unknown as LogMessage[];
    await buffer.append(stream, { entries: [message(0), ...bad, message(1)], cursor: { epoch: 'e', id: '1001-0' } });
    expect(ids((await buffer.load(stream)).entries)).toEqual(['1000-0', '1001-0']);
    expect(warnings.map((warning) => warning.code)).toEqual(['bad_entry', 'bad_entry', 'bad_entry', 'bad_entry']);
  });

  it('rejects invalid options with a TypeError that names the option', async () => {
    expect(() => createMemoryReplayBuffer({ maxEntries: 0 })).toThrow(
      new TypeError('ReplayBuffer option maxEntries must be a number >= 1, got 0'),
    );
    await expect(openReplayBuffer({ persistence: 'disk' as 'auto' })).rejects.toThrow(
      new TypeError("ReplayBuffer option persistence must be 'auto' or 'memory', got disk"),
    );
  });

  it('ignores appends after close()', async () => {
    const buffer = createMemoryReplayBuffer();
    await buffer.close();
    await buffer.append(stream, { entries: [message(0)] });
    expect((await buffer.load(stream)).entries).toEqual([]);
  });

  it('makes a tab without Web Locks (Node) the leader at once, on its own', () => {
    const buffer = createMemoryReplayBuffer();
    const tabs = new TabCoordinator(buffer, stream);
    const roles: TabRole[] = [];
    tabs.on('role', (role) => roles.push(role));
    tabs.start(null);
    expect(tabs.mode).toBe('solo');
    expect(roles).toEqual(['leader']);
    expect(tabs.isLeader).toBe(true);
    tabs.close();
  });
});
