import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { readLinesBackwardSync } from '../src/persistence/lines.js';
import { listLogFiles } from '../src/persistence/log-files.js';
import { RotatingFile } from '../src/persistence/rotating-file.js';
import { persistenceDir } from '../src/persistence/store.js';
import { pruneInstanceDirs } from '../src/persistence/instance-retention.js';
import { queryLogs, queryLogsAsync } from '../src/query/query.js';

// Rotation by size and UTC day, gzip compression of rotations, deletion by count and age, the
// error log, instances/ retention, and reading compressed rotations back (query, recovery).

const temps: string[] = [];
let logwire: Logwire | undefined;
const files: RotatingFile[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-rotation-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  vi.useRealTimers();
  await logwire?.close();
  logwire = undefined;
  for (const file of files.splice(0)) file.close();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every line of a rotated log, oldest first, through the same reader recovery uses. */
function allLines(file: string): string[] {
  const out: string[] = [];
  for (const entry of listLogFiles(file)) {
    readLinesBackwardSync(entry.path, (line) => {
      out.push(line);
      return true;
    });
  }
  return out.reverse();
}

/** `gunzip -t` on every `.gz` under `dir`; returns how many were tested. */
function gunzipTestAll(dir: string): number {
  const gz = fs.readdirSync(dir).filter((name) => name.endsWith('.gz'));
  for (const name of gz) execFileSync('gunzip', ['-t', path.join(dir, name)]);
  return gz.length;
}

function rotating(file: string, options: ConstructorParameters<typeof RotatingFile>[1], errors: unknown[] = []): RotatingFile {
  const rotating = new RotatingFile(file, options, { onError: (error) => errors.push(error) });
  files.push(rotating);
  return rotating;
}

describe('daily rotation with a fake clock', () => {
  it('rotates at UTC midnight, compresses the old day off the logging path, and reads it back', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-14T23:59:58.000Z'));
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const errors: unknown[] = [];
    const log = rotating(file, { daily: true, compress: true, maxBytes: 0 }, errors);
    log.writeLines(['day1 a', 'day1 b']);
    vi.setSystemTime(new Date('2026-03-14T23:59:59.999Z'));
    log.writeLines(['day1 c']);
    expect(fs.existsSync(`${file}.1`)).toBe(false);
    vi.setSystemTime(new Date('2026-03-15T00:00:00.000Z'));
    log.writeLines(['day2 a']);
    // The write returned before compression finished: the rotation is still plain (or being compressed).
    expect(fs.readFileSync(file, 'utf8')).toBe('day2 a\n');
    await log.compressed();
    expect(fs.existsSync(`${file}.1`)).toBe(false);
    expect(zlib.gunzipSync(fs.readFileSync(`${file}.1.gz`)).toString()).toBe('day1 a\nday1 b\nday1 c\n');
    expect(gunzipTestAll(dir)).toBe(1);
    // A clock stepped back does not rotate again.
    vi.setSystemTime(new Date('2026-03-14T12:00:00.000Z'));
    log.writeLines(['stepped back']);
    vi.setSystemTime(new Date('2026-03-16T00:00:01.000Z'));
    log.writeLines(['day3 a']);
    await log.compressed();
    expect(listLogFiles(file).map((entry) => path.basename(entry.path))).toEqual(['app.log', 'app.log.1.gz', 'app.log.2.gz']);
    expect(allLines(file)).toEqual(['day1 a', 'day1 b', 'day1 c', 'day2 a', 'stepped back', 'day3 a']);
    expect(gunzipTestAll(dir)).toBe(2);
    expect(errors).toEqual([]);
  });

  it('rotates by size and by day together', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-03-14T23:00:00.000Z'));
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const log = rotating(file, { daily: true, maxBytes: 25, backups: 10 });
    log.writeLines(['first 0123', 'second 012', 'third 0123']);
    vi.setSystemTime(new Date('2026-03-15T00:00:00.000Z'));
    log.writeLines(['next day']);
    expect(listLogFiles(file).map((entry) => fs.readFileSync(entry.path, 'utf8'))).toEqual([
      'next day\n',
      'third 0123\n',
      'first 0123\nsecond 012\n',
    ]);
  });
});

