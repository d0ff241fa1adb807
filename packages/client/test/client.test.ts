import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { createLogwire, type Logwire, type LogStreamEndpointOptions } from '@logwire/server';
import {
  type ConnectionState,
  type GapData,
  type LogMessage,
  LogStreamClient,
  type LogStreamClientOptions,
  ReconnectPolicy,
  type WebSocketConstructor,
} from '../src/node.js';
import { nextEvent, until } from '../../../test/helpers/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startLogwire(endpoint: LogStreamEndpointOptions = {}, historySize?: number) {
  const lw = createLogwire({ callsite: false, ...(historySize === undefined ? {} : { historySize }) });
  const listening = await lw.listen(0, '127.0.0.1', endpoint);
  cleanups.push(() => lw.close());
  return { lw, url: `ws://127.0.0.1:${listening.address.port}/ws/logs`, port: listening.address.port, endpoint: listening.endpoint };
}

/** A client plus everything it emitted, and the sockets it opened (to break them on purpose). */
function watch(url: string, options: LogStreamClientOptions = {}) {
  const sockets: WebSocket[] = [];
  const closes: number[] = [];
  class Tracked extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      sockets.push(this);
      this.on('close', (code) => closes.push(code));
    }
  }
  const client = new LogStreamClient(url, {
    WebSocket: Tracked as unknown as WebSocketConstructor,
    reconnect: { baseDelay: 20, maxDelay: 100 },
    ...options,
  });
  const messages: LogMessage[] = [];
  const gaps: GapData[] = [];
  const states: ConnectionState[] = [];
  const errors: string[] = [];
  client.on('message', (message) => messages.push(message));
  client.on('gap', (gap) => gaps.push(gap));
  client.on('state', (state) => states.push(state));
  client.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
  cleanups.push(() => client.close());
  return { client, messages, gaps, states, errors, sockets, closes };
}

function logMany(lw: Logwire, prefix: string, count: number): string[] {
  const ids: string[] = [];
  const off = lw.hub.on((batch) => ids.push(...batch.map((m) => m.id)));
  for (let i = 0; i < count; i++) lw.getLogger('app').info(`${prefix}${i}`);
  lw.hub.flush();
  off();
  return ids;
}

const texts = (messages: LogMessage[]) => messages.map((m) => m.data.message);

