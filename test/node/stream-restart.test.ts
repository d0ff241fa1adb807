import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type GapData, type LogMessage, LogStreamClient } from '@logwire/client';

const fixture = fileURLToPath(new URL('./stream-server.fixture.mjs', import.meta.url));
const children: ChildProcess[] = [];
let client: LogStreamClient | undefined;

afterEach(() => {
  client?.close();
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startServer(port: number): Promise<{ child: ChildProcess; epoch: string }> {
  const child = fork(fixture, [String(port), 'steady'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  const epoch = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { epoch: string }) => resolve(message.epoch));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { child, epoch };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
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
    await until(() => messages.length >= 200, 20_000, '200 messages from the first server');

    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    const lastBefore = messages.at(-1)!;
    const before = messages.length;
    const second = await startServer(port);
    await until(() => messages.length >= before + 200, 20_000, '200 messages from the restarted server');

    expect(second.epoch).not.toBe(first.epoch);
    expect(gaps).toEqual([{ gap: { from: lastBefore.id, to: null, reason: 'epoch', epoch: first.epoch }, received: before }]);
    const firstRun = messages.slice(0, before).map((m) => m.data.message);
    expect(firstRun).toEqual(firstRun.map((_text, i) => `seq ${i}`));
    const secondRun = messages.slice(before).map((m) => m.data.message);
    expect(secondRun).toEqual(secondRun.map((_text, i) => `seq ${i}`));
    expect(client.cursor?.epoch).toBe(second.epoch);
  }, 60_000);
});