describe('deletion by count and by age', () => {
  it('keeps at most `backups` rotations, compressed or not, and never deletes the file being written', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const log = rotating(file, { maxBytes: 8, backups: 3, compress: true });
    for (let i = 0; i < 10; i++) log.writeLines([`line ${i}`]);
    await log.compressed();
    expect(listLogFiles(file).map((entry) => path.basename(entry.path))).toEqual([
      'app.log',
      'app.log.1.gz',
      'app.log.2.gz',
      'app.log.3.gz',
    ]);
    expect(allLines(file)).toEqual(['line 6', 'line 7', 'line 8', 'line 9']);
    expect(gunzipTestAll(dir)).toBe(3);
  });

  it('deletes rotations whose last line is older than maxAgeDays, and keeps an old current file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    const log = rotating(file, { maxBytes: 8, backups: 10, compress: true, maxAgeDays: 30 });
    for (let i = 0; i < 4; i++) log.writeLines([`line ${i}`]);
    await log.compressed();
    const old = new Date(Date.now() - 31 * 86_400_000);
    // .3 and the current file last written 31 days ago; .1 and .2 recent.
    fs.utimesSync(`${file}.3.gz`, old, old);
    fs.utimesSync(file, old, old);
    // Never while it is being written: the old current file goes only once rotated (to .1), with the old .3 (now .4).
    const restarted = rotating(file, { maxBytes: 8, backups: 10, maxAgeDays: 30 });
    expect(restarted.files().map((name) => path.basename(name))).toEqual(['app.log', 'app.log.1.gz', 'app.log.2.gz']);
    log.close();
    restarted.rotate();
    await restarted.compressed();
    expect(listLogFiles(file).map((entry) => path.basename(entry.path))).toEqual(['app.log', 'app.log.2.gz', 'app.log.3.gz']);
    // Readers skip the gap.
    expect(allLines(file)).toEqual(['line 1', 'line 2']);
  });
});

describe('the states a crash leaves', () => {
  it('a partial temporary file is never listed; a plain copy beside its .gz is read once and removed at the next start', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, 'current\n');
    fs.writeFileSync(`${file}.1`, 'one\n');
    fs.writeFileSync(`${file}.1.gz`, zlib.gzipSync('one\n'));
    // A crash during compression of .2, and a crash between two renames (no .3).
    fs.writeFileSync(`${file}.2`, 'two\n');
    fs.writeFileSync(`${file}.compressing-1-1.tmp`, zlib.gzipSync('two\n').subarray(0, 10));
    fs.writeFileSync(`${file}.4.gz`, zlib.gzipSync('four\n'));
    expect(listLogFiles(file).map((entry) => path.basename(entry.path))).toEqual(['app.log', 'app.log.1.gz', 'app.log.2', 'app.log.4.gz']);
    expect(allLines(file)).toEqual(['four', 'two', 'one', 'current']);
    const log = rotating(file, { compress: true, backups: 10 });
    await log.compressed();
    expect(fs.readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1.gz', 'app.log.2.gz', 'app.log.4.gz']);
    expect(gunzipTestAll(dir)).toBe(3);
    expect(allLines(file)).toEqual(['four', 'two', 'one', 'current']);
  });
});

describe('persistence.errors', () => {
  it('writes ERROR and CRITICAL system records to error.log, daily and compressed by default', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir, errors: true } });
    const log = logwire.getLogger('app');
    log.info('fine');
    log.warning('hmm');
    log.error('broken', { code: 7 });
    log.critical('down');
    logwire.audit('user.login');
    logwire.hub.flush();
    const lines = fs
      .readFileSync(path.join(dir, 'error.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line['level'], line['message']])).toEqual([
      ['ERROR', 'broken'],
      ['CRITICAL', 'down'],
    ]);
    expect(lines[0]).toMatchObject({ code: 7, logger: 'app' });
    expect(logwire.persistence!.errors!.file).toMatchObject({ daily: true, maxAgeDays: 90 });
  });

  it('honours level and its own rotation', () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir, errors: { level: 'WARNING', maxBytes: 200, backups: 1, compress: false } } });
    const log = logwire.getLogger('app');
    for (let i = 0; i < 5; i++) log.warning(`w${i}`);
    log.info('not here');
    logwire.hub.flush();
    const names = listLogFiles(path.join(dir, 'error.log')).map((entry) => path.basename(entry.path));
    expect(names).toEqual(['error.log', 'error.log.1']);
    expect(allLines(path.join(dir, 'error.log')).join('\n')).not.toContain('not here');
    expect(() => createLogwire({ persistence: { dir: tempDir(), errors: { level: 'LOUD' as never } } })).toThrow(
      'persistence.errors.level',
    );
  });
});

