import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bearerToken, createLogwire, type Logwire } from '../src/index.js';
import type { LogStreamEndpointOptions } from '../src/transport/ws-endpoint.js';
import { connect, type RawClient, rawUpgrade } from './stream-helpers.js';
import { until } from '../../../test/helpers/wait.js';

let logwire: Logwire | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await logwire?.close();
  logwire = undefined;
});

async function start(endpoint: LogStreamEndpointOptions = {}): Promise<{ lw: Logwire; url: string; port: number }> {
  const lw = createLogwire({ callsite: false });
  logwire = lw;
  const { address } = await lw.listen(0, '127.0.0.1', endpoint);
  return { lw, url: `ws://127.0.0.1:${address.port}/ws/logs`, port: address.port };
}

async function open(url: string, hello?: Record<string, unknown>, options?: Parameters<typeof connect>[2]): Promise<RawClient> {
  const client = await connect(url, hello, options);
  clients.push(client);
  return client;
}

function logBoth(lw: Logwire, n: number): void {
  for (let i = 0; i < n; i++) {
    lw.getLogger('app').info(`system ${i}`);
    lw.getLogger('orch.audit').audit('secret_action', { i });
  }
  lw.hub.flush();
}

describe('authenticate on the upgrade', () => {
  it('answers 401 before the upgrade and sends no frame when the hook refuses', async () => {
    const seen: (string | undefined)[] = [];
    const { port } = await start({
      authenticate: (request) => {
        seen.push(bearerToken(request));
        return bearerToken(request) === 's3cret';
      },
    });
    const refused = await rawUpgrade(port, {});
    expect(refused).toEqual({ status: 401, body: '' });
    const wrong = await rawUpgrade(port, {
      'sec-websocket-protocol': `logwire.v1, logwire.bearer.${Buffer.from('nope').toString('base64url')}`,
    });
    expect(wrong.status).toBe(401);
    expect(seen).toEqual([undefined, 'nope']);
  });

  it('reads a token from Sec-WebSocket-Protocol and echoes only the non-secret subprotocol', async () => {
    const { url } = await start({ authenticate: (request) => bearerToken(request) === 'tok/en+1' });
    const client = await open(url, {}, { protocols: ['logwire.v1', `logwire.bearer.${Buffer.from('tok/en+1').toString('base64url')}`] });
    expect(client.ws.protocol).toBe('logwire.v1');
    await client.until((f) => f[0]?.type === 'welcome');
  });

  it('accepts a bearer Authorization header from Node clients, and answers 500 when the hook throws', async () => {
    const { url, port } = await start({
      authenticate: (request) => {
        if (request.headers['x-explode']) throw new Error('hook bug');
        return bearerToken(request) === 'abc';
      },
    });
    const client = await open(url, {}, { headers: { authorization: 'Bearer abc' } });
    await client.until((f) => f[0]?.type === 'welcome');
    expect((await rawUpgrade(port, { 'x-explode': '1' })).status).toBe(500);
  });

  it('closes with 4001 when the hello token is refused', async () => {
    const { url } = await start({ authenticateHello: (token) => token === 'good' });
    const bad = await open(url, { auth: 'bad' });
    expect((await bad.closed).code).toBe(4001);
    expect(bad.frames).toEqual([]);
    const good = await open(url, { auth: 'good' });
    await good.until((f) => f[0]?.type === 'welcome');
  });
});

describe('Origin allow-list', () => {
  it('answers 403 to every origin not exactly allowed (cross-site WebSocket hijacking)', async () => {
    const { port } = await start({ allowedOrigins: ['https://app.example.com'] });
    const hostile = [
      'https://evil.example',
      'null',
      'https://app.example.com.evil.example',
      'https://evil-app.example.com',
      'http://app.example.com',
      'https://app.example.com:8443',
    ];
    for (const origin of hostile) expect([origin, (await rawUpgrade(port, { origin })).status]).toEqual([origin, 403]);
    for (const origin of ['HTTPS://APP.EXAMPLE.COM', 'https://app.example.com:443'])
      expect([origin, (await rawUpgrade(port, { origin })).status]).toEqual([origin, 101]);
    expect((await rawUpgrade(port, {})).status).toBe(101);
  });

  it('can require an Origin, and can allow only the page own origin', async () => {
    const strict = await start({ allowedOrigins: ['https://app.example.com'], allowMissingOrigin: false });
    expect((await rawUpgrade(strict.port, {})).status).toBe(403);
    await logwire?.close();
    const same = await start({ allowedOrigins: 'same-origin' });
    expect((await rawUpgrade(same.port, { origin: `http://127.0.0.1:${same.port}` })).status).toBe(101);
    expect((await rawUpgrade(same.port, { origin: `http://127.0.0.1:1` })).status).toBe(403);
  });
});

