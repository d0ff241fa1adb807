import { request as httpRequest } from 'node:http';
import { WebSocket, type ClientOptions } from 'ws';
import { until } from '../../../test/helpers/wait.js';

/** A parsed frame as received (fields as the wire has them; what a frame lacks is undefined). */
export interface Frame {
  type: string;
  id?: string;
  data: FrameData;
  raw: string;
}

/** The `data` of any server frame: the fields the tests read, and whatever else came. */
export interface FrameData {
  [field: string]: unknown;
  messages: Frame[];
  from?: string | null;
  to?: string | null;
  replay?: boolean;
  message?: string;
  mode?: string;
  head?: string | null;
  count?: number;
  ts?: number;
  code?: string;
  audit?: boolean;
}

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
export async function connect(
  url: string,
  hello?: Record<string, unknown>,
  options?: ClientOptions & { protocols?: string[] },
): Promise<RawClient> {
  const ws = new WebSocket(url, options?.protocols, options);
  const frames: Frame[] = [];
  ws.on('message', (data) => {
    const raw = data.toString();
    const parsed = JSON.parse(raw) as Frame;
    parsed.raw = raw;
    frames.push(parsed);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
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
    messages: () =>
      frames.flatMap((frame) =>
        frame.type === 'batch' ? frame.data.messages : frame.type === 'system_log' || frame.type === 'audit_log' ? [frame] : [],
      ),
    until: (check, timeoutMs = 10_000, what = 'condition') =>
      until(
        () => check(frames) && frames,
        () => `${what}; frames: ${frames.map((f) => f.raw.slice(0, 200)).join('\n')}`,
        timeoutMs,
      ),
  };
  return client;
}

/** Sends a raw upgrade request and returns the status line and every byte that came back. */
export function rawUpgrade(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      port,
      host: '127.0.0.1',
      path: '/ws/logs',
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