describe('reading compressed rotations', () => {
  it('query pages across plain and compressed files without gaps or repeats, sync and async, and recovery reads them', async () => {
    const dir = tempDir();
    const system = { maxBytes: 1500, backups: 1000, compress: true };
    logwire = createLogwire({ persistence: { dir, system } });
    const log = logwire.getLogger('app');
    for (let i = 0; i < 300; i++) log.info('record', { i });
    logwire.hub.flush();
    await logwire.persistence!.compressed();
    const all = logwire.hub.after({ ms: 0, seq: 0 }).map((message) => message.id);
    await logwire.close();
    logwire = undefined;
    // Mixed: one rotation decompressed back to a plain file.
    const gz = listLogFiles(path.join(dir, 'system.log')).filter((entry) => entry.compressed);
    expect(gz.length).toBeGreaterThan(5);
    const middle = gz[Math.floor(gz.length / 2)]!;
    fs.writeFileSync(middle.path.slice(0, -3), zlib.gunzipSync(fs.readFileSync(middle.path)));
    fs.rmSync(middle.path);

    for (const mode of ['sync', 'async'] as const) {
      const seen: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const query = { limit: 7, cursor };
        const page = mode === 'sync' ? queryLogs(dir, 'system', query) : await queryLogsAsync(dir, 'system', query);
        seen.unshift(...page.entries.map((entry) => entry.id));
        if (page.cursor === null) break;
        cursor = page.cursor;
      }
      expect(seen).toEqual(all);
    }
    logwire = createLogwire({ persistence: { dir, system }, historySize: 250 });
    expect(logwire.hub.after({ ms: 0, seq: 0 }).map((message) => message.id)).toEqual(all.slice(-250));
  });
});

describe('instances/ retention and the directory variables', () => {
  it('deletes instance directories not written for maxAgeDays, never an open one', () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir, instances: { maxAgeDays: 7 } } });
    for (const id of ['old', 'recent', 'open-old']) logwire.persistence!.instanceLogger(id).info('hello');
    void logwire.close();
    logwire = createLogwire({ persistence: { dir, instances: { maxAgeDays: 7 } } });
    logwire.persistence!.instanceLogger('open-old').info('still running');
    const old = new Date(Date.now() - 8 * 86_400_000);
    for (const id of ['old', 'open-old']) {
      const directory = path.join(dir, 'instances', id);
      for (const name of fs.readdirSync(directory)) fs.utimesSync(path.join(directory, name), old, old);
      fs.utimesSync(directory, old, old);
    }
    const errors: unknown[] = [];
    const deleted = pruneInstanceDirs(logwire.persistence!.instances, 7, Date.now(), (error) => errors.push(error));
    expect(deleted).toEqual(['old']);
    expect(fs.readdirSync(path.join(dir, 'instances')).sort()).toEqual(['open-old', 'recent']);
    expect(errors).toEqual([]);
  });

  it('dir, then LOGWIRE_DIR, then LOG_DIR', () => {
    expect(persistenceDir('/a', { LOGWIRE_DIR: '/b', LOG_DIR: '/c' })).toBe('/a');
    expect(persistenceDir(undefined, { LOGWIRE_DIR: '/b', LOG_DIR: '/c' })).toBe('/b');
    expect(persistenceDir(undefined, { LOGWIRE_DIR: '', LOG_DIR: '/c' })).toBe('/c');
    expect(() => persistenceDir(undefined, {})).toThrow('LOGWIRE_DIR or LOG_DIR');
    const dir = tempDir();
    vi.stubEnv('LOG_DIR', dir);
    try {
      logwire = createLogwire({ persistence: {} });
      expect(logwire.persistence!.dir).toBe(dir);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
