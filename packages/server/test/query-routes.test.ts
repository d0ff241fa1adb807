import fs from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Authenticate, createLogwire, createQueryHandler } from '../src/index.js';

const HOUR = 3_600_000;
const NOW = Date.now();
let dir: string;
let server: Server;
let port: number;

const authenticate: Authenticate = (req: IncomingMessage) => {
  if (req.headers.authorization === 'Bearer auditor') return { audit: true, user: 'ada' };
  if (req.headers.authorization === 'Bearer viewer') return { audit: false, user: 'bob' };
  return false;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-routes-'));
  let clock = NOW - 48 * HOUR;
  vi.spyOn(Date, 'now').mockImplementation(() => clock);
  const logwire = createLogwire({ persistence: { dir }, categories: { auth: 'auth', http: 'http' }, level: 'DEBUG' });
  // Two days ago: one old error and one request of user 42.
  logwire.getLogger('http.access').error('old failure', { status_code: 500, user_id: 42 });
  logwire.hub.flush();
  // The last two hours: requests with status codes, auth messages and audit events.
  for (let i = 0; i < 20; i++) {
    clock = NOW - 2 * HOUR + i * 60_000;
    const status = [200, 404, 500, 503][i % 4] as number;
    const level = status >= 500 ? 'ERROR' : 'INFO';
    logwire.getLogger('http.access').log(level, `GET /api/items/${i}`, { status_code: status, user_id: i % 5 === 0 ? 42 : 7 });
    if (i % 2 === 0) logwire.getLogger('auth.login').warning(`magic link sent ${i}`, { metadata: { instance_id: `inst-${i % 3}` } });
    if (i % 4 === 0) logwire.audit(i % 8 === 0 ? 'user.login' : 'user.logout', { user_id: i === 0 ? 42 : 9 });
    logwire.hub.flush();
  }
  clock = NOW;
  await logwire.close();
  vi.restoreAllMocks();
  const handler = createQueryHandler({ dir, authenticate });
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function get(route: string, token = 'auditor'): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${route}`, { headers: token === '' ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Page = { entries: { type: string; data: Record<string, unknown> }[]; cursor: string | null };
const page = async (route: string, token?: string): Promise<Page> => {
  const res = await get(route, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as Page;
};
const messages = (p: Page): unknown[] => p.entries.map((entry) => entry.data['message'] ?? entry.data['action']);

describe('field, category and time parameters', () => {
  it('finds a user by field across the last 24 hours by default, with a cursor to go further back', async () => {
    const recent = await page('/logs/system?field.user_id=42');
    expect(messages(recent)).toEqual(['GET /api/items/0', 'GET /api/items/5', 'GET /api/items/10', 'GET /api/items/15']);
    expect(recent.cursor).not.toBeNull();
    const older = await page(`/logs/system?field.user_id=42&cursor=${recent.cursor}`);
    expect(messages(older)).toEqual(['old failure']);
    expect(older.cursor).toBeNull();
    expect(messages(await page('/logs/system?field.user_id=42&hours=72'))).toHaveLength(5);
    expect(messages(await page('/logs/audit?field.user_id=42'))).toEqual(['user.login']);
  });

  it('compares numbers, matches globs, lists and nested paths, and filters by category', async () => {
    expect(messages(await page('/logs/system?field.status_code>=500&limit=3'))).toEqual([
      'GET /api/items/15',
      'GET /api/items/18',
      'GET /api/items/19',
    ]);
    expect(messages(await page('/logs/system?field.status_code=404,503&limit=2'))).toEqual(['GET /api/items/17', 'GET /api/items/19']);
    expect(messages(await page('/logs/system?field.message=GET%20/api/items/1*&field.status_code<300'))).toEqual([
      'GET /api/items/12',
      'GET /api/items/16',
    ]);
    const nested = await page('/logs/system?field.metadata.instance_id=inst-1&category=auth');
    expect(messages(nested)).toEqual(['magic link sent 4', 'magic link sent 10', 'magic link sent 16']);
    expect((await page('/logs/system?category=auth')).entries).toHaveLength(10);
    expect((await page('/logs/system?category=auth,http')).entries).toHaveLength(30);
    expect((await page('/logs/system?field.status_code')).entries).toHaveLength(20);
    expect((await page('/logs/system?field.!status_code')).entries).toHaveLength(10);
  });

  it('answers 400 with a JSON message for every bad input', async () => {
    const cases: [string, RegExp][] = [
      ['/logs/system?field.__proto__.x=1', /names "__proto__", which is not allowed/],
      ['/logs/system?field.a.b.c.d.e.f.g.h.i=1', /deeper than 8 segments/],
      ['/logs/system?field.user%20id=1', /segment must be 1 to 64/],
      ['/logs/system?field.x>', /needs a value/],
      [`/logs/system?${Array.from({ length: 17 }, (_, i) => `field.f${i}`).join('&')}`, /at most 16 field constraints/],
      ['/logs/system?hours=abc', /hours must be a number/],
      ['/logs/system?hours=0', /hours must be a number/],
      ['/logs/system?hours=2&since=2026-01-01', /since or hours, not both/],
      ['/logs/system?category=', /category/],
      ['/logs/search', /q is required/],
      ['/logs/search?q=a&text=b', /q or text, not both/],
      ['/logs/errors?level=LOUD', /level/],
      ['/logs/stats?bogus=1', /unknown parameter "bogus"/],
      ['/logs/events?field.x<=', /needs a value/],
    ];
    for (const [route, message] of cases) {
      const res = await get(route);
      expect(res.status, route).toBe(400);
      expect(res.body['error'], route).toBe('bad_request');
      expect(res.body['message'], route).toMatch(message);
    }
  });
});

describe('GET /logs/errors, /logs/search, /logs/stats, /logs/events', () => {
  it('lists errors of the last 24 hours, and searches text', async () => {
    const errors = await page('/logs/errors?limit=2');
    expect(messages(errors)).toEqual(['GET /api/items/18', 'GET /api/items/19']);
    expect((await page('/logs/errors')).entries.every((entry) => entry.data['level'] === 'ERROR')).toBe(true);
    expect(messages(await page('/logs/errors?hours=72&field.user_id=42'))).toEqual([
      'old failure',
      'GET /api/items/10',
      'GET /api/items/15',
    ]);
    expect(messages(await page('/logs/search?q=MAGIC%20LINK%20sent%2018'))).toEqual(['magic link sent 18']);
  });

  it('counts system entries by level, category and hour, and audit actions per hour', async () => {
    const stats = (await get('/logs/stats')).body;
    expect(stats).toMatchObject({ total: 30, complete: true, cursor: null, until: null });
    expect(stats['levels']).toEqual({ WARNING: 10, INFO: 10, ERROR: 10 });
    expect(stats['categories']).toEqual({ http: 20, auth: 10 });
    const hours = stats['hours'] as { hour: string; total: number }[];
    expect(hours.reduce((sum, hour) => sum + hour.total, 0)).toBe(30);
    expect(hours.every((hour) => hour.hour.endsWith(':00:00.000Z'))).toBe(true);
    const events = (await get('/logs/events')).body;
    expect(events).toMatchObject({ total: 5, actions: { 'user.login': 3, 'user.logout': 2 }, complete: true });
    expect((await get('/logs/stats?hours=72&category=http')).body).toMatchObject({ total: 21, categories: { http: 21 } });
  });

  it('are all behind authenticate, and events need audit permission', async () => {
    for (const route of ['/logs/errors', '/logs/search?q=x', '/logs/stats', '/logs/events']) {
      expect((await get(route, '')).status, route).toBe(401);
    }
    const refused = await get('/logs/events', 'viewer');
    expect(refused).toEqual({ status: 403, body: { error: 'forbidden', message: 'this client may not read the audit trail' } });
    expect((await get('/logs/stats', 'viewer')).status).toBe(200);
  });
});