/** A server that speaks only the seeds' bare protocol, like the original Python one. */
async function seedServer(
  history: string[],
): Promise<{ url: string; wss: WebSocketServer; broadcast(frame: string): void; connections: () => number }> {
  const http = createHttpServer();
  const wss = new WebSocketServer({ server: http, path: '/ws/logs' });
  let connections = 0;
  wss.on('connection', (ws) => {
    connections++;
    for (const frame of history) ws.send(frame);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        http.close(() => resolve());
      }),
  );
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/ws/logs`,
    wss,
    connections: () => connections,
    broadcast(frame) {
      history.push(frame);
      for (const ws of wss.clients) ws.send(frame);
    },
  };
}

const seedFrame = (i: number) =>
  JSON.stringify({
    type: 'system_log',
    data: {
      timestamp: `2025-10-13T09:27:24.${String(339163 + i).padStart(6, '0')}`,
      level: 'INFO',
      logger: 'orchestrator.server',
      message: `seed ${i}`,
      module: 'server',
      function: 'spawn_instance',
      line: 142,
    },
  });

describe('against a logwire server', () => {
  it('says hello, catches up, goes live, and resumes after a dropped socket without duplicates or gaps', async () => {
    const { lw, url } = await startLogwire();
    const before = logMany(lw, 'before', 3);
    const w = watch(url);
    await until(() => w.client.state === 'live' && w.messages.length === 3);
    expect(w.client.protocol).toBe('extended');
    expect(w.states.slice(0, 3)).toEqual(['connecting', 'catching-up', 'live']);
    expect(w.client.cursor).toEqual({ epoch: lw.hub.epoch, id: before[2] });
    const mark = w.states.length;
    w.sockets[0]!.terminate();
    await until(() => w.states.slice(mark).some((state) => state !== 'live'));
    const during = logMany(lw, 'during', 4);
    await until(() => w.messages.length === 7 && w.client.state === 'live');
    const after = logMany(lw, 'after', 2);
    await until(() => w.messages.length === 9);
    expect(w.messages.map((m) => m.id)).toEqual([...before, ...during, ...after]);
    expect(w.gaps).toEqual([]);
    expect(w.sockets).toHaveLength(2);
  });

  it('resumes from the start when it saw the stream empty, however much was logged meanwhile', async () => {
    const { lw, url } = await startLogwire();
    const w = watch(url);
    await until(() => w.client.state === 'live');
    expect(w.client.cursor).toEqual({ epoch: lw.hub.epoch, id: '0-0' });
    // Watch the state events, not a poll of `state`: the reconnect may be over before a poll.
    const mark = w.states.length;
    w.sockets[0]!.terminate();
    await until(() => w.states.slice(mark).some((state) => state !== 'live'));
    const ids = logMany(lw, 'm', 150);
    await until(() => w.messages.length === 150 && w.client.state === 'live');
    const more = logMany(lw, 'n', 1);
    await until(() => w.messages.length === 151);
    expect(w.messages.map((m) => m.id)).toEqual([...ids, ...more]);
    expect(w.gaps).toEqual([]);
  });

  it('switches to the extended protocol when the welcome comes after it stopped waiting (a loaded server)', async () => {
    const { lw, url } = await startLogwire();
    const before = logMany(lw, 'b', 5);
    // Give up on the welcome at once: the client shows frames as a legacy client would, then the
    // server's (late) welcome arrives and the client must still follow the extended stream.
    const w = watch(url, { welcomeTimeout: 1 });
    await until(() => w.messages.length === 5 && w.client.protocol === 'extended');
    const after = logMany(lw, 'a', 5);
    // A last message on the same socket: once it is shown, any repeat sent before it would be too.
    const last = logMany(lw, 'z', 1);
    await until(() => w.messages.at(-1)?.id === last[0], 'the last message');
    expect(w.messages.map((m) => m.id)).toEqual([...before, ...after, ...last]);
    expect(w.gaps).toEqual([]);
  });

  it('emits a gap with the exact range when resuming from a cursor older than the history', async () => {
    const { lw, url } = await startLogwire({}, 4);
    const all = logMany(lw, 'm', 10);
    const w = watch(url, { cursor: { epoch: lw.hub.epoch, id: all[1]! } });
    await until(() => w.messages.length === 4);
    expect(w.gaps).toEqual([{ from: all[1], to: all[5], reason: 'trimmed', count: 4, epoch: lw.hub.epoch }]);
    expect(w.messages.map((m) => m.id)).toEqual(all.slice(6));
  });

  it('changes its server-side filter without reconnecting', async () => {
    const { lw, url } = await startLogwire();
    const w = watch(url, { filter: { level: 'ERROR' } });
    await until(() => w.client.state === 'live');
    lw.getLogger('a').info('hidden');
    lw.getLogger('a').error('shown');
    await until(() => w.messages.length === 1);
    const subscribed = nextEvent<{ data: unknown }>(w.sockets[0]!, 'message', 5000, (event) => String(event.data).includes('"subscribed"'));
    w.client.setFilter({ loggers: ['b.*'] });
    await subscribed;
    lw.getLogger('a').error('not b');
    lw.getLogger('b.c').info('b info');
    await until(() => w.messages.length === 2);
    expect(texts(w.messages)).toEqual(['shown', 'b info']);
    expect(w.sockets).toHaveLength(1);
    expect(w.gaps).toEqual([]);
    expect(() => w.client.setFilter({ level: 'LOUD' as never })).toThrow(TypeError);
  });

  it('does not retry after a fatal refusal: HTTP 401 on the upgrade, close 4001', async () => {
    const { url } = await startLogwire({ authenticate: () => false });
    const w = watch(url, { reconnect: { baseDelay: 1, maxDelay: 5 } });
    await until(() => w.client.state === 'closed');
    // An absence needs elapsed time: a retry would open a second socket within maxDelay (5 ms).
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(w.sockets).toHaveLength(1);
    expect(w.errors.at(-1)).toMatch(/^unauthorized: .*HTTP 401/);

    const second = await startLogwire({ authenticateHello: (token) => token === 'yes' });
    const v = watch(second.url, { auth: 'no', reconnect: { baseDelay: 1, maxDelay: 5 } });
    await until(() => v.client.state === 'closed');
    // An absence needs elapsed time, as above.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(v.sockets).toHaveLength(1);
    expect(v.errors.at(-1)).toMatch(/^unauthorized: .*close 4001/);
  });

  it('sends its token as a subprotocol, never in the URL', async () => {
    const urls: string[] = [];
    const { url } = await startLogwire({
      authenticate: (request) => {
        urls.push(request.url ?? '');
        return request.headers['sec-websocket-protocol']?.includes(`logwire.bearer.${Buffer.from('t0ken').toString('base64url')}`) === true;
      },
    });
    const w = watch(url, { token: 't0ken' });
    await until(() => w.client.state === 'live');
    expect(urls).toEqual(['/ws/logs']);
  });

  it('is closed with 4008 when it stops reading, then reconnects at once and resumes without loss', async () => {
    const { lw, url, endpoint } = await startLogwire({ stallTimeout: 300, maxReplay: 50_000 }, 50_000);
    const w = watch(url);
    await until(() => w.client.state === 'live');
    const socket = (w.sockets[0] as unknown as { _socket: Socket })._socket;
    socket.pause();
    const ids: string[] = [];
    lw.hub.on((batch) => ids.push(...batch.map((m) => m.id)));
    const log = lw.getLogger('app');
    const pad = 'x'.repeat(400);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 500; i++) log.info(`r${round} ${i} ${pad}`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => endpoint.clientCount === 0, 'the server to drop the stalled client');
    socket.resume();
    await until(() => w.sockets.length === 2 && w.messages.length === 20_000, 'resumed and complete', 15_000);
    expect(w.closes[0]).toBe(4008);
    expect(w.messages.map((m) => m.id)).toEqual(ids);
    expect(w.gaps).toEqual([]);
  });

  it('reconnects when the link dies silently (no frame for ping + grace)', async () => {
    const { lw, port } = await startLogwire({ pingInterval: 200 });
    const proxy = await freezableProxy(port);
    const w = watch(`ws://127.0.0.1:${proxy.port}/ws/logs`, { heartbeatGrace: 300, reconnect: { baseDelay: 100, maxDelay: 100 } });
    await until(() => w.client.state === 'live');
    const first = logMany(lw, 'a', 2);
    await until(() => w.messages.length === 2);
    proxy.freeze();
    const lost = logMany(lw, 'b', 3);
    await until(() => w.sockets.length === 2 && w.client.state === 'live', 'a new live connection', 10_000);
    // Without detection it would never reconnect (the bound itself: heartbeat.test.ts, fake timers).
    await until(() => w.messages.length === 5);
    expect(w.messages.map((m) => m.id)).toEqual([...first, ...lost]);
    expect(w.errors.some((e) => e.startsWith('timeout:'))).toBe(true);
  });
});

