import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogwire, type Logwire, LogwireError, verifyAuditTrail } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { trailRecords } from './trail-records.js';

const temps: string[] = [];
const mounts: string[] = [];
let logwire: Logwire | undefined;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-errors-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await logwire?.close();
  logwire = undefined;
  for (const mount of mounts.splice(0)) execFileSync('umount', [mount]);
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const codes = (errors: unknown[]): string[] => errors.map((error) => (error instanceof LogwireError ? error.code : String(error)));

describe('fsync policy', () => {
  it('fsyncs audit lines in the background after a write, without being asked', async () => {
    const dir = tempDir();
    const fsync = vi.spyOn(fs, 'fsync');
    logwire = createLogwire({ persistence: { dir, audit: { fsyncIntervalMs: 20 } } });
    logwire.audit('user.login', { user: 'ada' });
    logwire.hub.flush();
    expect(fsync).not.toHaveBeenCalled();
    await until(() => fsync.mock.calls.length > 0, 'the background fsync');
  });

  it('commit() resolves once audit events are fsynced and rejects when they could not be written (fail-closed use)', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    logwire = createLogwire({ persistence: { dir, audit: { fsyncIntervalMs: 60_000 } }, onError: (error) => errors.push(error) });
    const fsync = vi.spyOn(fs, 'fsync');
    logwire.audit('payment.approve', { amount: 10 });
    await logwire.persistence!.commit();
    expect(fsync).toHaveBeenCalledTimes(1);
    expect(logwire.persistence!.query('audit', { action: 'payment.approve' }).entries).toHaveLength(1);

    vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    logwire.audit('payment.approve', { amount: 20 });
    await expect(logwire.persistence!.commit()).rejects.toMatchObject({
      code: 'ERR_LOGWIRE_WRITE',
      message: expect.stringMatching(/1 audit event\(s\) could not be written/),
    });
    expect(codes(errors)).toEqual(['ERR_LOGWIRE_WRITE']);
  });
});

