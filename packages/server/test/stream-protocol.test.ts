import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { createLogwire, type Logwire, type LogwireOptions } from '../src/index.js';
import type { LogStreamEndpointOptions } from '../src/transport/ws-endpoint.js';
import { until, turn } from '../../../test/helpers/wait.js';
import { connect, type Frame, type RawClient } from './stream-helpers.js';

let logwire: Logwire | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await logwire?.close();
  logwire = undefined;
  vi.restoreAllMocks();
});

async function start(options: LogwireOptions = {}, endpoint: LogStreamEndpointOptions = {}): Promise<{ lw: Logwire; url: string }> {
  const lw = createLogwire({ callsite: false, ...options });
  logwire = lw;
  const { address } = await lw.listen(0, '127.0.0.1', endpoint);
  return { lw, url: `ws://127.0.0.1:${address.port}/ws/logs` };
}

async function open(url: string, hello?: Record<string, unknown>): Promise<RawClient> {
  const client = await connect(url, hello);
  clients.push(client);
  return client;
}

const texts = (frames: Frame[]) => frames.map((frame) => frame.data.message as string);
const batches = (client: RawClient) => client.frames.filter((frame) => frame.type === 'batch');
const ofType = (client: RawClient, type: string) => client.frames.filter((frame) => frame.type === type);

/** Logs `count` system messages "<prefix>0".. in one turn; resolves with their ids once flushed. */
async function logMany(lw: Logwire, prefix: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  const off = lw.hub.on((batch) => ids.push(...batch.map((m) => m.id)));
  const log = lw.getLogger('app');
  for (let i = 0; i < count; i++) log.info(`${prefix}${i}`);
  lw.hub.flush();
  off();
  return ids;
}

describe('hello and welcome', () => {
  it('answers a fresh hello with welcome, the recent tail as one batch, then live batches', async () => {
    const { lw, url } = await start();
    const before = await logMany(lw, 'old', 3);
    const client = await open(url, {});
    await client.until(() => batches(client).length === 1);
    const [welcome, first] = client.frames;
    expect(welcome).toMatchObject({
      type: 'welcome',
      data: {
        v: 1,
        epoch: lw.hub.epoch,
        head: before[2],
        mode: 'fresh',
        ping: 25000,
        audit: true,
        filter: { types: ['system_log', 'audit_log'], level: 'TRACE', loggers: [], text: '' },
      },
    });
    expect(first?.data).toMatchObject({ epoch: lw.hub.epoch, from: null, to: before[2] });
    expect(first?.data.replay).toBeUndefined();
    expect(texts(first!.data.messages)).toEqual(['old0', 'old1', 'old2']);
    const live = await logMany(lw, 'new', 2);
    await client.until(() => batches(client).length === 2);
    const second = batches(client)[1]!;
    expect(second.data).toMatchObject({ from: before[2], to: live[1] });
    expect(second.data.messages.map((m: Frame) => m.id)).toEqual(live);
  });

  it('resumes exactly after the cursor: the missed messages once, then live', async () => {
    const { lw, url } = await start();
    const first = await logMany(lw, 'a', 4);
    const missed = await logMany(lw, 'b', 5);
    const client = await open(url, { cursor: { epoch: lw.hub.epoch, id: first[3] } });
    await client.until(() => batches(client).length === 1);
    expect(client.frames[0]?.data.mode).toBe('resumed');
    expect(batches(client)[0]?.data).toMatchObject({ from: first[3], to: missed[4] });
    expect(client.messages().map((m) => m.id)).toEqual(missed);
    const live = await logMany(lw, 'c', 1);
    await client.until(() => client.messages().length === 6);
    expect(batches(client)[1]?.data).toMatchObject({ from: missed[4], to: live[0] });
  });

  it('keeps the seeds behaviour for a client that never sends anything: history then one message per frame', async () => {
    const { lw, url } = await start();
    await logMany(lw, 'h', 2);
    const client = await open(url);
    await client.until((f) => f.length === 2);
    await logMany(lw, 'l', 2);
    await client.until((f) => f.length === 4);
    expect(client.frames.map((f) => [f.type, Object.keys(f).filter((k) => k !== 'raw')])).toEqual(
      Array(4).fill(['system_log', ['type', 'id', 'data']]),
    );
    expect(texts(client.frames)).toEqual(['h0', 'h1', 'l0', 'l1']);
  });

  it('switches a legacy connection to the extended protocol on a late hello, replaying from its cursor', async () => {
    const { lw, url } = await start({}, { helloTimeout: 20 });
    const early = await logMany(lw, 'e', 3);
    const client = await open(url);
    await client.until((f) => f.length === 3);
    const missed = await logMany(lw, 'm', 2);
    await client.until((f) => f.length === 5);
    client.send({ type: 'hello', data: { v: 1, cursor: { epoch: lw.hub.epoch, id: early[0] } } });
    await client.until(() => batches(client).length === 1);
    const after = client.frames.slice(5);
    expect(after[0]).toMatchObject({ type: 'welcome', data: { mode: 'resumed' } });
    expect(after[1]?.data.messages.map((m: Frame) => m.id)).toEqual([early[1], early[2], ...missed]);
  });

  it('closes with 4000 on an unsupported protocol version', async () => {
    const { url } = await start();
    const client = await open(url, { v: 2 });
    expect(await client.closed).toEqual({ code: 4000, reason: 'Unsupported protocol version 2; this server speaks 1' });
  });

  it('answers an invalid message with an error frame and keeps the stream going', async () => {
    const { lw, url } = await start();
    const client = await open(url, {});
    await client.until(() => batches(client).length === 1);
    client.send('{not json');
    client.send({ type: 'subscribe', data: { filter: { level: 'LOUD' } } });
    await client.until(() => ofType(client, 'error').length === 2);
    expect(ofType(client, 'error').map((f) => f.data.code)).toEqual(['bad_message', 'bad_message']);
    const ids = await logMany(lw, 'x', 1);
    await client.until(() => client.messages().some((m) => m.id === ids[0]));
  });
});