describe('against a server that speaks only the seeds protocol', () => {
  it('shows bare frames (local time, microseconds), survives malformed ones, and drops the replay after a reconnect', async () => {
    const seed = await seedServer([seedFrame(0), seedFrame(1)]);
    const w = watch(seed.url, { welcomeTimeout: 300 });
    await until(() => w.messages.length === 2);
    expect(w.client.protocol).toBe('legacy');
    expect(w.client.state).toBe('live');
    seed.broadcast('{"type":"system_log","data":');
    seed.broadcast('{"type":"system_log","data":{"level":5}}');
    seed.broadcast('not json at all \u001b[31m');
    seed.broadcast('{"type":"something_new","data":{}}');
    seed.broadcast(seedFrame(2));
    await until(() => w.messages.length === 3);
    expect(w.errors.filter((e) => e.startsWith('bad_frame'))).toHaveLength(3);
    expect(w.messages[2]?.data.timestamp).toBe('2025-10-13T09:27:24.339165');
    for (const ws of seed.wss.clients) ws.terminate();
    await until(() => seed.connections() === 2 && w.client.state === 'live');
    seed.broadcast(seedFrame(3));
    seed.broadcast(seedFrame(4));
    // Frames of one socket arrive in order: once the last is shown, a repeat sent before it would be too.
    await until(() => w.messages.at(-1)?.data.message === 'seed 4', 'the last frame');
    expect(texts(w.messages)).toEqual(['seed 0', 'seed 1', 'seed 2', 'seed 3', 'seed 4']);
  });
});

