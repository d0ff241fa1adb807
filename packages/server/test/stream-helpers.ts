import { WebSocket, type ClientOptions } from 'ws';

/** A parsed frame as received. */
export type Frame = { type: string; id?: string; data: any; raw: string };

/** A raw `ws` client that records every frame, parsed, and can wait for conditions on them. */
export interface RawClient {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves once `check(frames)` holds (rejects after `timeoutMs`). */
  until(check: (frames: Frame[]) => boolean, timeoutMs?: number, what?: string): Promise<Frame[]>;
  closed: Promise<{ code: number; reason: string }>;
  send(value: unknown): void;
  /** Log messages received so far, from bare frames and from batches, in order. */
  messages(): Frame[];
}

/** Connects a raw client; `hello` (if given) is sent as soon as the socket opens. */
export async function connect(url: string, hello?: Record<string, unknown>, options?: ClientOptions & { protocols?: string[] }): Promise<RawClient> {
  const ws = new WebSocket(url, options?.protocols, options);
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    const raw = data.toString();
    const parsed = JSON.parse(raw) as Frame;
    parsed.raw = raw;
    frames.push(parsed);
    for (const wake of [...waiters]) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of [...waiters]) wake();
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  if (hello !== undefined) ws.send(JSON.stringify({ type: 'hello', data: { v: 1, capabilities: ['batch'], ...hello } }));
  const client: RawClient = {
    ws,
    frames,
    closed,
    send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
    messages: () => frames.flatMap((frame) => (frame.type === 'batch' ? (frame.data.messages as Frame[]) : frame.type === 'system_log' || frame.type === 'audit_log' ? [frame] : [])),
    until(check, timeoutMs = 10_000, what = 'condition') {
      return new Promise((resolve, reject) => {
        const test = () => {
          if (check(frames)) {
            waiters.delete(test);
            clearTimeout(timer);
            resolve(frames);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error(`${what} not met within ${timeoutMs} ms; frames: ${frames.map((f) => f.raw.slice(0, 200)).join('\n')}`));
        }, timeoutMs);
        waiters.add(test);
        test();
      });
    },
  };
  return client;
}

/** Resolves once `check()` holds, polling every 5 ms. */
export async function waitUntil(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Lets the event loop run a full turn (so per-turn batches flush). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