describe('audit permission', () => {
  it('sends zero audit_log to a client without it: legacy replay and live, extended replay, batches and resume', async () => {
    const { lw, url } = await start({ authenticate: (request) => ({ audit: request.headers['x-role'] === 'auditor' }) });
    logBoth(lw, 3);
    const legacy = await open(url, undefined, { headers: {} });
    const fresh = await open(url, { filter: { types: ['audit_log', 'system_log'] } });
    const resumed = await open(url, { cursor: { epoch: lw.hub.epoch, id: lw.hub.oldest!.id } });
    const auditor = await open(url, {}, { headers: { 'x-role': 'auditor' } });
    await fresh.until((f) => f[0]?.type === 'welcome');
    expect(fresh.frames[0]?.data.audit).toBe(false);
    await until(() => legacy.frames.length >= 3 && auditor.messages().length === 6, 'the legacy replay and the auditor tail');
    logBoth(lw, 300);
    await auditor.until(() => auditor.messages().length === 606);
    for (const client of [legacy, fresh, resumed])
      await client.until(() => client.messages().filter((m) => m.type === 'system_log').length >= 300);
    for (const client of [legacy, fresh, resumed]) {
      expect(client.frames.some((frame) => frame.raw.includes('audit_log') || frame.raw.includes('secret_action'))).toBe(false);
    }
    expect(auditor.messages().filter((m) => m.type === 'audit_log')).toHaveLength(303);
  });
});

describe('audit activity hidden from a viewer without audit permission', () => {
  /** Every stream id in a frame's text. */
  const idsIn = (raw: string) => raw.match(/\d+-\d+/g) ?? [];

  it('tells such a viewer only system_log ids: welcome.head, batch ranges, gaps and subscribed.at (raw frames)', async () => {
    const lw = createLogwire({ callsite: false, historySize: 20 });
    logwire = lw;
    const authenticate = (request: IncomingMessage) => ({ audit: request.headers['x-role'] === 'auditor' });
    const { address } = await lw.listen(0, '127.0.0.1', { authenticate });
    const url = `ws://127.0.0.1:${address.port}/ws/logs`;
    const systemIds = new Set<string>();
    const auditIds = new Set<string>();
    lw.hub.on((batch) => {
      for (const message of batch) (message.type === 'audit_log' ? auditIds : systemIds).add(message.id);
    });
    const audit = (n: number) => {
      for (let i = 0; i < n; i++) lw.getLogger('orch.audit').audit('secret_action', { i });
      lw.hub.flush();
    };
    lw.getLogger('app').info('system 0');
    lw.hub.flush();
    audit(3);
    // A fresh viewer: the newest message is an audit event, the head it is told is not.
    const fresh = await open(url, {});
    await fresh.until((f) => f.length >= 2, 5000, 'welcome and tail');
    expect(fresh.frames[0]?.data.head).toBe([...systemIds][0]);
    // Live audit events alone produce nothing for it; the next system message continues its range.
    audit(5);
    lw.getLogger('app').info('system 1');
    lw.hub.flush();
    await fresh.until(() => fresh.messages().length === 2, 5000, 'system 1');
    expect(fresh.frames.map((f) => f.type)).toEqual(['welcome', 'batch', 'batch']);
    expect(fresh.frames[2]?.data).toMatchObject({ from: [...systemIds][0], to: [...systemIds][1] });
    fresh.send({ type: 'subscribe', data: { filter: { level: 'INFO' } } });
    await fresh.until((f) => f.some((frame) => frame.type === 'subscribed'), 5000, 'subscribed');
    // A viewer resuming from 'system 0' after the history (20) lost it: 30 audit events and a few
    // system messages later. Its gap names no audit id and counts nothing.
    const cursor = [...systemIds][0] as string;
    for (let round = 0; round < 3; round++) {
      audit(10);
      lw.getLogger('app').info(`system ${round + 2}`);
      lw.hub.flush();
    }
    const resumed = await open(url, { cursor: { epoch: lw.hub.epoch, id: cursor } });
    await resumed.until((f) => f.some((frame) => frame.type === 'batch' && frame.data.replay !== true), 5000, 'the end of the replay');
    const gap = resumed.frames.find((frame) => frame.type === 'gap');
    // 43 messages, 20 held: 'system 0' to 'system 2' left the history, 'system 3' and 'system 4' did not.
    expect(gap?.data).toEqual({ from: cursor, to: [...systemIds][2], reason: 'trimmed', epoch: lw.hub.epoch });
    expect(resumed.messages().map((m) => m.data.message)).toEqual(['system 3', 'system 4']);
    // An auditor sees the audit ids in the same places.
    const auditor = await open(url, {}, { headers: { 'x-role': 'auditor' } });
    await auditor.until((f) => f.length >= 2, 5000, 'welcome');
    expect(auditIds.has(auditor.frames[0]?.data.head as string)).toBe(false);
    audit(1);
    await auditor.until(() => auditor.frames.length >= 3, 5000, 'a live audit batch');
    expect(auditIds.has(auditor.frames[2]?.data.to as string)).toBe(true);
    for (const client of [fresh, resumed]) {
      for (const frame of client.frames) {
        for (const id of idsIn(frame.raw)) expect([frame.type, id, auditIds.has(id)]).toEqual([frame.type, id, false]);
        if (frame.type === 'gap') expect(frame.data.count).toBeUndefined();
      }
    }
  });
});