describe('gaps', () => {
  it('reports a trimmed history with the exact range and count, then replays what is held', async () => {
    const { lw, url } = await start({ historySize: 5 });
    const all = await logMany(lw, 'm', 12);
    const client = await open(url, { cursor: { epoch: lw.hub.epoch, id: all[2] } });
    await client.until(() => batches(client).length === 1);
    expect(client.frames[0]?.data.mode).toBe('gap');
    expect(client.frames[1]).toMatchObject({
      type: 'gap',
      data: { from: all[2], to: all[6], reason: 'trimmed', count: 4, epoch: lw.hub.epoch },
    });
    expect(batches(client)[0]?.data).toMatchObject({ from: all[6], to: all[11] });
    expect(client.messages().map((m) => m.id)).toEqual(all.slice(7));
  });

  it('reports an epoch change from the cursor, then replays the new epoch from its start', async () => {
    const { lw, url } = await start();
    const all = await logMany(lw, 'n', 2);
    const client = await open(url, { cursor: { epoch: 'previous', id: '1700000000000-5' } });
    await client.until(() => batches(client).length === 1);
    expect(client.frames[1]).toMatchObject({
      type: 'gap',
      data: { from: '1700000000000-5', to: null, reason: 'epoch', epoch: 'previous' },
    });
    expect(batches(client)[0]?.data).toMatchObject({ epoch: lw.hub.epoch, from: null, to: all[1] });
    expect(client.messages().map((m) => m.id)).toEqual(all);
  });

  it('caps a replay at maxReplay and reports the skipped part as a limit gap', async () => {
    const { lw, url } = await start({}, { maxReplay: 3 });
    const all = await logMany(lw, 'r', 11);
    const client = await open(url, { cursor: { epoch: lw.hub.epoch, id: all[0] } });
    await client.until(() => batches(client).length === 1);
    expect(client.frames[1]).toMatchObject({ type: 'gap', data: { from: all[0], to: all[7], reason: 'limit', count: 7 } });
    expect(client.messages().map((m) => m.id)).toEqual(all.slice(8));
  });

  it('stops live pushes to a client that stops reading, catches it up as it drains, and reports what left the history as dropped', async () => {
    const { lw, url } = await start({ historySize: 1000 }, { highWaterMark: 64 * 1024, lowWaterMark: 16 * 1024 });
    const all: string[] = [];
    lw.hub.on((batch) => all.push(...batch.map((m) => m.id)));
    const slow = await open(url, {});
    await slow.until(() => batches(slow).length === 1);
    const socket = (slow.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    const log = lw.getLogger('app');
    const pad = 'y'.repeat(500);
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 500; i++) log.info(`r${round}.${i} ${pad}`);
      await turn(); // the hub flushes and the endpoint writes between rounds
    }
    socket.resume();
    await slow.until(
      () => batches(slow).at(-1)?.data.to === all.at(-1) && batches(slow).at(-1)?.data.replay === undefined,
      20_000,
      'caught up',
    );
    const gaps = ofType(slow, 'gap');
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    // Every gap is exact: it starts where the last batch ended and the next batch starts where it ends.
    for (const gap of gaps) {
      const index = slow.frames.indexOf(gap);
      const before = slow.frames
        .slice(0, index)
        .filter((f) => f.type === 'batch')
        .at(-1)!;
      const after = slow.frames.slice(index + 1).find((f) => f.type === 'batch')!;
      expect(gap.data).toEqual({
        from: before.data.to,
        to: after.data.from,
        reason: 'dropped',
        count: all.indexOf(gap.data.to!) - all.indexOf(gap.data.from!),
        epoch: lw.hub.epoch,
      });
      expect(after.data.messages[0]?.id).toBe(all[all.indexOf(gap.data.to!) + 1]);
    }
    // Nothing else is missing, and nothing came twice.
    const received = slow.messages().map((m) => m.id);
    const missing = gaps.reduce((sum, gap) => sum + (gap.data.count as number), 0);
    expect(new Set(received).size).toBe(received.length);
    expect(received.length + missing).toBe(all.length);
  });

  it('pages a long replay and says when the client is live', async () => {
    const { lw, url } = await start({}, { replayPage: 4 });
    const all = await logMany(lw, 'p', 10);
    const client = await open(url, { cursor: { epoch: lw.hub.epoch, id: all[0] } });
    await client.until(() => batches(client).some((b) => b.data.replay === undefined));
    // Pages end before ordinals that are multiples of the page size (so readers line up and share them).
    expect(batches(client).map((b) => [b.data.from, b.data.to, b.data.messages.length, b.data.replay ?? false])).toEqual([
      [all[0], all[3], 3, true],
      [all[3], all[7], 4, true],
      [all[7], all[9], 2, false],
    ]);
  });
});

