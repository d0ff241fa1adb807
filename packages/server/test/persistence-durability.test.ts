import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogwire, type Logwire, verifyAuditTrail } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { trailRecords } from './trail-records.js';

// What commit() promises, and what happens when the files go away under a running writer.

const CHILD = fileURLToPath(new URL('./fixtures/persist-child.mjs', import.meta.url));
const KEY = 'durability-test-key';
const temps: string[] = [];
const children = new Set<ChildProcess>();
let logwire: Logwire | undefined;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-durable-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  vi.restoreAllMocks();
  await logwire?.close();
  logwire = undefined;
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const messages = (errors: unknown[]): string[] => errors.map((error) => (error instanceof Error ? error.message : String(error)));

describe('persistence directory removed while running', () => {
  it('reports it, recreates the directory, records the loss in the trail, and commit() rejects for the lost events', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    logwire = createLogwire({ persistence: { dir, audit: { fsyncIntervalMs: 60_000 } }, onError: (error) => errors.push(error) });
    const store = logwire.persistence!;
    logwire.audit('payment.approve', { n: 1 });
    await store.commit();

    logwire.audit('payment.approve', { n: 2 });
    logwire.hub.flush(); // written to the open file, not yet fsynced
    fs.rmSync(dir, { recursive: true, force: true });
    await expect(store.commit()).rejects.toMatchObject({
      code: 'ERR_LOGWIRE_WRITE',
      message: expect.stringMatching(/1 audit event\(s\) could not be written/),
    });
    expect(messages(errors).some((message) => /audit-\d{8}\.jsonl was removed while open: 1 audit event\(s\)/.test(message))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'audit'))).toBe(true);

    // Events logged after the loss are written to the new file and can be committed on their own.
    const mark = store.auditMark();
    logwire.audit('payment.approve', { n: 3 });
    await store.commit({ since: mark });
    // Without a mark the lost event still counts: no later success hides it.
    await expect(store.commit()).rejects.toMatchObject({ code: 'ERR_LOGWIRE_WRITE' });
    // The system log is recreated too once it notices.
    await logwire.close();
    logwire = undefined;

    const records = trailRecords(dir);
    expect(records[0]).toMatchObject({ kind: 'file_open' });
    expect(records[1]).toMatchObject({ kind: 'trail_lost', reason: 'removed', through_seq: 3, unsynced_events: 1 });
    expect(records[2]).toMatchObject({ action: 'payment.approve', metadata: { n: 3 } });
    const result = await verifyAuditTrail(dir);
    expect(result).toMatchObject({
      status: 'intact',
      losses: [{ file: expect.stringMatching(/^audit-/), line: 2, lost: expect.stringMatching(/^audit-/), reason: 'removed' }],
    });
  });

  it('with a key: checkpoints continue in a new file, verify accepts the recorded losses, a restart continues the chain', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    const audit = { integrityKey: KEY, fsyncIntervalMs: 60_000, checkpointIntervalMs: 0 };
    const options = { persistence: { dir, audit }, onError: (error: unknown) => errors.push(error) };
    logwire = createLogwire(options);
    for (let n = 0; n < 5; n++) logwire.audit('before', { n });
    await logwire.persistence!.commit();
    fs.rmSync(dir, { recursive: true, force: true });
    const mark = logwire.persistence!.auditMark();
    logwire.audit('after', { n: 0 });
    // The loss is found at the fsync this commit asks for; the new event went to the vanished file.
    await expect(logwire.persistence!.commit({ since: mark })).rejects.toMatchObject({ code: 'ERR_LOGWIRE_WRITE' });
    const next = logwire.persistence!.auditMark();
    logwire.audit('after', { n: 1 });
    await logwire.persistence!.commit({ since: next });
    await logwire.close();
    logwire = createLogwire(options);
    logwire.audit('restarted');
    await logwire.close();
    logwire = undefined;

    const lost = trailRecords(dir).filter((record) => record['kind'] === 'trail_lost');
    expect(lost.map((record) => record['file'])).toHaveLength(2);
    const lostFiles = [expect.stringMatching(/^audit-\d{8}\.jsonl$/), 'checkpoints.jsonl'];
    expect(lost.map((record) => record['file'])).toEqual(expect.arrayContaining(lostFiles));
    const result = await verifyAuditTrail(dir, { key: KEY });
    expect(result.problem).toBeUndefined();
    expect(result).toMatchObject({ status: 'intact', unanchored: 0 });
    expect(result.losses).toHaveLength(2);
    // Deleting the new checkpoint file's first lines is still caught: its chain must start at a recorded loss.
    const checkpoints = path.join(dir, 'audit', 'checkpoints.jsonl');
    const lines = fs.readFileSync(checkpoints, 'utf8').split('\n');
    fs.writeFileSync(checkpoints, lines.slice(1).join('\n'));
    expect(await verifyAuditTrail(dir, { key: KEY })).toMatchObject({ status: 'tampered' });
  });

  it('notices a system.log that was removed and writes a new one', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    logwire = createLogwire({ persistence: { dir }, onError: (error) => errors.push(error) });
    logwire.getLogger('app').info('before');
    logwire.hub.flush();
    fs.rmSync(path.join(dir, 'system.log'));
    // The check runs at most once a second on the write path, so keep writing until it does.
    await until(() => {
      logwire!.getLogger('app').info('after');
      logwire!.hub.flush();
      return fs.existsSync(path.join(dir, 'system.log'));
    }, 'a new system.log');
    expect(messages(errors).some((message) => message.includes('system.log was removed while open'))).toBe(true);
  });
});

