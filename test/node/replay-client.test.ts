// The stream client with a replay buffer in Node: the same API as in browsers, kept in memory.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '@logwire/server';
import {
  createMemoryReplayBuffer,
  type Cursor,
  type GapData,
  LogStreamClient,
  replay,
  type ReplayHost,
  type ReplayRestored,
} from '@logwire/client';
import type { StreamEntry } from '@logwire/protocol';
import { turn, until } from '../helpers/wait.js';

let logwire: Logwire | undefined;
const clients: LogStreamClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await logwire?.close();
  logwire = undefined;
});

function track(client: LogStreamClient) {
  clients.push(client);
  const events: string[] = [];
  const ids: string[] = [];
  const restored: ReplayRestored[] = [];
  client.on('message', (message) => {
    ids.push(message.id as string);
    events.push(`message ${message.data.message}`);
  });
  client.on('gap', (gap: GapData) => events.push(`gap ${gap.reason}`));
  client.on('restore', (info) => {
    restored.push(info);
    events.push(`restore ${info.entries}`);
  });
  client.on('state', (state) => events.push(`state ${state}`));
  return { events, ids, restored };
}

describe('LogStreamClient with replay in Node', () => {
  it('keeps entries in memory, and a second client on the same buffer paints them before connecting and resumes without duplicates or loss', async () => {
    logwire = createLogwire({ callsite: false });
    const { address } = await logwire.listen(0, '127.0.0.1');
    const url = `ws://127.0.0.1:${address.port}/ws/logs`;
    const log = logwire.getLogger('replay.node');
    const logged: string[] = [];
    logwire.hub.on((batch) => {
      for (const message of batch) logged.push(message.id);
    });

    const buffer = createMemoryReplayBuffer({ flushDelay: 5 });
    const first = new LogStreamClient(url, { replay: replay({ buffer }) });
    const a = track(first);
    await until(() => first.state === 'live', 'first client live', 10_000);
    expect(first.persistence).toBe('memory');
    expect(first.role).toBe('leader');
    expect(a.restored).toEqual([{ entries: 0, cursor: undefined, persistence: 'memory' }]);
    for (let i = 0; i < 50; i++) log.info(`m${i}`);
    await until(() => a.ids.length === 50, '50 messages', 10_000);
    await buffer.flush();
    first.close();
    clients.splice(0);

    // Logged while no client is connected: the second client must get them from the server.
    for (let i = 50; i < 60; i++) log.info(`m${i}`);

    const second = new LogStreamClient(url, { replay: replay({ buffer, limit: 20 }) });
    const b = track(second);
    await until(() => b.ids.length === 30, 'second client caught up', 10_000);
    // The newest 20 stored come first, before any connection state change, then the 10 missed.
    expect(b.events.slice(0, 22)).toEqual([
      ...Array.from({ length: 20 }, (_, i) => `message m${30 + i}`),
      'restore 20',
      'state connecting',
    ]);
    expect(b.restored).toEqual([{ entries: 20, cursor: { epoch: logwire.hub.epoch, id: logged[49] }, persistence: 'memory' }]);
    expect(b.ids).toEqual(logged.slice(30, 60));
    expect(new Set(b.ids).size).toBe(30);

    await second.clear();
    const snapshot = await buffer.load(`${second.url}\n`);
    expect(snapshot).toEqual({ cursor: null, entries: [] });
  });

  it('opens its own in-memory buffer with replay() and clears it while offline', async () => {
    // Nothing listens on this port: the client stays offline.
    const client = new LogStreamClient('ws://127.0.0.1:9/ws/logs', { replay: replay(), reconnect: { baseDelay: 50, maxDelay: 100 } });
    const t = track(client);
    await until(() => t.restored.length === 1, 'restore', 5000);
    expect(client.persistence).toBe('memory');
    await until(() => client.state === 'offline', 'offline', 5000);
    await expect(client.clear()).resolves.toBeUndefined();
  });

  it('records each delivered batch with the cursor after it, and connects only while this tab leads', async () => {
    logwire = createLogwire({ callsite: false });
    const { address } = await logwire.listen(0, '127.0.0.1');
    const url = `ws://127.0.0.1:${address.port}/ws/logs`;
    const log = logwire.getLogger('replay.hooks');
    const logged: string[] = [];
    logwire.hub.on((batch) => {
      for (const message of batch) logged.push(message.id);
    });
    let host: ReplayHost | undefined;
    const records: Array<{ ids: string[]; cursor: Cursor | null }> = [];
    const client = new LogStreamClient(url, {
      reconnect: { baseDelay: 5, maxDelay: 20 },
      replay: {
        attach: (h) => {
          host = h;
          return {
            record: (entries: readonly StreamEntry[], cursor: Cursor | null) =>
              records.push({ ids: entries.map((e) => (e.type === 'gap' ? 'gap' : (e.id as string))), cursor }),
            clear: () => Promise.resolve(),
            close: () => undefined,
            persistence: 'memory',
            role: undefined,
          };
        },
      },
    });
    const t = track(client);
    // The constructor's connect() runs in a microtask; a macrotask turn later it has run. Not led
    // yet: it waits, and nothing else could open a socket.
    await turn();
    expect(client.state).toBe('offline');
    expect(t.events).toEqual([]);
    expect(host!.filterKey).toBe('');

    host!.setLeader(true);
    await until(() => client.state === 'live', 'live', 10_000);
    for (let i = 0; i < 5; i++) log.info(`m${i}`);
    await until(() => t.ids.length === 5, '5 messages', 10_000);
    const recordedIds = records.flatMap((r) => r.ids);
    expect(recordedIds).toEqual(logged);
    expect(records.at(-1)!.cursor).toEqual({ epoch: logwire.hub.epoch, id: logged[4] });

    // Another tab leads: the socket goes, the state says live (fed by that tab), entries it emits show once.
    host!.setLeader(false);
    expect(client.state).toBe('live');
    host!.emit([{ type: 'gap', data: { from: null, to: null, reason: 'trimmed' } }]);
    expect(t.events.at(-1)).toBe('gap trimmed');
    log.info('m5');
    // An absence needs elapsed time: m5 would reach a socket that was still open within a few ms.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.ids).toEqual(logged.slice(0, 5));

    // Leading again from an older stored cursor does not repeat what was shown.
    host!.resumeFrom({ epoch: logwire.hub.epoch, id: logged[2]! });
    host!.setLeader(true);
    await until(() => t.ids.length === 6, 'the message logged meanwhile', 10_000);
    expect(t.ids).toEqual(logged);
  });
});