describe('server-side filters', () => {
  it('applies types, level, logger globs with negation and text; audit survives any level', async () => {
    const { lw, url } = await start();
    const client = await open(url, { filter: { level: 'WARNING', loggers: ['orch.*', '!orch.health'], text: 'disk' } });
    await client.until(() => batches(client).length === 1);
    lw.getLogger('orch.store').warning('Disk almost full');
    lw.getLogger('orch.store').info('disk check ok');
    lw.getLogger('orch.health').error('disk probe failed');
    lw.getLogger('other').error('disk gone');
    lw.getLogger('orch.store').error('network down');
    lw.getLogger('orch.audit').audit('disk_wipe', { disk: 'sda' }, { level: 'DEBUG' });
    const ids = await logMany(lw, 'tail', 0);
    void ids;
    await client.until(() => client.messages().length === 2);
    expect(client.messages().map((m) => m.data.message)).toEqual(['Disk almost full', 'disk_wipe']);
  });

  it('changes the filter without reconnecting, and filtered-out messages still advance the range', async () => {
    const { lw, url } = await start();
    const client = await open(url, { filter: { types: ['audit_log'] } });
    await client.until(() => batches(client).length === 1);
    const skipped = await logMany(lw, 's', 3);
    await client.until(() => batches(client).length === 2);
    expect(batches(client)[1]?.data).toMatchObject({ from: null, to: skipped[2], messages: [] });
    client.send({ type: 'subscribe', data: { filter: { types: ['system_log'], level: 'info' } } });
    await client.until(() => ofType(client, 'subscribed').length === 1);
    expect(ofType(client, 'subscribed')[0]?.data).toEqual({
      filter: { types: ['system_log'], level: 'INFO', loggers: [], text: '' },
      at: skipped[2],
    });
    const shown = await logMany(lw, 'v', 2);
    await client.until(() => client.messages().length === 2);
    expect(batches(client)[2]?.data).toMatchObject({ from: skipped[2], to: shown[1] });
    expect(client.messages().map((m) => m.id)).toEqual(shown);
  });
});

