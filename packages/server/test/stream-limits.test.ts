// Hardening of the stream endpoint (issue 12): connection caps per address and per principal under
// the global cap, a message rate limit per socket, and an invalid hello closing with 4000.
// Real ws servers on port 0; clients from two loopback addresses (127.0.0.1 and 127.0.0.2).
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bearerToken, createLogwire, type Logwire } from '../src/index.js';
import type { LogStreamEndpointOptions } from '../src/transport/ws-endpoint.js';
import { TokenBucket } from '../src/security/rate-limit.js';
import { connect, type RawClient } from './stream-helpers.js';
import { nextEvent, until } from '../../../test/helpers/wait.js';

let logwire: Logwire | undefined;
const sockets: WebSocket[] = [];
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  for (const ws of sockets.splice(0)) ws.terminate();
  await logwire?.close();
  logwire = undefined;
});

async function start(endpoint: LogStreamEndpointOptions = {}): Promise<{ lw: Logwire; url: string }> {
  const lw = createLogwire({ callsite: false });
  logwire = lw;
  const { address } = await lw.listen(0, '127.0.0.1', endpoint);
  return { lw, url: `ws://127.0.0.1:${address.port}/ws/logs` };
}

async function open(url: string, hello?: Record<string, unknown>, options?: Parameters<typeof connect>[2]): Promise<RawClient> {
  const client = await connect(url, hello, options);
  clients.push(client);
  return client;
}

/** Opens `count` idle sockets (they never send anything); resolves with how each ended up: open, or the close code. */
function openIdle(url: string, count: number, options: ConstructorParameters<typeof WebSocket>[2] = {}): Promise<(number | 'open')[]> {
  return Promise.all(
    Array.from({ length: count }, () => {
      const ws = new WebSocket(url, options);
      sockets.push(ws);
      return new Promise<number | 'open'>((resolve, reject) => {
        ws.once('close', (code) => resolve(code));
        ws.once('error', reject);
        // A refused socket is closed right after the upgrade; one that answers a protocol ping
        // after the upgrade was admitted (the server reads frames in order).
        ws.once('open', () => ws.ping());
        ws.once('pong', () => resolve('open'));
      });
    }),
  );
}