describe('write failures', () => {
  it('an unwritable directory raises error events, never throws into a log call, and recovers with a gap record', async () => {
    const base = tempDir();
    const blocker = path.join(base, 'blocker');
    fs.writeFileSync(blocker, 'a file where the log directory should be');
    const dir = path.join(blocker, 'logs');
    const errors: unknown[] = [];
    logwire = createLogwire({ persistence: { dir }, onError: (error) => errors.push(error) });
    for (let i = 0; i < 500; i++) {
      logwire.getLogger('app').info(`while broken ${i}`);
      if (i % 100 === 0) logwire.audit('while_broken', { i });
    }
    logwire.hub.flush();
    expect(errors.length).toBeGreaterThan(0);
    // Reported once per outage and file, not once per record.
    expect(errors.length).toBeLessThan(10);
    expect(new Set(codes(errors))).toEqual(new Set(['ERR_LOGWIRE_WRITE']));

    fs.rmSync(blocker);
    fs.mkdirSync(blocker);
    await until(() => {
      logwire!.getLogger('app').info('after repair');
      logwire!.audit('after_repair');
      logwire!.hub.flush();
      return fs.existsSync(path.join(dir, 'system.log')) && fs.existsSync(path.join(dir, 'audit'));
    }, 'writes to resume');
    await logwire.close();
    logwire = undefined;

    const system = fs
      .readFileSync(path.join(dir, 'system.log'), 'utf8')
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(system[0].message).toBe('after repair');
    const records = trailRecords(dir);
    const gap = records.find((record) => record['kind'] === 'gap');
    expect(gap).toMatchObject({ lost: 5 });
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact' });
    expect(fs.existsSync(path.join(dir, 'stream.json'))).toBe(true);
  });

  it('a write that fails half-way (injected ENOSPC at the fs layer) leaves no torn line, and the trail records the gap', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    logwire = createLogwire({ persistence: { dir }, onError: (error) => errors.push(error) });
    for (let i = 0; i < 20; i++) logwire.audit('before', { i });
    for (let i = 0; i < 20; i++) logwire.getLogger('app').info(`before ${i}`);
    logwire.hub.flush();

    const real = fs.writeSync.bind(fs) as (fd: number, buffer: Uint8Array, offset: number, length: number) => number;
    let failing = true;
    const spy = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buffer: Uint8Array, offset: number, length: number) => {
      if (!failing) return real(fd, buffer, offset, length);
      // First half goes through, then the disk is "full".
      if (length > 1 && offset === 0) return real(fd, buffer, 0, Math.floor(length / 2));
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as typeof fs.writeSync);
    for (let i = 0; i < 7; i++) logwire.audit('lost', { i });
    for (let i = 0; i < 7; i++) logwire.getLogger('app').info(`lost ${i}`);
    expect(() => logwire!.hub.flush()).not.toThrow();
    expect(spy).toHaveBeenCalled();
    expect(codes(errors)).toEqual(['ERR_LOGWIRE_WRITE', 'ERR_LOGWIRE_WRITE']);
    expect(String((errors[0] as Error).message)).toMatch(/ENOSPC/);

    failing = false;
    // The broken files are retried at most once a second; events logged meanwhile are lost too.
    let attempts = 0;
    await until(() => {
      attempts++;
      logwire!.audit('after');
      logwire!.hub.flush();
      return trailRecords(dir).some((record) => record['action'] === 'after');
    }, 'the trail to accept writes again');
    await logwire.close();
    logwire = undefined;

    const records = trailRecords(dir);
    expect(records.filter((record) => record['action'] === 'lost')).toEqual([]);
    const gapIndex = records.findIndex((record) => record['kind'] === 'gap');
    const written = records.filter((record) => record['action'] === 'after').length;
    expect(written).toBe(1);
    expect(records[gapIndex]).toMatchObject({ lost: 7 + attempts - written });
    expect(records[gapIndex + 1]).toMatchObject({ action: 'after' });
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact' });
    const system = fs.readFileSync(path.join(dir, 'system.log'), 'utf8');
    expect(system.endsWith('\n')).toBe(true);
    const messages = system
      .slice(0, -1)
      .split('\n')
      .map((line) => JSON.parse(line).message);
    expect(messages.slice(0, 20)).toEqual(Array.from({ length: 20 }, (_, i) => `before ${i}`));
    expect(messages.some((message: string) => message.startsWith('lost'))).toBe(false);
  });

  it('a real full disk (64 KiB tmpfs) raises error events and keeps every written line whole', async () => {
    const dir = tempDir();
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir], { stdio: 'ignore' });
      mounts.push(dir);
    } catch {
      // Not root or no mount namespace: the injected-ENOSPC test above covers the same code path.
      expect(fs.existsSync(dir)).toBe(true);
      return;
    }
    const errors: unknown[] = [];
    logwire = createLogwire({ persistence: { dir }, onError: (error) => errors.push(error), callsite: false });
    const log = logwire.getLogger('app');
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 50; i++) log.info(`round ${round} line ${i}`, { pad: 'x'.repeat(100) });
      logwire.audit('round', { round });
      await new Promise((resolve) => setImmediate(resolve));
    }
    logwire.hub.flush();
    expect(codes(errors).length).toBeGreaterThan(0);
    expect(new Set(codes(errors))).toEqual(new Set(['ERR_LOGWIRE_WRITE']));
    expect(errors.some((error) => String((error as Error).message).includes('ENOSPC'))).toBe(true);
    await logwire.close();
    logwire = undefined;

    const text = fs.readFileSync(path.join(dir, 'system.log'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines.length).toBeGreaterThan(10);
    expect(lines.length).toBeLessThan(2000);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect((await verifyAuditTrail(dir)).status).toBe('intact');
  });
});