describe('batching', () => {
  it('sends the messages of one turn as one batch, the same Buffer to every socket of a filter group', async () => {
    const sends: { socket: WebSocket; data: unknown }[] = [];
    const { lw, url } = await start();
    const a = await open(url, {});
    const b = await open(url, {});
    const c = await open(url, { filter: { level: 'ERROR' } });
    await Promise.all([a, b, c].map((client) => client.until(() => batches(client).length === 1)));
    const original = WebSocket.prototype.send;
    vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (this: WebSocket, data: unknown, ...rest: unknown[]) {
      sends.push({ socket: this, data });
      return (original as (...args: unknown[]) => void).call(this, data, ...rest);
    });
    const log = lw.getLogger('app');
    for (let i = 0; i < 10; i++) log.info(`line ${i}`);
    log.error('bad');
    await Promise.all([a, b].map((client) => client.until(() => batches(client).length === 2)));
    await c.until(() => batches(c).length === 2);
    const serverSends = sends.filter((s) => Buffer.isBuffer(s.data));
    expect(serverSends).toHaveLength(3);
    expect(serverSends[0]?.data).toBe(serverSends[1]?.data);
    expect(serverSends[2]?.data).not.toBe(serverSends[0]?.data);
    expect(batches(a)[1]?.data.messages).toHaveLength(11);
    expect(batches(a)[1]?.raw).toBe(batches(b)[1]?.raw);
    expect(texts(batches(c)[1]!.data.messages)).toEqual(['bad']);
  });

  it('groups clients by filter whatever order they connected in: equal filters share one Buffer, each group gets its own', async () => {
    const sends: { socket: WebSocket; data: unknown }[] = [];
    const { lw, url } = await start();
    // Interleaved: every client, error-only, every client, error-only, warning and up.
    const specs = [{}, { filter: { level: 'ERROR' } }, {}, { filter: { level: 'ERROR' } }, { filter: { level: 'WARNING' } }];
    const clients = [];
    for (const spec of specs) clients.push(await open(url, spec));
    await Promise.all(clients.map((client) => client.until(() => batches(client).length === 1)));
    const original = WebSocket.prototype.send;
    vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (this: WebSocket, data: unknown, ...rest: unknown[]) {
      sends.push({ socket: this, data });
      return (original as (...args: unknown[]) => void).call(this, data, ...rest);
    });
    const log = lw.getLogger('app');
    log.info('fine');
    log.warning('odd');
    log.error('bad');
    await Promise.all(clients.map((client) => client.until(() => batches(client).length === 2)));
    const data = sends.filter((s) => Buffer.isBuffer(s.data)).map((s) => s.data);
    expect(data).toHaveLength(5);
    // Groups in the order their first client connected: every client (1st, 3rd), error-only (2nd, 4th), warning.
    expect(data[0]).toBe(data[1]);
    expect(data[2]).toBe(data[3]);
    expect(new Set(data).size).toBe(3);
    expect(clients.map((client) => texts(batches(client)[1]!.data.messages))).toEqual([
      ['fine', 'odd', 'bad'],
      ['bad'],
      ['fine', 'odd', 'bad'],
      ['bad'],
      ['odd', 'bad'],
    ]);
  });

  it('flushes at 256 messages within a turn, and delivers a lone message at once', async () => {
    const { lw, url } = await start();
    const client = await open(url, {});
    await client.until(() => batches(client).length === 1);
    const log = lw.getLogger('app');
    for (let i = 0; i < 600; i++) log.info(`m${i}`);
    await client.until(() => client.messages().length === 600);
    expect(
      batches(client)
        .slice(1)
        .map((b) => b.data.messages.length),
    ).toEqual([256, 256, 88]);
    log.info('alone');
    await client.until(() => client.messages().length === 601);
    expect(batches(client).at(-1)?.data.messages.length).toBe(1);
  });
});

describe('ids', () => {
  it('increase strictly within an epoch and have the shape of Redis Streams entry ids', async () => {
    const { lw } = await start();
    const ids = await logMany(lw, 'i', 2000);
    for (const id of ids) expect(id).toMatch(/^\d{13}-\d+$/);
    const parsed = ids.map((id) => id.split('-').map(Number) as [number, number]);
    for (let i = 1; i < parsed.length; i++) {
      const [ms, seq] = parsed[i]!;
      const [pms, pseq] = parsed[i - 1]!;
      expect(ms > pms || (ms === pms && seq === pseq + 1)).toBe(true);
    }
  });

  it('continue after restored history in the same epoch, so a cursor from before a restart resumes', async () => {
    const first = createLogwire({ callsite: false, epoch: 'kept' });
    const earlier = await logMany(first, 'x', 3);
    const held = first.hub.after(undefined);
    await first.close();
    const { lw, url } = await start({ epoch: 'kept' });
    lw.hub.restore(held);
    const later = await logMany(lw, 'y', 2);
    const client = await open(url, { cursor: { epoch: 'kept', id: earlier[1] } });
    await client.until(() => batches(client).length === 1);
    expect(client.frames[0]?.data.mode).toBe('resumed');
    expect(client.messages().map((m) => m.id)).toEqual([earlier[2], ...later]);
  });
});

