import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { readLinesBackwardSync } from '../src/persistence/lines.js';
import { listLogFiles } from '../src/persistence/log-files.js';
import { RotatingFile } from '../src/persistence/rotating-file.js';
import { until } from '../../../test/helpers/wait.js';

// kill -9 of a real process that rotates and compresses system.log all the time (a rotation every
// event-loop turn, so a kill lands inside rotations and compressions): nothing acknowledged is lost,
// no line is read twice, and no half-written .gz is ever listed as a rotation.

const CHILD = fileURLToPath(new URL('./fixtures/rotate-child.mjs', import.meta.url));
const temps: string[] = [];
const children = new Set<ChildProcess>();

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** The `n` of every record in the rotations of system.log, read as recovery and the query API read them. */
function storedNumbers(dir: string): number[] {
  const out: number[] = [];
  for (const entry of listLogFiles(path.join(dir, 'system.log'))) {
    readLinesBackwardSync(entry.path, (line) => {
      out.push((JSON.parse(line) as { n: number }).n);
      return true;
    });
  }
  return out;
}

async function runAndKill(dir: string, start: number, atLeast: number): Promise<number> {
  const child = spawn(process.execPath, [CHILD, dir], { env: { ...process.env, START: String(start) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let acked = start;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/acked (\d+)/g)) acked = Math.max(acked, Number(match[1]));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await until(() => acked >= start + atLeast || child.exitCode !== null, `the child to acknowledge ${atLeast} records`, 30_000);
  expect(child.exitCode).toBeNull();
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
  // Everything printed before the kill counts: the last "acked" may have arrived with the exit.
  expect(stderr).toBe('');
  return acked;
}

/** Runs the child until it kills itself at the rename `kill` names; returns what it acknowledged. */
async function runUntilSelfKill(dir: string, start: number, kill: Record<string, string>): Promise<number> {
  const child = spawn(process.execPath, [CHILD, dir], {
    env: { ...process.env, START: String(start), ...kill },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let acked = start;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/acked (\d+)/g)) acked = Math.max(acked, Number(match[1]));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  children.delete(child);
  // It died by its own SIGKILL at that rename, not by finishing or by an error.
  expect({ code, signal, stderr }).toEqual({ code: null, signal: 'SIGKILL', stderr: '' });
  return acked;
}

describe('kill -9 during rotation and compression', () => {
  it('loses nothing and lists no partial .gz when killed exactly inside a rotation or a compression', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-rotate-inside-'));
    temps.push(dir);
    const acknowledged: number[] = [];
    const kills = [
      { KILL_ON: 'rotate', KILL_AT: '7', KILL_WHEN: 'before' },
      { KILL_ON: 'rotate', KILL_AT: '40', KILL_WHEN: 'after' },
      { KILL_ON: 'compress', KILL_AT: '3', KILL_WHEN: 'before' },
      { KILL_ON: 'compress', KILL_AT: '5', KILL_WHEN: 'after' },
      { KILL_ON: 'rotate', KILL_AT: '90', KILL_WHEN: 'before' },
    ];
    for (const [round, kill] of kills.entries()) {
      const start = round * 1_000_000;
      const acked = await runUntilSelfKill(dir, start, kill);
      for (let n = start; n < acked; n++) acknowledged.push(n);
      for (const entry of listLogFiles(path.join(dir, 'system.log'))) if (entry.compressed) execFileSync('gunzip', ['-t', entry.path]);
      const stored = storedNumbers(dir);
      expect(new Set(stored).size).toBe(stored.length);
      const have = new Set(stored);
      expect(acknowledged.filter((n) => !have.has(n))).toEqual([]);
    }
  });

  it('loses nothing acknowledged, repeats nothing, and never lists a partial .gz', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-rotate-crash-'));
    temps.push(dir);
    const acknowledged: number[] = [];
    let killedWithPlainRotations = 0;
    for (let round = 0; round < 4; round++) {
      const start = round * 1_000_000;
      const acked = await runAndKill(dir, start, 800 + round * 300);
      for (let n = start; n < acked; n++) acknowledged.push(n);
      const rotations = listLogFiles(path.join(dir, 'system.log')).filter((entry) => entry.index > 0);
      if (rotations.some((entry) => !entry.compressed)) killedWithPlainRotations++;
      // Every .gz a reader would open is complete (temporary files are never listed).
      for (const entry of rotations) if (entry.compressed) execFileSync('gunzip', ['-t', entry.path]);
      const stored = storedNumbers(dir);
      expect(new Set(stored).size).toBe(stored.length);
      const have = new Set(stored);
      expect(acknowledged.filter((n) => !have.has(n))).toEqual([]);
    }
    // The kills landed while rotations were still waiting for (or in) compression.
    expect(killedWithPlainRotations).toBeGreaterThan(0);

    // A restart cleans up: temporary files removed, plain rotations compressed, duplicates dropped.
    const restarted = new RotatingFile(
      path.join(dir, 'system.log'),
      { maxBytes: 8192, backups: 100_000, compress: true },
      {
        onError: (error) => {
          throw error;
        },
      },
    );
    await restarted.compressed();
    restarted.close();
    const names = fs.readdirSync(dir);
    // The log's own temporary files (a kill can also leave the hidden time-bounds index's `.tmp`,
    // which the next rotation overwrites and nothing reads).
    expect(names.filter((name) => name.startsWith('system.log') && name.endsWith('.tmp'))).toEqual([]);
    const rotations = listLogFiles(path.join(dir, 'system.log')).filter((entry) => entry.index > 0);
    expect(rotations.every((entry) => entry.compressed)).toBe(true);
    for (const entry of rotations) execFileSync('gunzip', ['-t', entry.path]);
    const stored = storedNumbers(dir);
    expect(new Set(stored).size).toBe(stored.length);
    const have = new Set(stored);
    expect(acknowledged.filter((n) => !have.has(n))).toEqual([]);
  });
});