describe('paged catch-up of a viewer without audit permission', () => {
  it('reads past pages of audit messages without a frame, and resumes exactly once', async () => {
    const lw = createLogwire({ callsite: false });
    logwire = lw;
    const { address } = await lw.listen(0, '127.0.0.1', { replayPage: 5, authenticate: () => ({ audit: false }) });
    const url = `ws://127.0.0.1:${address.port}/ws/logs`;
    const auditIds = new Set<string>();
    lw.hub.on((batch) => {
      for (const message of batch) if (message.type === 'audit_log') auditIds.add(message.id);
    });
    lw.getLogger('app').info('first');
    lw.hub.flush();
    const cursor = lw.hub.head!.id;
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 12; i++) lw.getLogger('orch.audit').audit('secret_action', { i });
      lw.getLogger('app').info(`system ${round}`);
    }
    lw.hub.flush();
    const viewer = await open(url, { cursor: { epoch: lw.hub.epoch, id: cursor } });
    await viewer.until((f) => f.some((frame) => frame.type === 'batch' && frame.data.replay !== true), 5000, 'the end of the replay');
    expect(viewer.frames[0]?.data.mode).toBe('resumed');
    expect(viewer.messages().map((m) => m.data.message)).toEqual(['system 0', 'system 1', 'system 2', 'system 3']);
    const batches = viewer.frames.filter((frame) => frame.type === 'batch');
    // Contiguous ranges from the cursor, each ending on a system message; no audit id anywhere.
    expect(batches[0]?.data.from).toBe(cursor);
    for (let i = 1; i < batches.length; i++) expect(batches[i]?.data.from).toBe(batches[i - 1]?.data.to);
    for (const frame of viewer.frames) for (const id of frame.raw.match(/\d+-\d+/g) ?? []) expect(auditIds.has(id)).toBe(false);
  });
});

describe('inbound limits', () => {
  it('accepts a 64 KiB frame and closes with 1009 on one byte more', async () => {
    const { url } = await start();
    const ok = await open(url, {});
    await ok.until((f) => f[0]?.type === 'welcome');
    const exact = JSON.stringify({ type: 'pong', data: { ts: 1, pad: 'x'.repeat(64 * 1024 - 40) } });
    expect(Buffer.byteLength(exact)).toBe(64 * 1024);
    ok.send(exact);
    const big = await open(url, {});
    await big.until((f) => f[0]?.type === 'welcome');
    big.ws.send('x'.repeat(64 * 1024 + 1));
    expect((await big.closed).code).toBe(1009);
    // The first client is still served.
    ok.send({ type: 'subscribe', data: {} });
    await ok.until((f) => f.some((frame) => frame.type === 'subscribed'));
    expect(ok.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('hostile client input', () => {
  it('survives garbage frames in every mode and keeps serving', async () => {
    const { lw, url } = await start();
    const legacy = await open(url);
    legacy.ws.send(Buffer.from([0xff, 0x00, 0xfe]));
    const extended = await open(url, {});
    await extended.until((f) => f[0]?.type === 'welcome');
    const junk = [
      '{',
      '[]',
      'null',
      '{"type":"hello","data":{"v":1}}',
      '{"type":"subscribe","data":{"filter":{"loggers":' + JSON.stringify(Array(1000).fill('*')) + '}}}',
      '{"type":"__proto__","data":{"filter":{}}}',
      '{"type":"subscribe","data":{"filter":{"__proto__":{"types":["x"]}}}}',
    ];
    for (const frame of junk) extended.ws.send(frame);
    extended.ws.send(Buffer.from([0xc3, 0x28]), { binary: true });
    // Every frame but the harmless subscribe (an own "__proto__" key is just ignored) is refused.
    await extended.until(
      (f) => f.filter((frame) => frame.type === 'error').length === 7 && f.some((frame) => frame.type === 'subscribed'),
      5000,
      'answers',
    );
    lw.getLogger('app').info('still streaming');
    await extended.until(() => extended.messages().some((m) => m.data.message === 'still streaming'));
    await legacy.until((f) => f.some((frame) => frame.data?.message === 'still streaming'));
    expect(({} as Record<string, unknown>)['types']).toBeUndefined();
  });
});

describe('heartbeats', () => {
  it('terminates a peer that stops answering protocol pings, and keeps the ones that do', async () => {
    const { url } = await start({ heartbeatInterval: 100 });
    const silent = await open(url, {}, { autoPong: false });
    const healthy = await open(url, {});
    const { code } = await silent.closed;
    expect(code).toBe(1006);
    expect(healthy.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('sends app-level pings to extended clients only', async () => {
    const { url } = await start({ pingInterval: 50 });
    const extended = await open(url, {});
    const legacy = await open(url);
    await extended.until((f) => f.filter((frame) => frame.type === 'ping').length >= 3);
    expect(extended.frames.find((frame) => frame.type === 'ping')?.data.ts).toBeTypeOf('number');
    expect(legacy.frames).toEqual([]);
  });
});