describe('endpoint stats', () => {
  it('counts clients, those catching up, and the largest unread backlog', async () => {
    const lw = createLogwire({ callsite: false });
    logwire = lw;
    const { endpoint, address } = await lw.listen(0, '127.0.0.1', { helloTimeout: 50 });
    const url = `ws://127.0.0.1:${address.port}/ws/logs`;
    expect(endpoint.stats()).toEqual({ clients: 0, catchingUp: 0, maxBufferedBytes: 0, replayPagesEncoded: 0, replayPagesShared: 0 });
    const extended = await open(url, {});
    const legacy = await open(url);
    await extended.until(() => batches(extended).length === 1, 10_000, 'the extended client to be live');
    expect(endpoint.stats()).toEqual({ clients: 2, catchingUp: 0, maxBufferedBytes: 0, replayPagesEncoded: 0, replayPagesShared: 0 });
    extended.ws.close();
    legacy.ws.close();
    await until(
      () => endpoint.stats().clients === 0,
      () => `no clients (stats: ${JSON.stringify(endpoint.stats())})`,
    );
    expect(endpoint.stats().clients).toBe(0);
  });
});

describe('faults during a broadcast', () => {
  it('a client failing, closing or joining mid-broadcast never disturbs the others', async () => {
    const { lw, url } = await start({}, { helloTimeout: 50 });
    const extended = await Promise.all([open(url, {}), open(url, {}), open(url, {})]);
    const legacy = await Promise.all([open(url), open(url), open(url)]);
    await Promise.all(extended.map((client) => client.until(() => batches(client).length === 1)));
    // A client becomes legacy by the absence of a hello for helloTimeout (50 ms), which nothing on the
    // wire signals: elapsed time is needed. The hello timers were set before this 100 ms timer, so
    // they have all fired when it does.
    await new Promise((resolve) => setTimeout(resolve, 100));

    // Fault injection inside the broadcast loop: the 2nd socket written in a turn throws from send,
    // the 4th has its TCP socket destroyed just before its write.
    const original = WebSocket.prototype.send;
    let writesThisTurn = 0;
    let faults = 0;
    vi.spyOn(WebSocket.prototype, 'send').mockImplementation(function (this: WebSocket, data: unknown, ...rest: unknown[]) {
      if (Buffer.isBuffer(data) && faults < 2) {
        writesThisTurn++;
        if (writesThisTurn === 2) {
          faults++;
          throw new Error('injected send failure');
        }
        if (writesThisTurn === 4) {
          faults++;
          (this as unknown as { _socket: { destroy(): void } })._socket.destroy();
        }
      }
      return (original as (...args: unknown[]) => void).call(this, data, ...rest);
    });

    const log = lw.getLogger('app');
    const ids: string[] = [];
    const off = lw.hub.on((batch) => ids.push(...batch.map((m) => m.id)));
    const joiners: Promise<Awaited<ReturnType<typeof open>>>[] = [];
    for (let round = 0; round < 20; round++) {
      writesThisTurn = 0;
      for (let i = 0; i < 10; i++) log.info(`t${round}.${i}`);
      lw.hub.flush();
      if (round === 5) joiners.push(open(url, {}), open(url));
      await turn();
    }
    off();
    vi.restoreAllMocks();
    const late = await Promise.all(joiners);
    expect(faults).toBe(2);

    // Every original client still connected holds every id once, in order; at most the two
    // faulted ones are gone, and no one else was touched.
    const originals = [...extended, ...legacy];
    await until(
      () => originals.every((client) => client.ws.readyState !== WebSocket.OPEN || client.messages().length >= ids.length),
      'every original client to be closed or to hold every message',
    );
    const open_ = originals.filter((client) => client.ws.readyState === WebSocket.OPEN);
    expect(open_.length).toBeGreaterThanOrEqual(originals.length - 2);
    for (const client of open_) {
      await client.until(() => client.messages().length >= ids.length, 10_000, 'every message');
      expect(client.messages().map((m) => m.id)).toEqual(ids);
    }
    // The clients that joined mid-stream see each message at most once, in order, ending with the last.
    for (const client of late) {
      await client.until(() => client.messages().at(-1)?.id === ids.at(-1), 10_000, 'the newest message');
      const got = client.messages().map((m) => m.id as string);
      expect(new Set(got).size).toBe(got.length);
      expect(got).toEqual(ids.slice(ids.indexOf(got[0]!)));
    }
  });
});
