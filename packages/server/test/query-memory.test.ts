// The memory bound of running queries (packages/server/src/query/read-pool.ts): chunk buffers are
// lent from a fixed pool, first come first served, and reused; a reader holds one until its slice
// is released; many concurrent queries answer exactly what one query alone answers; lines tested
// on their bytes give the answers the string tests give; a page stops at MAX_PAGE_BYTES of lines.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../../test/helpers/wait.js';
import { type LogQuery, type QueryPage, queryLogs, queryLogsAsync } from '../src/index.js';
import { MAX_PAGE_BYTES } from '../src/query/filter.js';
import { readChunksBackward } from '../src/query/read-backward.js';
import { ReadPool, Turns } from '../src/query/read-pool.js';

const T0 = Date.UTC(2026, 2, 14, 10, 0, 0);
let dir: string;

/** A `system.log` line of entry `i` with `message` and extra data. */
function line(i: number, message: string, extra: Record<string, unknown> = {}): string {
  const data = { timestamp: new Date(T0 + i).toISOString(), level: 'INFO', logger: 'app', message, i, ...extra };
  return `{"id":"${T0 + i}-0",${JSON.stringify(data).slice(1)}`;
}

/** Follows the cursors from the newest page to the end, collecting entries oldest first. */
async function allPages(query: LogQuery): Promise<unknown[]> {
  const found: unknown[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 10_000; pages++) {
    const page: QueryPage = await queryLogsAsync(dir, 'system', { ...query, cursor }, { maxBytes: 1 << 16 });
    found.unshift(...page.entries.map((entry) => entry.data['i']));
    if (page.cursor === null) return found;
    cursor = page.cursor;
  }
  throw new Error('paging did not end');
}

/** The same through the synchronous reader (strings, no pool), following its cursors. */
function allPagesSync(query: LogQuery): unknown[] {
  const found: unknown[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = queryLogs(dir, 'system', { ...query, cursor });
    found.unshift(...page.entries.map((entry) => entry.data['i']));
    if (page.cursor === null) return found;
    cursor = page.cursor;
  }
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-memory-'));
  const messages = [
    (i: number) => `job ${i} done`,
    (i: number) => `Connection RESET by peer ${i}`,
    // The Kelvin sign lower-cases to "k" (so `text=kelvin` matches it) but is not folded by /k/i;
    // rare, so most chunks hold neither it nor İ and are tested on their bytes.
    (i: number) => (i % 2000 === 2 ? `\u212aelvin reading ${i}` : `Job ${i} DONE`),
    (i: number) => (i % 1500 === 3 ? `İstanbul office ${i}` : `kelvin-free ${i}`),
    (i: number) => `naïve ${'ü'.repeat(i % 5)} text ${i}`,
  ];
  const older: string[] = [];
  for (let i = 0; i < 4000; i++) older.push(line(i, messages[i % messages.length]!(i), i % 3 === 0 ? { status_code: 500 + (i % 7) } : {}));
  // Lines the byte tests must leave to the string tests: no id prefix, a leading-zero id, a huge id.
  older.splice(100, 0, 'not a record', `{"id":"0${T0}-0","message":"leading zero"}`, `{"id":"${'9'.repeat(20)}-0","message":"huge"}`);
  const newer: string[] = [];
  for (let i = 4000; i < 6000; i++)
    newer.push(line(i, messages[i % messages.length]!(i), i % 3 === 0 ? { status_code: 500 + (i % 7) } : {}));
  // A line longer than a chunk, split over several.
  newer[900] = line(4900, `long ${'x'.repeat(150_000)} connection reset`, { status_code: 503 });
  fs.writeFileSync(path.join(dir, 'system.log.1'), older.join('\n') + '\n');
  fs.writeFileSync(path.join(dir, 'system.log'), newer.join('\n') + '\n');
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the read pool', () => {
  it('lends at most its number of buffers, first come first served, and reuses them', async () => {
    const pool = new ReadPool(2, 1024);
    const first = await pool.lease();
    const second = await pool.lease();
    const order: string[] = [];
    const third = pool.lease().then((lease) => (order.push('third'), lease));
    const fourth = pool.lease().then((lease) => (order.push('fourth'), lease));
    expect(pool.waiting).toBe(2);
    first.release();
    first.release(); // idempotent: gives back one place only
    const lent = await third;
    expect(order).toEqual(['third']);
    expect(pool.waiting).toBe(1);
    expect(lent.buffer).toBe(first.buffer);
    second.release();
    await fourth;
    expect(order).toEqual(['third', 'fourth']);
  });

  it('passes a freed place to the one waiting, not to a later caller', async () => {
    const turns = new Turns(1);
    const giveBack = await turns.take();
    const waiting = turns.take();
    giveBack();
    expect(turns.free).toBe(0);
    (await waiting)();
    expect(turns.free).toBe(1);
  });

  it('keeps a reader on its buffer until its slice is released', async () => {
    const pool = new ReadPool(1, 4096);
    const a = readChunksBackward(path.join(dir, 'system.log.1'), pool);
    const b = readChunksBackward(path.join(dir, 'system.log.1'), pool);
    const sliceA = await a.next();
    let bRead = false;
    const nextB = b.next().then((result) => ((bRead = true), result));
    await until(() => pool.waiting === 1, 'the second reader waiting for the buffer');
    expect(bRead).toBe(false);
    (sliceA.value as { release: () => void }).release();
    const sliceB = await nextB;
    expect(sliceB.done).toBe(false);
    await b.return(undefined);
    await a.return(undefined);
  });
});

