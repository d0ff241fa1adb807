import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';
import { type GapData, type LogMessage, LogStreamClient, type LogStreamClientOptions, type WebSocketConstructor } from '@logwire/client';
import { until } from '../helpers/wait.js';

interface Started {
  id: number;
  url: string;
}

const log = (server: Started, messages: string[]) =>
  executeServerCommand('logwire:log', { id: server.id, entries: messages.map((message) => ({ logger: 'browser.test', message })) });

/** A client using the browser's own WebSocket, with every socket it opened (to break them on purpose). */
function watch(url: string, options: LogStreamClientOptions = {}) {
  const sockets: WebSocket[] = [];
  class Tracked extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols);
      sockets.push(this);
    }
  }
  const client = new LogStreamClient(url, {
    WebSocket: Tracked as unknown as WebSocketConstructor,
    reconnect: { baseDelay: 50, maxDelay: 200 },
    ...options,
  });
  const messages: LogMessage[] = [];
  const gaps: GapData[] = [];
  const states: string[] = [];
  client.on('message', (message) => messages.push(message));
  client.on('gap', (gap) => gaps.push(gap));
  client.on('state', (state) => states.push(state));
  return { client, messages, gaps, sockets, states };
}

describe('LogStreamClient in Chromium against a real server', () => {
  let server: Started;
  const clients: LogStreamClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await executeServerCommand('logwire:stop', { id: server.id });
  });

  it('connects with the extended protocol and receives live messages', async () => {
    server = await executeServerCommand<Started, undefined>('logwire:start');
    const w = watch(server.url);
    clients.push(w.client);
    await until(() => w.client.state === 'live');
    expect(w.client.protocol).to.equal('extended');
    await log(server, ['hello from node']);
    await until(() => w.messages.length === 1);
    expect(w.messages[0]?.data.message).to.equal('hello from node');
    expect(w.client.cursor?.id).to.equal(w.messages[0]?.id);
  });

  it('resumes after its socket drops: what was logged meanwhile arrives once, nothing twice', async () => {
    server = await executeServerCommand<Started, undefined>('logwire:start');
    const w = watch(server.url);
    clients.push(w.client);
    await until(() => w.client.state === 'live');
    await log(server, ['a', 'b']);
    await until(() => w.messages.length === 2);
    // Watch the state events, not a poll of `state`: the reconnect may be over before a poll.
    const mark = w.states.length;
    w.sockets[0]!.close();
    await until(() => w.states.slice(mark).some((state) => state !== 'live'));
    await log(server, ['c', 'd', 'e']);
    await until(() => w.messages.length === 5 && w.client.state === 'live');
    await log(server, ['f']);
    await until(() => w.messages.length === 6);
    expect(w.messages.map((m) => m.data.message)).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(new Set(w.messages.map((m) => m.id)).size).to.equal(6);
    expect(w.gaps).to.deep.equal([]);
    expect(w.sockets.length).to.equal(2);
  });

  it('reports a gap with the exact range when its cursor left the history', async () => {
    server = await executeServerCommand<Started, unknown>('logwire:start', { options: { historySize: 3 } });
    const observer = watch(server.url);
    const first = watch(server.url);
    clients.push(observer.client, first.client);
    await until(() => observer.client.state === 'live' && first.client.state === 'live');
    await log(server, ['m0']);
    await until(() => first.messages.length === 1);
    const cursor = first.client.cursor!;
    first.client.close();
    await log(server, ['m1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9', 'm10']);
    await until(() => observer.messages.length === 11);
    const ids = observer.messages.map((m) => m.id);
    const later = watch(server.url, { cursor });
    clients.push(later.client);
    await until(() => later.messages.length === 3 && later.client.state === 'live');
    expect(later.gaps).to.deep.equal([{ from: ids[0], to: ids[7], reason: 'trimmed', count: 7, epoch: cursor.epoch }]);
    expect(later.messages.map((m) => m.data.message)).to.deep.equal(['m8', 'm9', 'm10']);
  });

  it('waits for the online event instead of retrying while the browser is offline', async () => {
    server = await executeServerCommand<Started, undefined>('logwire:start');
    const w = watch(server.url);
    clients.push(w.client);
    await until(() => w.client.state === 'live');
    window.dispatchEvent(new Event('offline'));
    w.sockets[0]!.close();
    await until(() => w.client.state === 'offline');
    // An absence needs elapsed time: without the offline event a retry would open a socket within
    // maxDelay (200 ms).
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(w.sockets.length).to.equal(1);
    window.dispatchEvent(new Event('online'));
    await until(() => w.client.state === 'live' && w.sockets.length === 2, 'a new live socket', 3000);
  });
});
