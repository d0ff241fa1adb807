import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { nextEvent, until } from '../helpers/wait.js';

const fixture = fileURLToPath(new URL('./stream-server.fixture.mjs', import.meta.url));
let child: ChildProcess | undefined;
const sockets: WebSocket[] = [];

afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
  child?.kill('SIGKILL');
});

interface Reader {
  ws: WebSocket;
  ids: string[];
  gaps: unknown[];
  welcomed: Promise<void>;
}

/** An extended-protocol reader that keeps only ids (cheap enough to keep up with the load). */
function reader(url: string): Reader {
  const ws = new WebSocket(url);
  sockets.push(ws);
  const ids: string[] = [];
  const gaps: unknown[] = [];
  let welcome: () => void;
  const welcomed = new Promise<void>((resolve) => (welcome = resolve));
  ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', data: { v: 1, capabilities: ['batch'] } })));
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as { type: string; data: { messages?: { id: string }[] } };
    if (frame.type === 'welcome') welcome();
    if (frame.type === 'gap') gaps.push(frame.data);
    if (frame.type === 'batch') for (const message of frame.data.messages ?? []) ids.push(message.id);
  });
  return { ws, ids, gaps, welcomed };
}

describe('a stalled client', () => {
  // How much server memory a stalled client costs is measured by bench/stalled.mjs, not asserted here.
  it('keeps serving every message to the other clients while one client stops reading during 200,000 messages', async () => {
    const total = 200_000;
    child = fork(fixture, ['0', 'load'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const port = await new Promise<number>((resolve, reject) => {
      child!.once('message', (message: { port: number }) => resolve(message.port));
      child!.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const url = `ws://127.0.0.1:${port}/ws/logs`;
    const stalled = reader(url);
    const healthy = [reader(url), reader(url)];
    await Promise.all([stalled, ...healthy].map((r) => r.welcomed));
    // Stop reading: the server's writes pile up in the kernel, then in the socket's buffer.
    (stalled.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    const done = nextEvent(child, 'message', 30_000, (message: { done?: boolean }) => message.done === true);
    child.send({ produce: total });
    await done;
    await until(() => healthy.every((r) => r.ids.length >= total), 'every message at both healthy clients', 30_000);
    // Asked once every message has reached the healthy clients: the stalled one is still connected.
    const count = nextEvent<{ clients?: number }>(child, 'message', 10_000, (message) => message.clients !== undefined);
    child.send({ clients: true });
    const { clients } = await count;
    for (const r of healthy) {
      expect(r.ids).toHaveLength(total);
      expect(new Set(r.ids).size).toBe(total);
      expect(r.gaps).toEqual([]);
    }
    // The stalled client got (at most) what fit before it stopped reading: far from everything.
    expect(stalled.ids.length).toBeLessThan(total);
    expect(clients).toBe(3);
  }, 60_000);
});