describe('filters against a server that cannot filter', () => {
  it('applies the filter itself, with the same rules (audit survives level, unknown levels pass)', async () => {
    const frame = (type: string, level: string, logger: string, message: string) =>
      JSON.stringify({
        type,
        data: { timestamp: '2025-10-13T09:27:24.339163', level, logger, message, module: 'm', function: 'f', line: 1 },
      });
    const seed = await seedServer([
      frame('system_log', 'INFO', 'orchestrator.x', 'info hidden'),
      frame('system_log', 'ERROR', 'orchestrator.x', 'error shown'),
      frame('system_log', 'ERROR', 'other', 'other logger hidden'),
      frame('system_log', 'ERROR', 'orchestrator.health', 'negated hidden'),
      frame('audit_log', 'DEBUG', 'orchestrator.audit', 'audit shown'),
      frame('system_log', 'NOTICE', 'orchestrator.x', 'unknown level shown'),
    ]);
    const w = watch(seed.url, { welcomeTimeout: 100, filter: { level: 'WARNING', loggers: ['orchestrator.*', '!orchestrator.health'] } });
    await until(() => w.messages.length === 3);
    w.client.setFilter({ text: 'LATE' });
    seed.broadcast(frame('system_log', 'DEBUG', 'x', 'late debug'));
    seed.broadcast(frame('system_log', 'DEBUG', 'x', 'other'));
    seed.broadcast(frame('system_log', 'DEBUG', 'x', 'late last'));
    // Frames of one socket arrive in order: once the last is shown, 'other' has been judged too.
    await until(() => w.messages.at(-1)?.data.message === 'late last', 'the last frame');
    expect(texts(w.messages)).toEqual(['error shown', 'audit shown', 'unknown level shown', 'late debug', 'late last']);
  });
});

