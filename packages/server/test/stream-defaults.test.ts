import fs from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, createQueryHandler, type Logwire, LogStreamEndpoint } from '../src/index.js';
import type { LogStreamEndpointOptions } from '../src/transport/ws-endpoint.js';
import { MAX_DISTINCT_AUTH_ERRORS } from '../src/security/auth-reports.js';
import { until } from '../../../test/helpers/wait.js';
import { rawUpgrade } from './stream-helpers.js';

let logwire: Logwire | undefined;
const servers: Server[] = [];

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function start(
  endpoint: LogStreamEndpointOptions = {},
): Promise<{ lw: Logwire; port: number; errors: { code: string; message: string }[] }> {
  const errors: { code: string; message: string }[] = [];
  const lw = createLogwire({
    callsite: false,
    workers: false,
    onError: (error) => errors.push(error as { code: string; message: string }),
  });
  logwire = lw;
  const { address } = await lw.listen(0, '127.0.0.1', endpoint);
  return { lw, port: address.port, errors };
}

/** Sends a raw upgrade request (any Origin and Host) and resolves with the HTTP status that came back. */
async function upgradeStatus(port: number, headers: Record<string, string>): Promise<number> {
  return (await rawUpgrade(port, headers)).status;
}

describe('Origin default: the server own origin only', () => {
  it('refuses a browser upgrade from another origin with 403, admits its own origin and Origin-less clients', async () => {
    const { port } = await start();
    expect(await upgradeStatus(port, { origin: 'https://evil.example' })).toBe(403);
    // Another port of the same host is another origin (a page on :3000 talking to the stream on :8001).
    expect(await upgradeStatus(port, { origin: `http://127.0.0.1:${port + 1}` })).toBe(403);
    expect(await upgradeStatus(port, { origin: 'null' })).toBe(403);
    expect(await upgradeStatus(port, { origin: `http://127.0.0.1:${port}` })).toBe(101);
    expect(await upgradeStatus(port, {})).toBe(101);
  });

  it('compares the Origin host:port with the Host header, default ports of the scheme left out', async () => {
    const { port } = await start();
    expect(await upgradeStatus(port, { origin: 'https://logs.example.com', host: 'logs.example.com' })).toBe(101);
    expect(await upgradeStatus(port, { origin: 'https://logs.example.com', host: 'logs.example.com:443' })).toBe(101);
    expect(await upgradeStatus(port, { origin: 'http://LOGS.example.com:80', host: 'logs.example.com' })).toBe(101);
    expect(await upgradeStatus(port, { origin: 'https://logs.example.com:8443', host: 'logs.example.com' })).toBe(403);
    expect(await upgradeStatus(port, { origin: 'https://logs.example.com', host: 'logs.example.com.evil.example' })).toBe(403);
    expect(await upgradeStatus(port, { origin: 'https://logs.example.com', host: 'evil.example@logs.example.com' })).toBe(403);
  });

  it("admits any origin with the explicit allowedOrigins: '*' opt-in, and still honours allowMissingOrigin", async () => {
    const { port } = await start({ allowedOrigins: '*', allowMissingOrigin: false });
    expect(await upgradeStatus(port, { origin: 'https://elsewhere.example' })).toBe(101);
    expect(await upgradeStatus(port, {})).toBe(403);
  });

  it("lets the query API admit cookie requests from any origin only with allowedOrigins: '*'", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-defaults-'));
    try {
      const query = async (allowedOrigins: '*' | undefined): Promise<number> => {
        const handler = createQueryHandler({ dir, authenticate: () => true, allowedOrigins });
        const server = createServer((req, res) => handler(req, res, () => res.end()));
        servers.push(server);
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const { port } = server.address() as AddressInfo;
        return new Promise((resolve, reject) => {
          const headers = { cookie: 'session=1', origin: 'https://elsewhere.example' };
          const req = httpRequest({ port, host: '127.0.0.1', path: '/logs/system', headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end();
        });
      };
      expect(await query(undefined)).toBe(403);
      expect(await query('*')).toBe(200);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('no authenticate hook', () => {
  it('warns once through onError on listen() and attach(), not on each connection', async () => {
    const { port, errors, lw } = await start();
    for (let i = 0; i < 3; i++) expect(await upgradeStatus(port, {})).toBe(101);
    const server = createServer();
    servers.push(server);
    lw.attach(server);
    lw.attach(server);
    expect(errors.map((error) => error.code)).toEqual(['ERR_LOGWIRE_NO_AUTHENTICATE', 'ERR_LOGWIRE_NO_AUTHENTICATE']);
    expect(errors[0]!.message).toContain('docs/security.md');
  });

  it('does not warn when a hook is given, and a bare endpoint reports to its own onError', async () => {
    const { errors } = await start({ authenticate: () => true });
    expect(errors).toEqual([]);
    const seen: string[] = [];
    const endpoint = new LogStreamEndpoint(logwire!.hub, { onError: (error) => seen.push(error.code) });
    await endpoint.listen(0, '127.0.0.1');
    await endpoint.close();
    expect(seen).toEqual(['ERR_LOGWIRE_NO_AUTHENTICATE']);
  });
});

describe('an authenticate hook that throws', () => {
  it('answers 500 and reports each distinct message once, to onError and as an ERROR record on logwire.auth', async () => {
    let message = 'token store down';
    const { lw, port, errors } = await start({
      authenticate: () => {
        throw new Error(message);
      },
    });
    const records: { logger: unknown; level: unknown; message: unknown }[] = [];
    lw.hub.on((batch) => {
      for (const entry of batch) if (entry.type === 'system_log') records.push(JSON.parse(entry.data) as never);
    });
    for (let i = 0; i < 3; i++) expect(await upgradeStatus(port, {})).toBe(500);
    message = 'token store timeout';
    expect(await upgradeStatus(port, {})).toBe(500);
    await until(() => records.length === 2, 'two ERROR records');
    expect(errors.map((error) => [error.code, error.message])).toEqual([
      ['ERR_LOGWIRE_AUTHENTICATE', 'authenticate hook threw: Error: token store down'],
      ['ERR_LOGWIRE_AUTHENTICATE', 'authenticate hook threw: Error: token store timeout'],
    ]);
    expect(records.map((record) => [record.logger, record.level, record.message])).toEqual([
      ['logwire.auth', 'ERROR', 'authenticate hook threw: Error: token store down'],
      ['logwire.auth', 'ERROR', 'authenticate hook threw: Error: token store timeout'],
    ]);
  });

  it(`keeps at most ${MAX_DISTINCT_AUTH_ERRORS} distinct messages, then one notice`, async () => {
    let n = 0;
    const { port, errors } = await start({
      authenticate: () => {
        throw new Error(`failure ${n++}`);
      },
    });
    for (let i = 0; i < MAX_DISTINCT_AUTH_ERRORS + 20; i++) expect(await upgradeStatus(port, {})).toBe(500);
    expect(errors).toHaveLength(MAX_DISTINCT_AUTH_ERRORS + 1);
    expect(errors.at(-1)!.message).toContain('further new ones are not reported');
  });
});
