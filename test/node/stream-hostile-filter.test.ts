import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { LogStreamClient, type LogMessage } from '@logwire/client';
import { until } from '../helpers/wait.js';

// A viewer's logger pattern once became a backtracking regular expression: `"*" × 60 + "Z"` froze
// the whole server process. The server runs in its own process here, so a frozen server fails this
// test (another viewer never hears from it) instead of freezing the test runner with it.

const fixture = fileURLToPath(new URL('./stream-server.fixture.mjs', import.meta.url));
const children: ChildProcess[] = [];
const sockets: WebSocket[] = [];
let client: LogStreamClient | undefined;

afterEach(() => {
  client?.close();
  for (const socket of sockets.splice(0)) socket.terminate();
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function startServer(): Promise<number> {
  const child = fork(fixture, ['0', 'steady'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return new Promise<number>((resolve, reject) => {
    child.once('message', (message: { port: number }) => resolve(message.port));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

describe('hostile logger patterns', () => {
  it('a hello and a subscribe with "*" × 60 + "Z" and a 256-character "*…*Z" leave the server serving other viewers', async () => {
    const port = await startServer();
    const hostile = ['*'.repeat(60) + 'Z', '*'.repeat(255) + 'Z', '*a'.repeat(127) + '*Z', '!' + '*?'.repeat(127) + '*Z'];
    const attacker = new WebSocket(`ws://127.0.0.1:${port}/ws/logs`);
    sockets.push(attacker);
    const frames: string[] = [];
    attacker.on('message', (data) => frames.push(data.toString()));
    await new Promise<void>((resolve, reject) => {
      attacker.once('open', resolve);
      attacker.once('error', reject);
    });
    attacker.send(JSON.stringify({ type: 'hello', data: { v: 1, filter: { loggers: hostile.slice(0, 2) }, capabilities: ['batch'] } }));
    await until(() => frames.some((frame) => frame.includes('"welcome"')), 'the welcome for the hostile hello');
    attacker.send(JSON.stringify({ type: 'subscribe', data: { filter: { loggers: hostile.slice(2) } } }));

    // The server logs every 2 ms: each record is matched against the hostile patterns. Another
    // viewer still gets a steady stream, so the event loop keeps turning.
    const received: LogMessage[] = [];
    client = new LogStreamClient(`ws://127.0.0.1:${port}/ws/logs`, { reconnect: false });
    client.on('message', (message) => received.push(message));
    await until(() => received.length >= 200, '200 records for a second viewer while the hostile filter is in force', 15_000);
    // The hostile filter is a valid one: it lets through the records it matches (none here end in Z).
    expect(frames.some((frame) => frame.includes('"orchestrator.fixture"'))).toBe(false);
  });
});
