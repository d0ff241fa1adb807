import { WebSocket } from 'ws';
import { until } from './wait.js';

/** A raw `ws` client that records every frame it receives, parsed as JSON. */
export interface Collector {
  ws: WebSocket;
  frames: Record<string, unknown>[];
  /** Resolves when at least `count` frames have arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  closed: Promise<{ code: number; reason: string }>;
}

/** Connects a raw client that never sends anything, like the seeds' frontend. */
export async function collect(url: string): Promise<Collector> {
  const ws = new WebSocket(url);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed with ${code} before opening`)));
  });
  return {
    ws,
    frames,
    closed,
    waitFor: (count, timeoutMs = 5000) =>
      until(
        () => frames.length >= count && frames,
        () => `${count} frames (got ${frames.length})`,
        timeoutMs,
      ),
  };
}
