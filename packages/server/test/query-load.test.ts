import fs from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createQueryHandler } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';

// Regression: the query API read the files synchronously, so concurrent text queries over a large
// directory froze the app (its timers and its other routes) until every query was done. The
// measure is structural: the number of event-loop turns (a setImmediate chain) seen while each
// query runs, and whether another route of the same server answers while queries are running.
const T0 = Date.UTC(2026, 2, 14);
const QUERIES = 12;
let dir: string;
let server: Server;
let port: number;
let ticks = 0;
let ticking = true;
const startedAt = new Map<IncomingMessage, number>();
const endedAt = new Map<IncomingMessage, number>();

/** Writes `count` system.log lines (about 200 bytes each) from entry `first` with plain fs, fast. */
function writeLog(file: string, first: number, count: number): void {
  const lines: string[] = [];
  for (let i = first; i < first + count; i++) {
    const ms = T0 + i;
    const message = `job ${i} done ${'·'.repeat(100)}`;
    const data = `"timestamp":"${new Date(ms).toISOString()}","level":"INFO","logger":"app.worker","message":"${message}","i":${i}`;
    lines.push(`{"id":"${ms}-0",${data}}`);
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-load-'));
  // About 24 MB in two rotated files.
  writeLog(path.join(dir, 'system.log.1'), 0, 60_000);
  writeLog(path.join(dir, 'system.log'), 60_000, 60_000);
  const handler = createQueryHandler({
    dir,
    authenticate: (request) => {
      startedAt.set(request, ticks);
      return true;
    },
    // Each query reads at most 3 MB (about 48 chunks of 64 KiB); no time budget cuts it shorter.
    limits: { maxConcurrent: QUERIES, maxConcurrentPerPrincipal: QUERIES, maxBytesPerQuery: 3 << 20, maxMsPerQuery: 600_000 },
  });
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const end = response.end.bind(response);
    response.end = ((...args: Parameters<ServerResponse['end']>) => {
      endedAt.set(request, ticks);
      return end(...args);
    }) as ServerResponse['end'];
    handler(request, response, () => response.end('app route'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const tick = (): void => {
    ticks++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
});

afterAll(async () => {
  ticking = false;
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

function get(pathname: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: '127.0.0.1', port, path: pathname }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('the query API under concurrent text queries over a large directory', () => {
  it('keeps the event loop turning during every query, and the app answers other routes meanwhile', async () => {
    const queries = Array.from({ length: QUERIES }, (_, n) => get(`/logs/system?text=no-such-text-${n}&limit=1000&since=0`));
    await until(() => startedAt.size === QUERIES, 'every query started');
    const queriesDoneBeforeApp = endedAt.size;
    const app = await get('/elsewhere');
    expect(app.body).toBe('app route');
    // The app route was answered while queries were still running.
    const queriesDoneAtApp = [...endedAt.keys()].filter((request) => request.url?.startsWith('/logs/')).length;
    expect(queriesDoneBeforeApp).toBe(0);
    expect(queriesDoneAtApp).toBeLessThan(QUERIES);
    const answers = await Promise.all(queries);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      // Nothing matched within the budget: no entries, and a cursor to go on.
      expect(JSON.parse(answer.body)).toMatchObject({ entries: [] });
      expect(JSON.parse(answer.body).cursor).toMatch(/^\d+-0$/);
    }
    // Each query read about 48 chunks and yielded after each: the loop turned many times while it ran.
    const turns = [...startedAt].map(([request, start]) => (endedAt.get(request) ?? start) - start);
    expect(turns.every((count) => count >= 40)).toBe(true);
  });
});
