import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { type GapData, type LogMessage, LogStreamClient } from '@logwire/client';
import { compareIds, parseId } from '@logwire/protocol';

const fixture = fileURLToPath(new URL('./stream-server.fixture.mjs', import.meta.url));
const children: ChildProcess[] = [];
let client: LogStreamClient | undefined;

const dirs: string[] = [];

afterEach(() => {
  client?.close();
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startServer(port: number, options: Record<string, unknown> = {}): Promise<{ child: ChildProcess; epoch: string }> {
  const child = fork(fixture, [String(port), 'steady'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, LOGWIRE_OPTIONS: JSON.stringify(options) },
  });
  children.push(child);
  const epoch = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { epoch: string }) => resolve(message.epoch));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, epoch };
}

describe('server restart without file-backed history', () => {
  it('reports a precise epoch gap from the last id received, then streams the new epoch from its first message', async () => {
    const port = await freePort();
    const first = await startServer(port);
    const messages: LogMessage[] = [];
    const gaps: { gap: GapData; received: number }[] = [];
    client = new LogStreamClient(`ws://127.0.0.1:${port}/ws/logs`, { tail: 10_000, reconnect: { baseDelay: 50, maxDelay: 200 } });
    client.on('message', (message) => messages.push(message));
    client.on('gap', (gap) => gaps.push({ gap, received: messages.length }));
    await until(() => messages.length >= 200, '200 messages from the first server', 20_000);

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const lastBefore = messages.at(-1)!;
    const before = messages.length;
    const second = await startServer(port);
    await until(() => messages.length >= before + 200, '200 messages from the restarted server', 20_000);

    expect(second.epoch).not.toBe(first.epoch);
    expect(gaps).toEqual([{ gap: { from: lastBefore.id, to: null, reason: 'epoch', epoch: first.epoch }, received: before }]);
    const firstRun = messages.slice(0, before).map((m) => m.data.message);
    expect(firstRun).toEqual(firstRun.map((_text, i) => `seq ${i}`));
    const secondRun = messages.slice(before).map((m) => m.data.message);
    expect(secondRun).toEqual(secondRun.map((_text, i) => `seq ${i}`));
    expect(client.cursor?.epoch).toBe(second.epoch);
  }, 60_000);
});

/** Ids of every system_log line in system.log and its rotated backups, oldest first. */
function persistedIds(dir: string): string[] {
  const files = readdirSync(dir)
    .filter((name) => name.startsWith('system.log'))
    .sort((a, b) => (b === 'system.log' ? -1 : a === 'system.log' ? 1 : b.localeCompare(a)));
  const ids: string[] = [];
  for (const file of files) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      if (line === '') continue;
      const record = JSON.parse(line) as { id?: string };
      if (typeof record.id === 'string') ids.push(record.id);
    }
  }
  return ids.sort((a, b) => compareIds(parseId(a)!, parseId(b)!));
}

describe('server restart with file-backed history', () => {
  it('resumes across a SIGKILL restart with zero loss: every persisted id once, in order, same epoch, no gap', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'logwire-restart-'));
    dirs.push(dir);
    const first = await startServer(port, { persistence: { dir } });
    const messages: LogMessage[] = [];
    const gaps: GapData[] = [];
    client = new LogStreamClient(`ws://127.0.0.1:${port}/ws/logs`, { tail: 10_000, reconnect: { baseDelay: 50, maxDelay: 200 } });
    client.on('message', (message) => messages.push(message));
    client.on('gap', (gap) => gaps.push(gap));
    await until(() => messages.length >= 300, '300 messages from the first server', 20_000);

    // The viewer goes away while the server keeps logging: what it misses exists only in the
    // server's memory and files when the server is killed.
    client.close();
    const cursor = client.cursor!;
    const before = messages.length;
    const missedIds = () => persistedIds(dir).filter((id) => compareIds(parseId(id)!, parseId(cursor.id)!) > 0);
    await until(() => missedIds().length > 20, 'messages the viewer missed, on disk', 20_000);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const missedOnDisk = missedIds();
    expect(missedOnDisk.length).toBeGreaterThan(20);

    const second = await startServer(port, { persistence: { dir } });
    expect(second.epoch).toBe(first.epoch);
    client = new LogStreamClient(`ws://127.0.0.1:${port}/ws/logs`, { cursor, reconnect: { baseDelay: 50, maxDelay: 200 } });
    client.on('message', (message) => messages.push(message));
    client.on('gap', (gap) => gaps.push(gap));
    await until(() => messages.length >= before + missedOnDisk.length + 300, 'the missed messages and 300 new ones', 20_000);

    second.child.kill('SIGKILL');
    await new Promise((resolve) => second.child.once('exit', resolve));
    client.close();

    const received = messages.map((m) => m.id as string);
    expect(new Set(received).size).toBe(received.length);
    for (let i = 1; i < received.length; i++) expect(compareIds(parseId(received[i - 1]!)!, parseId(received[i]!)!)).toBeLessThan(0);
    expect(gaps).toEqual([]);
    // Every persisted message up to the last one the client holds is there, exactly once.
    const persisted = persistedIds(dir);
    const last = parseId(received.at(-1)!)!;
    expect(received).toEqual(persisted.filter((id) => compareIds(parseId(id)!, last) <= 0));
    expect(client.cursor?.epoch).toBe(first.epoch);
  }, 60_000);
});
