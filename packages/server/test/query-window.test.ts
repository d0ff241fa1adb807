import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogwire, type LogQuery, queryLogs, queryLogsAsync } from '../src/index.js';

const T0 = Date.UTC(2026, 2, 14, 0, 0, 0);
const HOUR = 3_600_000;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-window-'));
  let clock = T0;
  vi.spyOn(Date, 'now').mockImplementation(() => clock);
  const logwire = createLogwire({ persistence: { dir, system: { maxBytes: 8192, backups: 100 } } });
  // 24 hours, 40 records an hour (about 2 files an hour).
  for (let hour = 0; hour < 24; hour++) {
    for (let i = 0; i < 40; i++) {
      clock = T0 + hour * HOUR + i * 60_000;
      logwire.getLogger('app').info(`hour ${hour} record ${i}`, { hour, i, user_id: i % 10 === 0 ? 42 : 7 });
      logwire.hub.flush();
    }
  }
  await logwire.close();
  vi.restoreAllMocks();
});

afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function slicesRead(query: LogQuery): Promise<number> {
  let slices = 0;
  await queryLogsAsync(dir, 'system', query, { onSlice: () => slices++ });
  return slices;
}

describe('time-bounded queries', () => {
  it('keeps the time bounds of every rotated file beside the files', () => {
    const rotated = fs.readdirSync(dir).filter((name) => /^system\.log\.\d+$/.test(name));
    expect(rotated.length).toBeGreaterThan(20);
    const index = JSON.parse(fs.readFileSync(path.join(dir, '.system.log.bounds.json'), 'utf8')) as { files: { first: number }[] };
    expect(index.files).toHaveLength(rotated.length);
    const firsts = index.files.map((entry) => entry.first);
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
  });

  it('reads only the files that overlap the window', async () => {
    const everything = await slicesRead({ text: 'no such text', since: T0 });
    const lastHour = await slicesRead({ text: 'no such text', since: T0 + 23 * HOUR });
    const firstHour = await slicesRead({ text: 'no such text', since: T0, until: T0 + HOUR - 1 });
    expect(everything).toBeGreaterThan(20);
    expect(lastHour).toBeLessThanOrEqual(4);
    expect(firstHour).toBeLessThanOrEqual(4);
    const page = queryLogs(dir, 'system', { since: T0 + 5 * HOUR, until: T0 + 6 * HOUR - 1, fields: ['user_id=42'] });
    expect(page.entries.map((entry) => entry.data['message'])).toEqual([
      'hour 5 record 0',
      'hour 5 record 10',
      'hour 5 record 20',
      'hour 5 record 30',
    ]);
    expect(page.cursor).toBeNull();
  });

  it('gives the same answer with or without the bounds index', async () => {
    const query: LogQuery = { since: T0 + 10 * HOUR, until: T0 + 12 * HOUR, fields: ['user_id=42'], limit: 1000 };
    const withIndex = await queryLogsAsync(dir, 'system', query);
    fs.renameSync(path.join(dir, '.system.log.bounds.json'), path.join(dir, 'moved.json'));
    try {
      expect(await queryLogsAsync(dir, 'system', query)).toEqual(withIndex);
      expect(withIndex.entries).toHaveLength(9);
    } finally {
      fs.renameSync(path.join(dir, 'moved.json'), path.join(dir, '.system.log.bounds.json'));
    }
  });

  it('stops at the budget with a cursor, and the cursors cover every match once', async () => {
    const query: LogQuery = { fields: ['user_id=42'], limit: 1000 };
    const all = queryLogs(dir, 'system', query).entries.map((entry) => entry.id);
    expect(all).toHaveLength(96);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (; pages < 200; pages++) {
      const page = await queryLogsAsync(dir, 'system', { ...query, cursor }, { maxBytes: 16_384 });
      seen.unshift(...page.entries.map((entry) => entry.id));
      if (page.cursor === null) break;
      cursor = page.cursor;
    }
    expect(pages).toBeGreaterThan(5);
    expect(seen).toEqual(all);
  });
});

describe('time-bounded queries over gzip-compressed rotations', () => {
  let gzDir: string;

  beforeAll(async () => {
    gzDir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-window-gz-'));
    let clock = T0;
    vi.spyOn(Date, 'now').mockImplementation(() => clock);
    const logwire = createLogwire({
      console: false,
      persistence: { dir: gzDir, system: { maxBytes: 8192, backups: 100, compress: true } },
    });
    for (let hour = 0; hour < 24; hour++) {
      for (let i = 0; i < 40; i++) {
        clock = T0 + hour * HOUR + i * 60_000;
        logwire.getLogger('app').info(`hour ${hour} record ${i}`, { hour, i, user_id: i % 10 === 0 ? 42 : 7 });
        logwire.hub.flush();
      }
    }
    await logwire.persistence?.compressed();
    await logwire.close();
    vi.restoreAllMocks();
  });

  afterAll(() => {
    fs.rmSync(gzDir, { recursive: true, force: true });
  });

  it('skips compressed files outside the window too, by their time and plain size, with the same answer', async () => {
    expect(fs.readdirSync(gzDir).filter((name) => /^system\.log\.\d+\.gz$/.test(name)).length).toBeGreaterThan(20);
    // The first hour: newer files whose entry matches (exactly one) are skipped unread.
    const firstHour = async (): Promise<[number, unknown[]]> => {
      let slices = 0;
      const page = await queryLogsAsync(gzDir, 'system', { since: T0, until: T0 + HOUR - 1 }, { onSlice: () => slices++ });
      return [slices, page.entries.map((entry) => entry.id)];
    };
    const [withIndex, entries] = await firstHour();
    const index = path.join(gzDir, '.system.log.bounds.json');
    fs.renameSync(index, `${index}.away`);
    try {
      const [withoutIndex, same] = await firstHour();
      expect(same).toEqual(entries);
      expect(entries).toHaveLength(40);
      expect(withIndex).toBeLessThan(withoutIndex);
    } finally {
      fs.renameSync(`${index}.away`, index);
    }
  });
});
