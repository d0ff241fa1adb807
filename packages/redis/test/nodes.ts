// Helpers for the tests that run real logwire server nodes (test/fixtures/logwire-node.mjs) as
// child processes and real @logwire/client clients against them.
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Cursor, type GapData, LogStreamClient, type WebSocketConstructor, type WelcomeData } from '@logwire/client';
import { WebSocket } from 'ws';
import type { BackplaneMetrics } from '../src/index.js';
import { nextEvent, until } from '../../../test/helpers/wait.js';
import { REDIS_URL } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/logwire-node.mjs', import.meta.url));

export interface ServerNode {
  name: string;
  child: ChildProcess;
  port: number;
  stderr(): string;
  /** Logs `count` records named `<name>-<tag><k>`; resolves once they are in Redis (unless `wait: false`). */
  produce(count: number, options?: { chunk?: number; everyMs?: number; tag?: string; wait?: boolean; pad?: number }): Promise<void>;
  info(): Promise<{ metrics: BackplaneMetrics; errors: string[]; epoch: string; held: number; clients: number }>;
  /** SIGKILL: no goodbye, nothing flushed. */
  kill(): Promise<void>;
}

const started: ChildProcess[] = [];
const clients: LogStreamClient[] = [];

export async function startServerNode(name: string, env: Record<string, string>): Promise<ServerNode> {
  let stderr = '';
  const child = fork(fixture, [], { env: { ...process.env, REDIS_URL, NODE: name, ...env }, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  started.push(child);
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.on('message', (m: { port?: number }) => m.port && resolve(m.port));
    child.once('exit', (code) => reject(new Error(`node ${name} exited with ${code}: ${stderr}`)));
  });
  /** Sends `message` and resolves with the node's next answer that has `key`. */
  const request = async <T>(message: object, key: string, timeoutMs = 60_000): Promise<T> => {
    const answer = nextEvent<Record<string, unknown>>(child, 'message', timeoutMs, (m) => key in m);
    child.send(message);
    return (await answer) as T;
  };
  return {
    name,
    child,
    port,
    stderr: () => stderr,
    produce: async (count, options = {}) => void (await request({ produce: count, ...options }, 'produced')),
    info: () => request({ metrics: true }, 'metrics'),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface TestClient {
  client: LogStreamClient;
  /** Ids received, in order. */
  ids: string[];
  /** Message texts received, in order. */
  labels: string[];
  gaps: GapData[];
  welcomes: WelcomeData[];
  /** Port the next (re)connection goes to: a stand-in for a load balancer. */
  target: { port: number };
}

/** A real client (Node entry, `ws`) whose connections go to `target.port`, so a test can move it between nodes. */
export function openClient(port: number, cursor?: Cursor): TestClient {
  const target = { port };
  class Routed extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url.replace(/:\d+\//, `:${target.port}/`), protocols);
    }
  }
  const client = new LogStreamClient(`ws://127.0.0.1:${port}/ws/logs`, {
    WebSocket: Routed as unknown as WebSocketConstructor,
    reconnect: { baseDelay: 20, maxDelay: 200 },
    ...(cursor ? { cursor } : {}),
  });
  clients.push(client);
  const out: TestClient = { client, ids: [], labels: [], gaps: [], welcomes: [], target };
  client.on('message', (m) => {
    out.ids.push(m.id as string);
    out.labels.push((m.data as { message: string }).message);
  });
  client.on('gap', (gap) => out.gaps.push(gap));
  client.on('welcome', (w) => out.welcomes.push(w));
  return out;
}

export async function live(client: TestClient): Promise<void> {
  await until(() => client.client.state === 'live', 'the client to be live');
}

/** Closes every client and kills every node started. */
export async function stopAll(): Promise<void> {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(
    started.splice(0).map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }),
  );
}
