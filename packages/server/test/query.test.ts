import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogwire, LogwireError, queryLogs } from '../src/index.js';

const T0 = Date.UTC(2026, 2, 14, 10, 0, 0);
let dir: string;
let clock = T0;

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-'));
  clock = T0;
  vi.spyOn(Date, 'now').mockImplementation(() => clock);
  const logwire = createLogwire({ persistence: { dir, system: { maxBytes: 2048, backups: 50 } }, level: 'DEBUG' });
  const loggers = ['orchestrator', 'orchestrator.server', 'orchestrators', 'tmux'];
  const levels = ['DEBUG', 'INFO', 'WARNING', 'ERROR'] as const;
  // 40 system records one second apart; every 4th is an audit event too.
  for (let i = 0; i < 40; i++) {
    clock = T0 + i * 1000;
    logwire.getLogger(loggers[i % 4]).log(levels[i % 4]!, i === 7 ? 'Disk FULL on /var' : `message ${i}`, { i });
    if (i % 4 === 0) logwire.audit(i % 8 === 0 ? 'instance_spawn' : 'instance_terminate', { instance_id: `inst-${i}` });
    logwire.hub.flush();
  }
  await logwire.close();
  vi.restoreAllMocks();
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const numbers = (page: { entries: { data: Record<string, unknown> }[] }): unknown[] =>
  page.entries.map((entry) => entry.data['i'] ?? entry.data['metadata']);

describe('queryLogs', () => {
  it('returns the newest `limit` entries, newest last, across rotated files', () => {
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('system.log')).length).toBeGreaterThan(3);
    const page = queryLogs(dir, 'system', { limit: 5 });
    expect(numbers(page)).toEqual([35, 36, 37, 38, 39]);
    expect(page.entries[0]).toMatchObject({ type: 'system_log', data: { message: 'message 35', logger: 'tmux', level: 'ERROR' } });
    expect(page.cursor).toBe(page.entries[0]!.id);
  });

  it('pages backwards with the cursor until the oldest entry, without gaps or repeats', () => {
    const seen: unknown[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = queryLogs(dir, 'system', { limit: 7, cursor });
      seen.unshift(...numbers(page));
      if (page.cursor === null) break;
      cursor = page.cursor;
    }
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('filters by level (minimum), logger prefix by segments, text, since and until', () => {
    expect(numbers(queryLogs(dir, 'system', { level: 'ERROR' }))).toEqual([3, 7, 11, 15, 19, 23, 27, 31, 35, 39]);
    expect(numbers(queryLogs(dir, 'system', { logger: 'orchestrator', limit: 6 }))).toEqual([28, 29, 32, 33, 36, 37]);
    expect(numbers(queryLogs(dir, 'system', { logger: 'orchestrator.server', limit: 3 }))).toEqual([29, 33, 37]);
    expect(numbers(queryLogs(dir, 'system', { text: 'disk full' }))).toEqual([7]);
    expect(numbers(queryLogs(dir, 'system', { since: T0 + 10_000, until: new Date(T0 + 13_000) }))).toEqual([10, 11, 12, 13]);
    expect(queryLogs(dir, 'system', { since: T0 + 10_000, until: T0 + 13_000, limit: 2 }).cursor).not.toBeNull();
    expect(numbers(queryLogs(dir, 'system', { since: T0 + 100_000 }))).toEqual([]);
  });

  it('queries the audit trail by action and text, newest last, with trail seq numbers', () => {
    const page = queryLogs(dir, 'audit', { action: 'instance_terminate', limit: 2 });
    expect(page.entries.map((entry) => entry.data['metadata'])).toEqual([{ instance_id: 'inst-28' }, { instance_id: 'inst-36' }]);
    expect(page.entries.map((entry) => entry.seq)).toEqual([9, 11]);
    expect(page.entries[0]).toMatchObject({ type: 'audit_log', data: { action: 'instance_terminate', logger: 'audit' } });
    expect(queryLogs(dir, 'audit', { text: 'INST-12' }).entries.map((entry) => entry.data['metadata'])).toEqual([
      { instance_id: 'inst-12' },
    ]);
    expect(queryLogs(dir, 'audit', {}).entries).toHaveLength(10);
  });

  it('rejects invalid filters with a LogwireError that says what is wrong', () => {
    const bad: [Parameters<typeof queryLogs>[2], RegExp][] = [
      [{ limit: 0 }, /limit/],
      [{ limit: 1001 }, /limit/],
      [{ limit: 1.5 }, /limit/],
      [{ since: Number.NaN }, /since/],
      [{ since: T0 + 1, until: T0 }, /since must not be after until/],
      [{ level: 'LOUD' as never }, /level/],
      [{ cursor: '../etc' }, /cursor/],
      [{ text: 'x'.repeat(201) }, /text/],
      [{ action: 'x' }, /audit/],
    ];
    for (const [query, message] of bad) {
      expect(() => queryLogs(dir, 'system', query)).toThrow(LogwireError);
      expect(() => queryLogs(dir, 'system', query)).toThrow(message);
    }
  });

  it('reads only the end of a large file for the newest entries', () => {
    const big = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-big-'));
    try {
      const lines: string[] = [];
      for (let i = 0; i < 40_000; i++) {
        lines.push(
          JSON.stringify({
            id: `${T0 + i}-0`,
            timestamp: new Date(T0 + i).toISOString(),
            level: 'INFO',
            logger: 'bulk',
            message: `bulk ${i} ${'x'.repeat(120)}`,
            i,
          }),
        );
      }
      fs.writeFileSync(path.join(big, 'system.log'), lines.join('\n') + '\n');
      const size = fs.statSync(path.join(big, 'system.log')).size;
      expect(size).toBeGreaterThan(6_000_000);
      const readSync = vi.spyOn(fs, 'readSync');
      const page = queryLogs(big, 'system', { limit: 100 });
      const bytesRead = readSync.mock.results.reduce((sum, result) => sum + Number(result.value ?? 0), 0);
      expect(numbers(page)).toEqual(Array.from({ length: 100 }, (_, i) => 39_900 + i));
      expect(bytesRead).toBeLessThan(200_000);
    } finally {
      vi.restoreAllMocks();
      fs.rmSync(big, { recursive: true, force: true });
    }
  });
});