describe('connection caps', () => {
  it('100 idle sockets from one address cannot lock out a dashboard from another address (defaults)', async () => {
    const { lw, url } = await start();
    const outcomes = await openIdle(url, 100, { localAddress: '127.0.0.1' });
    const refused = outcomes.filter((outcome) => outcome === 1008).length;
    expect(outcomes.filter((outcome) => outcome === 'open').length + refused).toBe(100);
    expect(refused).toBeGreaterThan(0);
    const dashboard = await open(url, {}, { localAddress: '127.0.0.2' });
    await dashboard.until((frames) => frames[0]?.type === 'welcome', 5000, 'welcome');
    lw.getLogger('app').info('still served');
    await dashboard.until(() => dashboard.messages().some((m) => m.data.message === 'still served'), 5000, 'the live message');
    expect(dashboard.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('one principal exhausting its cap cannot stop another principal from connecting', async () => {
    const { url } = await start({
      maxConnectionsPerAddress: 1000,
      authenticate: (request) => ({ principal: bearerToken(request) ?? 'anonymous' }),
    });
    const outcomes = await openIdle(url, 100, { headers: { authorization: 'Bearer mallory' } });
    expect(outcomes.filter((outcome) => outcome === 'open')).toHaveLength(16);
    expect(outcomes.filter((outcome) => outcome === 1008)).toHaveLength(84);
    const alice = await open(url, {}, { headers: { authorization: 'Bearer alice' } });
    await alice.until((frames) => frames[0]?.type === 'welcome', 5000, 'welcome');
    // A refused principal gets its place back once one of its sockets closes.
    const refused = await open(url, undefined, { headers: { authorization: 'Bearer mallory' } });
    expect(await refused.closed).toEqual({ code: 1008, reason: 'Connection limit per principal reached' });
  });

  it('keeps the global cap as the last line and frees a place when a socket closes', async () => {
    const { url } = await start({ maxConnections: 3, maxConnectionsPerAddress: 2 });
    const first = await openIdle(url, 3, { localAddress: '127.0.0.1' });
    expect(first.sort()).toEqual([1008, 'open', 'open']);
    const other = await openIdle(url, 2, { localAddress: '127.0.0.2' });
    expect(other.sort()).toEqual([1008, 'open']);
    const open0 = sockets.find((ws) => ws.readyState === WebSocket.OPEN) as WebSocket;
    const closed = nextEvent(open0, 'close');
    open0.close();
    await closed;
    await until(async () => (await openIdle(url, 1, { localAddress: '127.0.0.2' }))[0] === 'open', 'a freed place', 5000);
  });
});

describe('clientAddress (behind a trusted proxy)', () => {
  it('counts connections against the address the hook names, and survives a hook that throws', async () => {
    const { url } = await start({
      maxConnectionsPerAddress: 1,
      clientAddress: (request) => {
        const forwarded = request.headers['x-forwarded-for'];
        if (forwarded === 'explode') throw new Error('hook bug');
        return typeof forwarded === 'string' ? forwarded : request.socket.remoteAddress;
      },
    });
    expect(await openIdle(url, 1, { headers: { 'x-forwarded-for': '203.0.113.1' } })).toEqual(['open']);
    expect(await openIdle(url, 1, { headers: { 'x-forwarded-for': '203.0.113.2' } })).toEqual(['open']);
    expect(await openIdle(url, 1, { headers: { 'x-forwarded-for': '203.0.113.1' } })).toEqual([1008]);
    expect(await openIdle(url, 1, { headers: { 'x-forwarded-for': 'explode' } })).toEqual([1011]);
    expect(await openIdle(url, 1, { headers: { 'x-forwarded-for': '203.0.113.3' } })).toEqual(['open']);
  });
});

describe('inbound message rate', () => {
  it('closes a socket that floods subscribes with 1008 after its burst, and answers at most the burst', async () => {
    const { url } = await start({ messageRate: 1, messageBurst: 5 });
    const flooder = await open(url, {});
    await flooder.until((frames) => frames[0]?.type === 'welcome', 5000, 'welcome');
    for (let i = 0; i < 200; i++) flooder.send({ type: 'subscribe', data: { filter: { text: `t${i}` } } });
    expect(await flooder.closed).toEqual({ code: 1008, reason: 'Too many messages' });
    // The hello took one token; at most the rest of the burst (plus what refilled meanwhile) was answered.
    expect(flooder.frames.filter((frame) => frame.type === 'subscribed').length).toBeLessThanOrEqual(6);
    const honest = await open(url, {});
    for (let i = 0; i < 3; i++) honest.send({ type: 'subscribe', data: { filter: { text: `t${i}` } } });
    await honest.until((frames) => frames.filter((frame) => frame.type === 'subscribed').length === 3, 5000, 'three answers');
    expect(honest.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe('TokenBucket', () => {
  it('allows the burst at once, then the rate, and never more than the burst after a pause', () => {
    const bucket = new TokenBucket(2, 3, 0);
    const taken = (now: number, count: number) => Array.from({ length: count }, () => bucket.take(now)).filter(Boolean).length;
    expect(taken(0, 10)).toBe(3);
    expect(taken(500, 10)).toBe(1);
    expect(taken(1500, 10)).toBe(2);
    expect(taken(3_600_000, 10)).toBe(3);
    // A clock that steps back refills nothing.
    expect(taken(0, 10)).toBe(0);
  });
});

describe('invalid hello', () => {
  it('closes with 4000 instead of serving the unfiltered legacy mode', async () => {
    const { lw, url } = await start();
    lw.getLogger('app').info('history');
    lw.hub.flush();
    const badCursor = await open(url);
    badCursor.send({ type: 'hello', data: { v: 1, cursor: 'not a cursor' } });
    const badFilter = await open(url);
    badFilter.send({ type: 'hello', data: { v: 1, filter: { loggers: 'app' } } });
    for (const client of [badCursor, badFilter]) {
      const { code } = await client.closed;
      expect(code).toBe(4000);
      expect(client.frames).toEqual([]);
    }
    // A legacy client that sends something else is still served the original protocol.
    const chatty = await open(url);
    chatty.send('hello there');
    await chatty.until((frames) => frames.some((frame) => frame.data?.message === 'history'), 5000, 'the legacy replay');
  });
});
