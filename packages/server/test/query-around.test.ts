import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogwire, createQueryHandler } from '../src/index.js';

// GET /logs/<kind>?around=<id>&before=N&after=N: one entry in its context, across rotated files.

let dir: string;
let server: Server;
let base: string;
const systemIds: string[] = [];
const auditIds: string[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-around-'));
  // Small rotation: the 300 lines spread over many system.log files.
  const logwire = createLogwire({ console: false, persistence: { dir, system: { maxBytes: 4096, backups: 200 } } });
  for (let i = 0; i < 300; i++) logwire.getLogger('app').info(`line ${i}`, { i });
  for (let i = 0; i < 20; i++) logwire.getLogger('security').audit('grant', { i }, { message: `grant ${i}` });
  await logwire.close();
  const { queryLogs } = await import('../src/query/query.js');
  systemIds.push(...queryLogs(dir, 'system', { limit: 1000 }).entries.map((entry) => entry.id));
  auditIds.push(...queryLogs(dir, 'audit', { limit: 1000 }).entries.map((entry) => entry.id));
  const handler = createQueryHandler({ dir });
  server = createServer((request, response) => handler(request, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/logs`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};
const messages = (body: Record<string, unknown>): string[] =>
  (body['entries'] as { data: { message: string } }[]).map((entry) => entry.data.message);

describe('query API: around=<id>', () => {
  it('returns the entry with `before` older and `after` newer entries, oldest first, across rotated files', async () => {
    expect(fs.readdirSync(dir).filter((name) => name.startsWith('system.log')).length).toBeGreaterThan(5);
    for (const index of [0, 57, 150, 299]) {
      const { status, body } = await get(`${base}/system?around=${systemIds[index]}&before=5&after=5`);
      expect(status).toBe(200);
      const from = Math.max(0, index - 5);
      const to = Math.min(299, index + 5);
      expect(messages(body)).toEqual(Array.from({ length: to - from + 1 }, (_, k) => `line ${from + k}`));
      expect(body['around']).toBe(systemIds[index]);
      expect(body['found']).toBe(true);
      // The cursor pages on to what is older than the page, like the query API's own cursor.
      expect(body['cursor']).toBe(index >= 5 && from > 0 ? systemIds[from] : null);
    }
  });

  it('defaults to 50 on each side, and `before=0&after=0` is the entry alone', async () => {
    const around = await get(`${base}/system?around=${systemIds[100]}`);
    expect(messages(around.body)).toEqual(Array.from({ length: 101 }, (_, k) => `line ${50 + k}`));
    const alone = await get(`${base}/system?around=${systemIds[100]}&before=0&after=0`);
    expect(messages(alone.body)).toEqual(['line 100']);
  });

  it('gives audit entries their chain fields', async () => {
    const { body } = await get(`${base}/audit?around=${auditIds[10]}&before=1&after=1`);
    const entries = body['entries'] as { seq: number; chain: { seq: number; prev: string; hash: string } }[];
    expect(entries.map((entry) => entry.seq)).toEqual([11, 12, 13]);
    expect(entries.map((entry) => entry.chain.seq)).toEqual([11, 12, 13]);
    expect(entries[1]?.chain.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('says 404 not_found for an entry that is not kept, and 400 for invalid parameters', async () => {
    const gone = await get(`${base}/system?around=1-0`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      error: 'not_found',
      message: 'entry 1-0 is not in the files: no longer kept, or never written here',
      around: '1-0',
      found: false,
    });
    for (const query of ['around=nope', `around=${systemIds[1]}&before=501`, `around=${systemIds[1]}&level=ERROR`, 'before=3']) {
      const bad = await get(`${base}/system?${query}`);
      expect(bad.status, query).toBe(400);
      expect(bad.body['error']).toBe('bad_request');
    }
  });
});
