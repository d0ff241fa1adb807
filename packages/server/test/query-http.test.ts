import fs from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Authenticate, createLogwire, createQueryHandler } from '../src/index.js';

let dir: string;
let server: Server;
let base: { host: string; port: number };
const reads: { user: unknown; count: number; refused?: boolean; query?: unknown }[] = [];

// The same hook shape the WebSocket endpoint uses: headers decide who is admitted with what.
const authenticate: Authenticate = (req: IncomingMessage) => {
  const token = req.headers.authorization;
  if (token === 'Bearer auditor') return { audit: true, user: 'ada' };
  if (token === 'Bearer viewer') return { audit: false, user: 'bob' };
  if (token === 'Bearer boom') throw new Error('hook failed');
  return false;
};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-http-'));
  const logwire = createLogwire({ persistence: { dir } });
  for (let i = 0; i < 12; i++) logwire.getLogger('app.api').info(`request ${i}`, { i });
  for (let i = 0; i < 3; i++) logwire.audit('user.login', { user: `u${i}` });
  await logwire.close();
  const handler = createQueryHandler({
    dir,
    authenticate,
    onAuditRead: (read) => {
      const { user, count } = read;
      reads.push(read.refused === true ? { user, count, refused: true, query: read.query } : { user, count });
    },
  });
  // Express-style use: the handler gets `next` and passes on paths that are not its own.
  server = createServer((req, res) => handler(req, res, () => res.end('app route')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Sends the path exactly as given (no URL normalisation), like a hostile client would. */
function get(
  rawPath: string,
  token?: string,
  method = 'GET',
  extra: Record<string, string> = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  const headers = token === undefined ? { ...extra } : { ...extra, authorization: `Bearer ${token}` };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ ...base, path: rawPath, method, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /logs/system and /logs/audit', () => {
  it('answers an admitted client with the newest entries as JSON, newest last', async () => {
    const res = await get('/logs/system?limit=3&logger=app', 'viewer');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const body = JSON.parse(res.body) as { entries: { type: string; data: { i: number } }[]; cursor: string };
    expect(body.entries.map((entry) => entry.data.i)).toEqual([9, 10, 11]);
    expect(body.entries[0]!.type).toBe('system_log');
    const older = JSON.parse((await get(`/logs/system?limit=3&cursor=${body.cursor}`, 'viewer')).body) as typeof body;
    expect(older.entries.map((entry) => entry.data.i)).toEqual([6, 7, 8]);
  });

  it('refuses without credentials (401), a hook that throws (500), and the audit route without audit permission (403)', async () => {
    expect((await get('/logs/system')).status).toBe(401);
    expect(JSON.parse((await get('/logs/audit')).body)).toEqual({ error: 'unauthorized', message: 'authentication required' });
    expect((await get('/logs/system', 'boom')).status).toBe(500);
    const forbidden = await get('/logs/audit', 'viewer');
    expect(forbidden.status).toBe(403);
    expect(JSON.parse(forbidden.body)).toEqual({ error: 'forbidden', message: 'this client may not read the audit trail' });
  });

  it('reports an audit query refused for lack of audit permission, with its filters', async () => {
    reads.length = 0;
    expect((await get('/logs/audit?action=user.login', 'viewer')).status).toBe(403);
    expect(reads).toEqual([{ user: 'bob', count: 0, refused: true, query: { action: 'user.login' } }]);
  });

  it('refuses a cookie-carrying request from another origin (403), and admits same-origin, allowed and Origin-less ones', async () => {
    const cookie = { cookie: 'session=abc' };
    const foreign = await get('/logs/system', 'viewer', 'GET', { ...cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const message = 'cookie-authenticated requests are not accepted from this Origin';
    expect(JSON.parse(foreign.body)).toEqual({ error: 'forbidden', message });
    expect((await get('/logs/audit', 'auditor', 'GET', { ...cookie, origin: 'null' })).status).toBe(403);
    expect((await get('/logs/system', 'viewer', 'GET', { ...cookie, origin: `http://127.0.0.1:${base.port}` })).status).toBe(200);
    expect((await get('/logs/system', 'viewer', 'GET', cookie)).status).toBe(200);
    // Without a cookie the browser sends no credential of its own: a bearer token from any page is the app's choice.
    expect((await get('/logs/system', 'viewer', 'GET', { origin: 'https://evil.example' })).status).toBe(200);
    const allowing = createQueryHandler({ dir, authenticate, allowedOrigins: ['https://app.example'] });
    const other = createServer((req, res) => allowing(req, res));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const at = (origin: string): Promise<number> =>
        new Promise((resolve, reject) => {
          const headers = { ...cookie, origin, authorization: 'Bearer viewer' };
          httpRequest({ host: '127.0.0.1', port: (other.address() as AddressInfo).port, path: '/logs/system', headers }, (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          })
            .on('error', reject)
            .end();
        });
      expect(await at('https://app.example')).toBe(200);
      expect(await at('https://evil.example')).toBe(403);
      expect(await at(`http://127.0.0.1:${(other.address() as AddressInfo).port}`)).toBe(403);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('serves the audit trail to an auditor and reports the read', async () => {
    reads.length = 0;
    const res = await get('/logs/audit?action=user.login&limit=2', 'auditor');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { entries: { seq: number; data: { metadata: unknown } }[] };
    expect(body.entries.map((entry) => entry.data.metadata)).toEqual([{ user: 'u1' }, { user: 'u2' }]);
    expect(body.entries.map((entry) => entry.seq)).toEqual([3, 4]);
    expect(reads).toEqual([{ user: 'ada', count: 2 }]);
  });

  it('answers bad input with 400 and a clear JSON message, and touches no file for path tricks', async () => {
    const cases: [string, RegExp][] = [
      ['/logs/system?since=yesterday', /since must be an ISO 8601/],
      ['/logs/system?until=2026-13-45', /until must be an ISO 8601/],
      ['/logs/system?since=2026-02-30', /since must be an ISO 8601/],
      ['/logs/system?limit=10000000', /limit must be a whole number from 1 to 1000/],
      ['/logs/system?limit=0', /limit must be/],
      ['/logs/system?limit=-5', /limit must be/],
      ['/logs/system?date=../../etc/passwd', /unknown parameter "date"/],
      ['/logs/system?date=..%2f..%2fetc%2fpasswd', /unknown parameter "date"/],
      ['/logs/system?file=/etc/passwd', /unknown parameter "file"/],
      ['/logs/system?since=2026-01-01%00.jsonl', /NUL/],
      ['/logs/system?cursor=../../x', /cursor/],
      ['/logs/system?level=LOUD', /level/],
      ['/logs/system?action=user.login', /audit entries only/],
      ['/logs/system?limit=5&limit=6', /more than once/],
      [`/logs/system?text=${'x'.repeat(300)}`, /text must be/],
      ['/logs/system?since=2026-03-15&until=2026-03-14', /since must not be after until/],
      ['/logs/system?since=2026-03-14T12:00:00%2B25:00', /since has a time-zone offset out of range \(\+25:00\): offsets go from/],
      ['/logs/system?until=2026-03-14T12:00:00-00:60', /until has a time-zone offset out of range \(-00:60\)/],
      ['/logs/system?until=2026-03-14T12:00:00%2B9900', /until has a time-zone offset out of range/],
      ['/logs/..%2f..%2fetc/passwd', /invalid path/],
      ['/logs/audit/../../etc/passwd', /invalid path/],
    ];
    for (const [url, message] of cases) {
      const res = await get(url, 'auditor');
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      const body = JSON.parse(res.body) as { error: string; message: string };
      expect(body.error).toBe('bad_request');
      expect(body.message).toMatch(message);
    }
  });

  it('accepts ISO dates and times with zones, and epoch milliseconds', async () => {
    for (const since of ['2020-01-01', '2020-01-01T00:00:00Z', '2020-01-01T02:00:00%2B02:00', '1577836800000']) {
      const res = await get(`/logs/system?since=${since}&limit=1`, 'viewer');
      expect(res.status).toBe(200);
      expect((JSON.parse(res.body) as { entries: unknown[] }).entries).toHaveLength(1);
    }
    const future = await get('/logs/system?since=2999-01-01', 'viewer');
    expect(JSON.parse(future.body)).toEqual({ entries: [], cursor: null });
  });

  it('passes other paths on (Express next), refuses other methods, answers HEAD without a body', async () => {
    expect((await get('/api/other')).body).toBe('app route');
    const post = await get('/logs/system', 'viewer', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
    const head = await get('/logs/system', 'viewer', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('records audit queries as audit_read events, refused ones as audit_read_refused, through logwire.persistence', async () => {
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-http-read-'));
    const logwire = createLogwire({ persistence: { dir: own } });
    logwire.audit('user.login', { user: 'u0' });
    logwire.hub.flush();
    const plain = createServer(logwire.persistence!.queryHandler({ authenticate }));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const port = (plain.address() as AddressInfo).port;
      const status = await new Promise<number>((resolve, reject) => {
        httpRequest(
          { host: '127.0.0.1', port, path: '/logs/audit?action=user.login', headers: { authorization: 'Bearer auditor' } },
          (r) => {
            r.resume();
            r.on('end', () => resolve(r.statusCode ?? 0));
          },
        )
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
      logwire.hub.flush();
      const reads = logwire.persistence!.query('audit', { action: 'audit_read' }).entries;
      expect(reads.map((entry) => entry.data['metadata'])).toEqual([{ user: 'ada', filters: { action: 'user.login' }, count: 1 }]);
      const refused = await new Promise<number>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path: '/logs/audit?text=secret', headers: { authorization: 'Bearer viewer' } }, (r) => {
          r.resume();
          r.on('end', () => resolve(r.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
      expect(refused).toBe(403);
      logwire.hub.flush();
      const refusals = logwire.persistence!.query('audit', { action: 'audit_read_refused' }).entries;
      expect(refusals.map((entry) => entry.data['metadata'])).toEqual([{ user: 'bob', filters: { text: 'secret' } }]);
    } finally {
      await new Promise((resolve) => plain.close(resolve));
      await logwire.close();
      fs.rmSync(own, { recursive: true, force: true });
    }
  });

  it('answers 404 on unknown paths when used as a plain http handler', async () => {
    const plain = createServer(createQueryHandler({ dir }));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    try {
      const port = (plain.address() as AddressInfo).port;
      const res = await new Promise<number>((resolve, reject) => {
        httpRequest({ host: '127.0.0.1', port, path: '/elsewhere' }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        })
          .on('error', reject)
          .end();
      });
      expect(res).toBe(404);
    } finally {
      await new Promise((resolve) => plain.close(resolve));
    }
  });
});

describe('a throwing authenticate hook on the query API', () => {
  it('answers 500, reports each distinct message once to onError and as an ERROR record on logwire.auth', async () => {
    const errors: unknown[] = [];
    const own = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-http-auth-'));
    const logwire = createLogwire({ persistence: { dir: own }, onError: (error) => errors.push(error) });
    const records: string[] = [];
    logwire.hub.on((batch) => {
      for (const message of batch) if (message.logger === 'logwire.auth') records.push(message.data);
    });
    const handler = logwire.persistence!.queryHandler({
      authenticate: (req) => {
        throw new Error(`token store down (${req.headers.authorization === 'Bearer b' ? 'b' : 'a'})`);
      },
    });
    const app = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const port = (app.address() as AddressInfo).port;
    try {
      for (const token of ['a', 'a', 'b']) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = httpRequest(
            { host: '127.0.0.1', port, path: '/logs/system', headers: { authorization: `Bearer ${token}` } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.once('error', reject);
          req.end();
        });
        expect(status).toBe(500);
      }
      logwire.hub.flush();
      const reported = errors.filter((error) => (error as { code?: string }).code === 'ERR_LOGWIRE_AUTHENTICATE');
      expect(reported.map((error) => (error as Error).message)).toEqual([
        'authenticate hook threw: Error: token store down (a)',
        'authenticate hook threw: Error: token store down (b)',
      ]);
      expect(records).toHaveLength(2);
      expect(JSON.parse(records[0]!)).toMatchObject({ level: 'ERROR', message: 'authenticate hook threw: Error: token store down (a)' });
    } finally {
      await new Promise((resolve) => app.close(resolve));
      await logwire.close();
      fs.rmSync(own, { recursive: true, force: true });
    }
  });
});
