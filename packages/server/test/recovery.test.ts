import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseId } from '@logwire/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire, verifyAuditTrail } from '../src/index.js';
import { collect } from '../../../test/helpers/ws-collector.js';

const CHILD = fileURLToPath(new URL('./fixtures/persist-child.mjs', import.meta.url));
const temps: string[] = [];
const children = new Set<ChildProcess>();
let logwire: Logwire | undefined;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-recover-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Served {
  child: ChildProcess;
  port: number;
  epoch: string;
  ids: string[];
  after: string[];
  errors: string[];
}

/** Starts the built server in a child process and waits for its JSON status line. */
function serve(dir: string, env: Record<string, string>): Promise<Served> {
  const child = spawn(process.execPath, [CHILD, 'serve', dir], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline !== -1) resolve({ child, ...(JSON.parse(out.slice(0, newline)) as Omit<Served, 'child'>) });
    });
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`child exited with ${code}: ${out}`)));
  });
}

async function kill9(child: ChildProcess): Promise<void> {
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
  children.delete(child);
}

describe('restart recovery', () => {
  it('continues the id sequence in the same epoch and restores history from the files (in process)', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir } });
    for (let i = 0; i < 30; i++) logwire.getLogger('app').info(`before ${i}`, { text: 'line\u2028break "quoted"' });
    for (let i = 0; i < 5; i++) logwire.audit('job.done', { i });
    logwire.hub.flush();
    const before = logwire.hub.after({ ms: 0, seq: 0 });
    const epoch = logwire.hub.epoch;
    const cut = before[19]!;
    await logwire.close();

    logwire = createLogwire({ persistence: { dir } });
    expect(logwire.hub.epoch).toBe(epoch);
    expect(logwire.hub.historyLength).toBe(35);
    const restored = logwire.hub.after({ ms: 0, seq: 0 });
    expect(restored.map((message) => message.id)).toEqual(before.map((message) => message.id));
    expect(restored.map((message) => JSON.parse(message.frame))).toEqual(before.map((message) => JSON.parse(message.frame)));
    expect(restored.map((message) => [message.type, message.level, message.logger, message.time])).toEqual(
      before.map((message) => [message.type, message.level, message.logger, message.time]),
    );

    logwire.getLogger('app').info('after restart');
    logwire.hub.flush();
    const after = logwire.hub.after(cut.position);
    expect(after.map((message) => message.id)).toEqual([...before.slice(20).map((message) => message.id), logwire.hub.head!.id]);
    expect(parseId(logwire.hub.head!.id)!.ms * 1e6 + parseId(logwire.hub.head!.id)!.seq).toBeGreaterThan(
      before[34]!.position.ms * 1e6 + before[34]!.position.seq,
    );
  });

  it('restores at most historySize messages, the newest of both files merged in id order', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir } });
    for (let i = 0; i < 50; i++) {
      logwire.getLogger('app').info(`s${i}`);
      if (i % 10 === 0) logwire.audit('tick', { i });
    }
    logwire.hub.flush();
    const all = logwire.hub.after({ ms: 0, seq: 0 }).map((message) => message.id);
    await logwire.close();
    logwire = createLogwire({ persistence: { dir }, historySize: 20 });
    expect(logwire.hub.after({ ms: 0, seq: 0 }).map((message) => message.id)).toEqual(all.slice(-20));
  });

  it('after a kill -9 and restart of a real server, ids continue and a legacy client gets the pre-restart history', async () => {
    const dir = tempDir();
    const first = await serve(dir, { SYSTEM: '40', AUDIT: '6', LABEL: 'first' });
    expect(first.ids).toHaveLength(46);
    const legacyBefore = await collect(`ws://127.0.0.1:${first.port}/ws/logs`);
    const framesBefore = await legacyBefore.waitFor(46);
    legacyBefore.ws.close();
    // One writer per directory: a second process is refused while the first lives.
    expect(() => createLogwire({ persistence: { dir } })).toThrow(`is in use by process ${first.child.pid}`);
    await kill9(first.child);

    const cut = first.ids[29]!;
    const second = await serve(dir, { SYSTEM: '5', AUDIT: '1', LABEL: 'second', AFTER: cut });
    expect(second.errors).toEqual([]);
    expect(second.epoch).toBe(first.epoch);
    // hub.after(lastIdBeforeRestart) is exactly what was logged after it, across the restart.
    expect(second.after).toEqual([...first.ids.slice(30), ...second.ids]);
    const lastBefore = parseId(first.ids[45]!)!;
    for (const id of second.ids) {
      const position = parseId(id)!;
      expect(position.ms > lastBefore.ms || (position.ms === lastBefore.ms && position.seq > lastBefore.seq)).toBe(true);
    }

    const legacy = await collect(`ws://127.0.0.1:${second.port}/ws/logs`);
    const frames = await legacy.waitFor(52);
    legacy.ws.close();
    expect(frames.slice(0, 46)).toEqual(framesBefore);
    expect(frames.map((frame) => frame['id'])).toEqual([...first.ids, ...second.ids]);
    expect(frames[46]).toMatchObject({ type: 'system_log', data: { message: 'second system 0', logger: 'app.worker' } });
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
    children.delete(second.child);
    expect((await verifyAuditTrail(dir)).status).toBe('intact');
  });
});

describe('durability', () => {
  it('records logged in the same turn as process.exit() reach the files', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [CHILD, 'exit', dir], { env: { ...process.env, SYSTEM: '100', AUDIT: '20' }, stdio: 'ignore' });
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(0);
    const system = fs.readFileSync(path.join(dir, 'system.log'), 'utf8').slice(0, -1).split('\n');
    expect(system.map((line) => JSON.parse(line).i)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', records: 21 });
  });

  it('kill -9 while writing audit events loses nothing acknowledged and corrupts no earlier line', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [CHILD, 'flood', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let acked = 0;
    let buffer = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop()!;
        for (const line of lines) acked = Math.max(acked, Number(line.slice(6)));
        if (acked >= 5000) resolve();
      });
      child.once('exit', (code) => reject(new Error(`flood child exited early with ${code}`)));
    });
    await kill9(child);

    const file = fs.readdirSync(path.join(dir, 'audit')).find((name) => name.startsWith('audit-'))!;
    const text = fs.readFileSync(path.join(dir, 'audit', file), 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n'));
    const records = complete.split('\n').map((line) => JSON.parse(line) as { seq: number; metadata?: { n: number } });
    expect(records.map((record) => record.seq)).toEqual(records.map((_, index) => index + 1));
    const numbers = records.filter((record) => record.metadata !== undefined).map((record) => record.metadata!.n);
    expect(numbers).toEqual(numbers.map((_, index) => index));
    // Everything the child had acknowledged before it was killed is on disk.
    expect(numbers.length).toBeGreaterThanOrEqual(acked);
    const status = (await verifyAuditTrail(dir)).status;
    expect(['intact', 'torn_tail']).toContain(status);

    // The next start repairs a torn tail (if any) and the chain goes on.
    logwire = createLogwire({ persistence: { dir } });
    logwire.audit('after_crash');
    await logwire.close();
    logwire = undefined;
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', records: records.length + (status === 'torn_tail' ? 2 : 1) });
  });
});
