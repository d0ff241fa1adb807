import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type LogQuery, type QueryBudget, type QueryPage, queryLogs, queryLogsAsync } from '../src/index.js';

const T0 = Date.UTC(2026, 2, 14, 10, 0, 0);
const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR'];
let dir: string;

/** One `system.log` line as the file store writes it, for entry `i` (three entries per millisecond). */
function line(i: number, message = `line ${i}${i % 7 === 0 ? ' needle' : ''}`): string {
  const ms = T0 + Math.floor(i / 3);
  const data = { timestamp: new Date(ms).toISOString(), level: LEVELS[i % 4], logger: i % 2 ? 'app.odd' : 'app.even', message, i };
  return `{"id":"${ms}-${i % 3}",${JSON.stringify(data).slice(1)}`;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-async-'));
  const older = Array.from({ length: 3000 }, (_, i) => line(i));
  const newer = Array.from({ length: 3000 }, (_, i) => line(3000 + i));
  // A line that spans several 64 KiB chunks, and one that is not a record.
  newer[1500] = line(4500, `long ${'x'.repeat(200_000)} needle`);
  newer.splice(700, 0, 'not json at all');
  fs.writeFileSync(path.join(dir, 'system.log.1'), older.join('\n') + '\n');
  // A torn last line (no newline) is not a record.
  fs.writeFileSync(path.join(dir, 'system.log'), newer.join('\n') + '\n' + line(6000).slice(0, 40));
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

const numbers = (page: QueryPage): unknown[] => page.entries.map((entry) => entry.data['i']);

/** Follows the cursors from the newest page to the end, collecting entries oldest first. */
async function allPages(query: LogQuery, budget: QueryBudget): Promise<{ seen: unknown[]; pages: QueryPage[] }> {
  const seen: unknown[] = [];
  const pages: QueryPage[] = [];
  let cursor: string | undefined;
  for (let round = 0; round < 5000; round++) {
    const page = await queryLogsAsync(dir, 'system', { ...query, cursor }, budget);
    pages.push(page);
    seen.unshift(...numbers(page));
    if (page.cursor === null) return { seen, pages };
    cursor = page.cursor;
  }
  throw new Error('paging did not end');
}

describe('queryLogsAsync', () => {
  it('answers like queryLogs for every filter, across rotated files, a long line, a torn tail and a non-record line', async () => {
    const queries: LogQuery[] = [
      {},
      { limit: 1000 },
      { level: 'ERROR', limit: 50 },
      { logger: 'app.odd', limit: 7 },
      { text: 'NEEDLE', limit: 1000 },
      { since: T0 + 900, until: T0 + 1100, limit: 1000 },
      { cursor: `${T0 + 1000}-1`, limit: 5 },
    ];
    for (const query of queries) {
      const page = await queryLogsAsync(dir, 'system', query);
      expect({ query, page }).toEqual({ query, page: queryLogs(dir, 'system', query) });
    }
    expect(numbers(await queryLogsAsync(dir, 'system', { limit: 2 }))).toEqual([5998, 5999]);
    expect(numbers(await queryLogsAsync(dir, 'system', { text: 'long x' }))).toEqual([4500]);
  });

  it('stops at its byte budget with a cursor, and following the cursors gives every match once, in order', async () => {
    const expected = numbers(queryLogs(dir, 'system', { text: 'needle', limit: 1000 }));
    const { seen, pages } = await allPages({ text: 'needle', limit: 40 }, { maxBytes: 4096 });
    expect(seen).toEqual(expected);
    // Cut short by the budget: fewer entries than the limit, and a cursor to go on.
    expect(pages.some((page) => page.entries.length < 40 && page.cursor !== null)).toBe(true);
    expect(pages.length).toBeGreaterThan(10);
  });

  it('pages without gaps or repeats when the budget cuts every page, for an unfiltered query too', async () => {
    const { seen } = await allPages({ limit: 1000 }, { maxBytes: 1 });
    expect(seen).toEqual(Array.from({ length: 6000 }, (_, i) => i));
  });

  it('stops at its time budget with a cursor where it stopped', async () => {
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => (now += 10));
    const page = await queryLogsAsync(dir, 'system', { text: 'needle', limit: 1000 }, { maxMs: 25 });
    expect(page.cursor).not.toBeNull();
    expect(page.entries.length).toBeLessThan(numbers(queryLogs(dir, 'system', { text: 'needle', limit: 1000 })).length);
    vi.restoreAllMocks();
    const rest = await queryLogsAsync(dir, 'system', { text: 'needle', limit: 1000, cursor: page.cursor! });
    expect([...numbers(rest), ...numbers(page)]).toEqual(numbers(queryLogs(dir, 'system', { text: 'needle', limit: 1000 })));
  });

  it('yields to the event loop between slices of lines', async () => {
    let ticks = 0;
    let running = true;
    const tick = (): void => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const seenAtSlice: number[] = [];
    await queryLogsAsync(dir, 'system', { text: 'nothing matches this' }, { onSlice: () => seenAtSlice.push(ticks) });
    running = false;
    expect(seenAtSlice.length).toBeGreaterThan(10);
    for (let index = 1; index < seenAtSlice.length; index++) expect(seenAtSlice[index]).toBeGreaterThan(seenAtSlice[index - 1]!);
  });

  it('skips files entirely newer than the cursor after reading their first line', async () => {
    let slices = 0;
    const page = await queryLogsAsync(dir, 'system', { cursor: `${T0 + 10}-0`, limit: 1000 }, { onSlice: () => slices++ });
    expect(numbers(page)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // Only the chunks of system.log.1 are read line by line (it is about 7 chunks long).
    expect(slices).toBeLessThan(10);
  });

  it('stops when its signal is aborted, with a cursor to go on', async () => {
    const controller = new AbortController();
    controller.abort();
    const page = await queryLogsAsync(dir, 'system', { text: 'needle', limit: 1000 }, { signal: controller.signal });
    expect(page.cursor).not.toBeNull();
    expect(page.entries.length).toBeLessThan(100);
  });

  it('takes options given as undefined as their defaults', async () => {
    const explicit: LogQuery = {
      since: undefined,
      until: undefined,
      limit: undefined,
      level: undefined,
      logger: undefined,
      action: undefined,
      text: undefined,
      cursor: undefined,
    };
    const budget: QueryBudget = { maxBytes: undefined, maxMs: undefined, signal: undefined, onSlice: undefined };
    const page = await queryLogsAsync(dir, 'system', explicit, budget);
    expect(page).toEqual(await queryLogsAsync(dir, 'system', {}));
    expect(page.entries).toHaveLength(100);
    expect(queryLogs(dir, 'system', explicit)).toEqual(page);
  });

  it('matches text like the documented rule (message, action, metadata; case-insensitive) for tricky lines', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-text-'));
    try {
      const messages = ['Disk FULL', 'say "hi" twice', 'tab\there', 'back\\slash', '\u212A is Kelvin', 'caf\u00e9 open', 'line\u2028break'];
      messages.push('plain');
      const lines = messages.map((message, i) => {
        const metadata = { note: i === 7 ? 'Disk Quota' : 'x' };
        const data = { timestamp: new Date(T0 + i).toISOString(), level: 'INFO', logger: 'app', message, metadata };
        return `{"id":"${T0 + i}-0",${JSON.stringify(data).slice(1).replace('\u2028', '\\u2028')}`;
      });
      fs.writeFileSync(path.join(own, 'system.log'), lines.join('\n') + '\n');
      const all = queryLogs(own, 'system', { limit: 1000 }).entries;
      expect(all).toHaveLength(messages.length);
      const needles = ['disk', 'DISK F', '"hi"', 'hi" t', 'tab\th', 'back\\s', 'k is', 'CAFÉ', 'é', 'line\u2028b', 'quota'];
      needles.push('"note":"x"', 'zzz');
      for (const text of needles) {
        const needle = text.toLowerCase();
        const expected = all.filter((entry) => {
          const data = entry.data as { message: string; metadata: unknown };
          return data.message.toLowerCase().includes(needle) || JSON.stringify(data.metadata).toLowerCase().includes(needle);
        });
        const page = await queryLogsAsync(own, 'system', { text, limit: 1000 });
        expect({ text, ids: page.entries.map((entry) => entry.id) }).toEqual({ text, ids: expected.map((entry) => entry.id) });
      }
    } finally {
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('has no entries for a missing directory', async () => {
    expect(await queryLogsAsync(path.join(dir, 'missing'), 'system', {})).toEqual({ entries: [], cursor: null });
    expect(await queryLogsAsync(path.join(dir, 'missing'), 'audit', {})).toEqual({ entries: [], cursor: null });
  });
});
