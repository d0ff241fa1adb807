import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';

const temps: string[] = [];
let logwire: Logwire | undefined;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-persist-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every line of system.log and its backups, oldest first, as raw text. */
function systemLines(dir: string): string[] {
  const files = fs.readdirSync(dir).filter((name) => /^system\.log(\.\d+)?$/.test(name));
  files.sort((a, b) => Number(b.split('.')[2] ?? 0) - Number(a.split('.')[2] ?? 0));
  const lines: string[] = [];
  for (const file of files) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    lines.push(...text.slice(0, -1).split('\n'));
  }
  return lines;
}

const NASTY = [
  'quote " and backslash \\',
  'a\r\nINFO forged line',
  '\x1b[2J\x1b]0;title\x07',
  'line\u2028separator\u2029paragraph\u0085next line',
  'lone \ud800 surrogate and \udfff',
  'nul \u0000 byte',
  '\ufeffbom and \u202Eright-to-left',
];

describe('system.log', () => {
  it('writes one valid JSON line per record whatever the message holds, with U+2028/U+2029 escaped', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir } });
    const log = logwire.getLogger('orchestrator.server');
    for (const text of NASTY) log.info(text, { field: text });
    await logwire.close();
    logwire = undefined;

    const raw = fs.readFileSync(path.join(dir, 'system.log'), 'utf8');
    expect(raw.includes('\u2028')).toBe(false);
    expect(raw.includes('\u2029')).toBe(false);
    expect(raw.includes('\u0085')).toBe(false);
    expect(raw.includes('\r')).toBe(false);
    expect(raw.includes('\u0000')).toBe(false);
    // Split the way other languages' line readers do (Python's str.splitlines also splits on U+2028).
    const lines = raw.slice(0, -1).split(/\r\n|\n|\r|\u2028|\u2029|\u0085/);
    expect(lines).toHaveLength(NASTY.length);
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((record) => record['message'])).toEqual(NASTY);
    expect(parsed.map((record) => record['field'])).toEqual(NASTY);
    expect(Object.keys(parsed[0] as object).slice(0, 8)).toEqual([
      'id',
      'timestamp',
      'level',
      'logger',
      'message',
      'module',
      'function',
      'line',
    ]);
    expect(parsed[0]).toMatchObject({ level: 'INFO', logger: 'orchestrator.server' });
  });

  it('rotates by size without losing or tearing a line under load, and keeps the configured backups', async () => {
    const dir = tempDir();
    const maxBytes = 16 * 1024;
    logwire = createLogwire({ persistence: { dir, system: { maxBytes, backups: 500 } }, callsite: false });
    const log = logwire.getLogger('load');
    const total = 20_000;
    // Many lines per event-loop turn, and turns in between, so batches of every size hit rotations.
    for (let sent = 0; sent < total;) {
      const burst = Math.min(total - sent, 1 + (sent % 700));
      for (let i = 0; i < burst; i++, sent++) log.info(`record ${sent}`, { n: sent, pad: 'x'.repeat(sent % 97) });
      await new Promise((resolve) => setImmediate(resolve));
    }
    await logwire.close();
    logwire = undefined;

    const files = fs.readdirSync(dir).filter((name) => name.startsWith('system.log'));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) expect(fs.statSync(path.join(dir, file)).size).toBeLessThanOrEqual(maxBytes);
    const numbers = systemLines(dir).map((line) => (JSON.parse(line) as { n: number }).n);
    expect(numbers).toHaveLength(total);
    expect(numbers).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it('deletes the oldest backup beyond the configured count, keeping the newest lines', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir, system: { maxBytes: 4096, backups: 2 } }, callsite: false });
    const log = logwire.getLogger('load');
    for (let n = 0; n < 1000; n++) log.info('x', { n });
    await logwire.close();
    logwire = undefined;

    expect(
      fs
        .readdirSync(dir)
        .filter((name) => name.startsWith('system.log'))
        .sort(),
    ).toEqual(['system.log', 'system.log.1', 'system.log.2']);
    const numbers = systemLines(dir).map((line) => (JSON.parse(line) as { n: number }).n);
    expect(numbers[numbers.length - 1]).toBe(999);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 1000 - numbers.length + i));
  });

  it('creates files with owner-only permissions', async () => {
    const dir = path.join(tempDir(), 'logs');
    logwire = createLogwire({ persistence: { dir } });
    logwire.getLogger('a').info('hello');
    logwire.audit('user.login', { user: 'ada' });
    await logwire.close();
    logwire = undefined;
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dir, 'system.log')).mode & 0o777).toBe(0o600);
    const [trail] = fs.readdirSync(path.join(dir, 'audit')).filter((name) => name.startsWith('audit-'));
    expect(fs.statSync(path.join(dir, 'audit', trail as string)).mode & 0o777).toBe(0o600);
  });
});