describe('commit() tracks the caller’s own events', () => {
  it('rejects when an event logged before the call was dropped, although later writes succeeded', async () => {
    const dir = tempDir();
    const errors: unknown[] = [];
    logwire = createLogwire({ persistence: { dir }, onError: (error) => errors.push(error) });
    const store = logwire.persistence!;
    const enospc = vi.spyOn(fs, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    logwire.audit('payment.approve', { mine: true }); // the caller's event: dropped
    logwire.hub.flush();
    enospc.mockRestore();
    // Work happens; the disk has room again and other events are written (the retry waits a second).
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 2_000);
    logwire.audit('other.event');
    logwire.hub.flush();
    expect(trailRecords(dir).some((record) => record['kind'] === 'gap')).toBe(true);
    await expect(store.commit()).rejects.toMatchObject({ code: 'ERR_LOGWIRE_WRITE', message: expect.stringMatching(/1 audit event\(s\)/) });
    expect(errors.length).toBeGreaterThan(0);
  });

  it('resolves only after the fsync that covers the caller’s events, and honours timeoutMs', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir, audit: { fsyncIntervalMs: 60_000 } } });
    const fsync = vi.spyOn(fs, 'fsync');
    logwire.audit('payment.approve');
    await logwire.persistence!.commit({ timeoutMs: 10_000 });
    expect(fsync).toHaveBeenCalled();
    expect(logwire.persistence!.query('audit', { action: 'payment.approve' }).entries).toHaveLength(1);
  });
});

describe('checkpoints after an unclean exit', () => {
  function run(mode: 'exit' | 'flood', dir: string, env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, [CHILD, mode, dir], { env: { ...process.env, KEY, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    return child;
  }

  it('process.exit(0), then a restart that closes before its first audit write: no checkpoint without a position', async () => {
    const dir = tempDir();
    const child = run('exit', dir, { AUDIT: '20' });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    for (const step of ['close', 'commit', 'sync'] as const) {
      logwire = createLogwire({ persistence: { dir, audit: { integrityKey: KEY } } });
      if (step === 'commit') await logwire.persistence!.commit();
      if (step === 'sync') await logwire.persistence!.sync();
      await logwire.close();
      logwire = undefined;
      const result = await verifyAuditTrail(dir, { key: KEY });
      expect(result.problem).toBeUndefined();
      expect(result).toMatchObject({ status: 'intact', checkpointSeq: 21, unanchored: 0 });
    }
    const text = fs.readFileSync(path.join(dir, 'audit', 'checkpoints.jsonl'), 'utf8');
    const checkpoints = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { file: string; line: number });
    expect(checkpoints.every((checkpoint) => checkpoint.file !== '' && checkpoint.line > 0)).toBe(true);
  });

  it('kill -9 mid-flood, then a restart that commits before its first audit write: verify stays intact', async () => {
    const dir = tempDir();
    const child = run('flood', dir, {});
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await until(() => /acked (\d{4,})/.test(out), 'the flood to write 1000 events');
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    children.delete(child);

    logwire = createLogwire({ persistence: { dir, audit: { integrityKey: KEY } } });
    await logwire.persistence!.commit();
    await logwire.close();
    logwire = undefined;
    const result = await verifyAuditTrail(dir, { key: KEY });
    expect(result.problem).toBeUndefined();
    expect(result.status).toBe('intact');
    expect(result.unanchored).toBe(0);
  });
});

describe('options', () => {
  it('explicit undefined options mean the defaults', async () => {
    const dir = tempDir();
    logwire = createLogwire({
      historySize: undefined,
      maxBatchMessages: undefined,
      maxBatchBytes: undefined,
      onError: undefined,
      level: undefined,
      persistence: {
        dir,
        recover: undefined,
        system: { maxBytes: undefined, backups: undefined },
        instances: { maxBytes: undefined, backups: undefined },
        audit: {
          retentionDays: undefined,
          integrityKey: undefined,
          checkpointMirrors: undefined,
          fsyncIntervalMs: undefined,
          checkpointIntervalMs: undefined,
        },
      },
    });
    expect(logwire.hub.historySize).toBe(10_000);
    for (let i = 0; i < 3; i++) logwire.getLogger('app').info(`line ${i}`);
    logwire.audit('user.login');
    logwire.hub.flush();
    expect(logwire.persistence!.system.maxBytes).toBe(10 * 1024 * 1024);
    expect(logwire.persistence!.system.backups).toBe(5);
    await logwire.persistence!.commit();
    expect(logwire.persistence!.query('system').entries).toHaveLength(3);
  });
});