describe('queries through the pool', () => {
  const queries: LogQuery[] = [
    { text: 'connection reset', limit: 1000 },
    { text: 'kelvin', limit: 1000 },
    { text: 'job', limit: 1000 },
    { text: 'office', limit: 1000 },
    { text: 'İstanbul', limit: 1000 },
    { text: 'NAÏVE', limit: 1000 },
    { text: 'leading zero', limit: 1000 },
    { fields: ['status_code>=503'], limit: 1000 },
    { fields: ['status_code=503'], text: 'reset', limit: 1000 },
    { until: T0 + 3000, text: 'done', limit: 1000 },
  ];

  it('answers as the synchronous string path does, for text, field and window filters', async () => {
    for (const query of queries) {
      const expected = allPagesSync(query);
      // Lines whose id is not one (a leading zero, too large) match nothing, either way.
      if (query.text !== 'leading zero') expect(expected.length, JSON.stringify(query)).toBeGreaterThan(0);
      expect(await allPages(query), JSON.stringify(query)).toEqual(expected);
    }
  });

  it('answers 20 concurrent queries exactly as each alone', async () => {
    const alone = await Promise.all(queries.map((query) => allPages(query)));
    const together = await Promise.all(Array.from({ length: 20 }, (_, n) => allPages(queries[n % queries.length]!)));
    together.forEach((found, n) => expect(found).toEqual(alone[n % queries.length]));
  });
});

describe('page size', () => {
  it('ends a page of long entries at MAX_PAGE_BYTES, with a cursor to the rest', async () => {
    const big = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-memory-big-'));
    try {
      const lines = Array.from({ length: 12 }, (_, i) => line(i, `entry ${i} ${'y'.repeat(1 << 20)}`));
      fs.writeFileSync(path.join(big, 'system.log'), lines.join('\n') + '\n');
      const first = await queryLogsAsync(big, 'system', { limit: 100 });
      expect(first.entries.length).toBeGreaterThan(0);
      expect(first.entries.length).toBeLessThan(12);
      const size = first.entries.reduce((sum, entry) => sum + String(entry.data['message']).length, 0);
      expect(size).toBeLessThanOrEqual(MAX_PAGE_BYTES);
      expect(first.cursor).not.toBeNull();
      const seen = first.entries.map((entry) => entry.data['i']);
      let cursor = first.cursor;
      while (cursor !== null) {
        const page = queryLogs(big, 'system', { limit: 100, cursor });
        seen.unshift(...page.entries.map((entry) => entry.data['i']));
        cursor = page.cursor;
      }
      expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => i));
    } finally {
      fs.rmSync(big, { recursive: true, force: true });
    }
  });
});
