import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Authenticate, createQueryHandler, LogwireError, type QueryLimits } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';

// Queries are held in flight deterministically: `system.log` is a FIFO, so a query's open() waits
// (in the libuv thread pool) until the test opens the FIFO's other end, after which the query
// finds an empty file and answers. At most three queries wait at once (the pool has four threads).
let dir: string;
let fifo: string;
let server: Server | undefined;
let port = 0;
/** Principals of the queries admitted past authentication, in order (the `principal` hook sees each). */
let entered: string[];

const authenticate: Authenticate = (request: IncomingMessage) => {
  const token = request.headers.authorization;
  return typeof token === 'string' && token.startsWith('Bearer ') ? { user: token.slice(7) } : true;
};

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-query-limits-'));
  fifo = path.join(dir, 'system.log');
  execFileSync('mkfifo', [fifo]);
  entered = [];
});

afterEach(async () => {
  release();
  if (server !== undefined) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
  fs.closeSync(writer!);
  writer = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

let writer: number | undefined;
/** Responses the server closed (answered or abandoned). */
let closes = 0;

/**
 * Lets every query waiting on the FIFO go on, and every later one pass: a writer stays open until
 * the test ends (opening a FIFO read-write does not block on Linux).
 */
function release(): void {
  writer ??= fs.openSync(fifo, 'r+');
}

async function serve(limits: QueryLimits): Promise<void> {
  const handler = createQueryHandler({
    dir,
    authenticate,
    limits: {
      ...limits,
      principal: (user, request) => {
        const key = typeof user === 'string' ? user : `address ${request.socket.remoteAddress}`;
        entered.push(key);
        return key;
      },
    },
  });
  closes = 0;
  server = createServer((req, res) => {
    res.on('close', () => closes++);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
}

interface Answer {
  status: number;
  retryAfter: string | undefined;
  body: { error?: string; message?: string; entries?: unknown[] };
}

function get(user: string | undefined, query = 'text=x'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers = user === undefined ? {} : { authorization: `Bearer ${user}` };
    httpRequest({ host: '127.0.0.1', port, path: `/logs/system?${query}`, headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body: JSON.parse(body) as Answer['body'] });
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('query concurrency limits', () => {
  it('answers 429 with Retry-After beyond the per-principal limit, and one principal flooding does not lock another out', async () => {
    await serve({ maxConcurrent: 3, maxConcurrentPerPrincipal: 2, maxMsPerQuery: 2500 });
    const first = [get('mallory'), get('mallory')];
    await until(() => entered.length === 2, 'two queries of mallory running');
    const flood = await get('mallory');
    expect(flood.status).toBe(429);
    expect(flood.retryAfter).toBe('3');
    const message = 'too many queries at once from this client (at most 2): retry after 3 s';
    expect(flood.body).toEqual({ error: 'too_many_requests', message });
    const other = get('alice');
    await until(() => entered.length === 4, 'the query of alice admitted');
    release();
    expect((await other).status).toBe(200);
    expect((await Promise.all(first)).map((answer) => answer.status)).toEqual([200, 200]);
    // The slots are free again once the answers went out.
    const again = await until(async () => {
      const answer = await get('mallory', 'limit=1');
      return answer.status === 200 ? answer : undefined;
    }, 'mallory admitted again');
    expect(again.body.entries).toEqual([]);
  });

  it('answers 429 beyond the global limit, for any principal', async () => {
    await serve({ maxConcurrent: 2, maxConcurrentPerPrincipal: 2 });
    const first = [get('alice'), get('bob')];
    await until(() => entered.length === 2, 'two queries running');
    const third = await get('carol');
    expect(third.status).toBe(429);
    expect(third.retryAfter).toBe('1');
    expect(third.body).toEqual({ error: 'too_many_requests', message: 'too many queries at once (at most 2): retry after 1 s' });
    release();
    expect((await Promise.all(first)).map((answer) => answer.status)).toEqual([200, 200]);
  });

  it('counts requests without a principal by remote address', async () => {
    await serve({ maxConcurrentPerPrincipal: 1 });
    const first = get(undefined);
    await until(() => entered.length === 1, 'the first query running');
    const second = await get(undefined);
    expect(second.status).toBe(429);
    expect(entered).toEqual(['address 127.0.0.1', 'address 127.0.0.1']);
    release();
    expect((await first).status).toBe(200);
  });

  it('frees the slot of a client that went away before its answer', async () => {
    await serve({ maxConcurrent: 1 });
    const gone = httpRequest({ host: '127.0.0.1', port, path: '/logs/system', headers: { authorization: 'Bearer alice' } });
    gone.on('error', () => undefined);
    gone.end();
    await until(() => entered.length === 1, 'the first query running');
    expect((await get('bob')).status).toBe(429);
    await until(() => closes === 1, 'the 429 answer closed');
    gone.destroy();
    // The first query still waits on the FIFO: only the client's leaving can have freed its slot.
    await until(() => closes === 2, 'the abandoned response closed');
    const admitted = get('bob', 'limit=1');
    await until(() => entered.length === 3, 'the query of bob reaching the limits');
    release();
    expect((await admitted).status).toBe(200);
  });

  it('takes limits given as undefined as their defaults, and refuses invalid ones', () => {
    const unset: QueryLimits = {
      maxConcurrent: undefined,
      maxConcurrentPerPrincipal: undefined,
      maxBytesPerQuery: undefined,
      maxMsPerQuery: undefined,
    };
    expect(() => createQueryHandler({ dir, limits: unset })).not.toThrow();
    const options = { dir, prefix: undefined, authenticate: undefined, allowedOrigins: undefined };
    Object.assign(options, { limits: undefined, onAuditRead: undefined });
    expect(() => createQueryHandler(options)).not.toThrow();
    const invalid: QueryLimits[] = [{ maxConcurrent: 0 }, { maxConcurrentPerPrincipal: 1.5 }, { maxBytesPerQuery: -1 }];
    invalid.push({ maxMsPerQuery: Number.NaN });
    for (const limits of invalid) {
      expect(() => createQueryHandler({ dir, limits })).toThrow(LogwireError);
    }
    expect(() => createQueryHandler({ dir, limits: { maxConcurrent: 0 } })).toThrow('limits.maxConcurrent must be a positive whole number');
  });
});