describe('against odd servers', () => {
  it('reports a discontinuity nobody announced as a diverged gap, and survives a malformed batch', async () => {
    const frames = [
      { type: 'welcome', data: { v: 1, epoch: 'e1', head: '10-0', mode: 'fresh', ping: 0, audit: true, filter: {} } },
      {
        type: 'batch',
        data: {
          epoch: 'e1',
          from: null,
          to: '10-0',
          messages: [
            {
              type: 'system_log',
              id: '10-0',
              data: { timestamp: 't', level: 'INFO', logger: 'a', message: 'one', module: '', function: '', line: 0 },
            },
          ],
        },
      },
      {
        type: 'batch',
        data: { epoch: 'e1', from: '10-0', to: '11-0', messages: [{ type: 'system_log', id: '11-0', data: { level: 3 } }] },
      },
      {
        type: 'batch',
        data: {
          epoch: 'e1',
          from: '12-0',
          to: '13-0',
          messages: [
            {
              type: 'system_log',
              id: '13-0',
              data: { timestamp: 't', level: 'INFO', logger: 'a', message: 'three', module: '', function: '', line: 0 },
            },
          ],
        },
      },
      {
        type: 'batch',
        data: {
          epoch: 'e1',
          from: '13-0',
          to: '14-0',
          messages: [
            {
              type: 'system_log',
              id: '13-0',
              data: { timestamp: 't', level: 'INFO', logger: 'a', message: 'repeat', module: '', function: '', line: 0 },
            },
          ],
        },
      },
    ];
    const http = createHttpServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws) => ws.once('message', () => frames.forEach((frame) => ws.send(JSON.stringify(frame)))));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const ws of wss.clients) ws.terminate();
          wss.close();
          http.close(() => resolve());
        }),
    );
    const w = watch(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`);
    // The last frame moves the cursor to 14-0: every frame has been handled then.
    await until(() => w.client.cursor?.id === '14-0', 'the last frame');
    expect(texts(w.messages)).toEqual(['one', 'three']);
    expect(w.gaps).toEqual([{ from: '10-0', to: '12-0', reason: 'diverged', epoch: 'e1' }]);
    expect(w.errors.filter((e) => e.startsWith('bad_frame'))).toHaveLength(1);
    expect(w.client.cursor).toEqual({ epoch: 'e1', id: '14-0' });
  });

  it('falls back to legacy mode when a server with ids ignores the hello, without showing anything twice', async () => {
    const history = [1, 2, 3].map((n) =>
      JSON.stringify({
        type: 'audit_log',
        id: `${n}-0`,
        data: { timestamp: 't', level: 'INFO', logger: 'audit', message: `a${n}`, action: 'x', metadata: {} },
      }),
    );
    const seed = await seedServer(history);
    const w = watch(seed.url, { welcomeTimeout: 200 });
    await until(() => w.messages.length === 3);
    expect(w.client.protocol).toBe('legacy');
    for (const ws of seed.wss.clients) ws.terminate();
    await until(() => seed.connections() === 2 && w.client.state === 'live');
    seed.broadcast(
      JSON.stringify({ type: 'audit_log', id: '4-0', data: { timestamp: 't', level: 'INFO', logger: 'audit', message: 'a4' } }),
    );
    await until(() => w.messages.length === 4);
    // An absence needs elapsed time: a message shown twice would arrive right behind a4.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(texts(w.messages)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });
});

describe('ReconnectPolicy', () => {
  it('waits random(0, min(30 s, 0.5 s * 2^n)) and resets', () => {
    const top = new ReconnectPolicy({}, () => 0.999999);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(() => top.nextDelay())).toEqual([499, 999, 1999, 3999, 7999, 15999, 29999, 29999, 29999]);
    top.reset();
    expect(top.nextDelay()).toBe(499);
    const bottom = new ReconnectPolicy({}, () => 0);
    expect(bottom.nextDelay()).toBe(0);
    expect(new ReconnectPolicy().stableAfter).toBe(10_000);
  });
});

/** A TCP proxy that can stop forwarding without closing anything: a silently dead link. */
async function freezableProxy(target: number): Promise<{ port: number; freeze(): void }> {
  let frozen: Socket[] = [];
  const server: TcpServer = createTcpServer((inbound) => {
    const outbound = tcpConnect(target, '127.0.0.1');
    const pair = [inbound, outbound];
    inbound.on('data', (chunk) => {
      if (!frozen.includes(inbound)) outbound.write(chunk);
    });
    outbound.on('data', (chunk) => {
      if (!frozen.includes(outbound)) inbound.write(chunk);
    });
    for (const socket of pair) socket.on('error', () => pair.forEach((s) => s.destroy()));
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
    live.push(...pair);
  });
  const live: Socket[] = [];
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const socket of live) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port: (server.address() as AddressInfo).port,
    freeze() {
      frozen = [...live];
    },
  };
}
