import type * as protocol from '@logwire/protocol';
import { batchFrame } from '@logwire/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LogHub } from '../src/hub/log-hub.js';
import { LogStreamEndpoint } from '../src/transport/ws-endpoint.js';
import { connect, type Frame, type RawClient } from './stream-helpers.js';

// Catch-up pages are encoded once and shared by every client at the same place with the same
// filter (src/transport/replay-pages.ts): counted here by the calls of the protocol's encoder.
vi.mock('@logwire/protocol', async (importOriginal) => {
  const actual = await importOriginal<typeof protocol>();
  return { ...actual, batchFrame: vi.fn(actual.batchFrame) };
});

let endpoint: LogStreamEndpoint | undefined;
const clients: RawClient[] = [];

beforeEach(() => {
  vi.mocked(batchFrame).mockClear();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await endpoint?.close();
  endpoint = undefined;
});

/** A hub holding m0…m12 (ordinals 0–12) served with `replayPage`; resolves with its url and the ids. */
async function start(replayPage: number): Promise<{ hub: LogHub; url: string; ids: string[] }> {
  const hub = new LogHub();
  const ids: string[] = [];
  for (let i = 0; i < 13; i++) {
    const data = JSON.stringify({ timestamp: new Date(0).toISOString(), level: 'INFO', logger: 'app', message: `m${i}` });
    ids.push(hub.publish({ type: 'system_log', time: 0, level: 20, logger: 'app', data })!.id);
  }
  hub.flush();
  endpoint = new LogStreamEndpoint(hub, { replayPage });
  const address = await endpoint.listen(0);
  return { hub, url: `ws://127.0.0.1:${address.port}/ws/logs`, ids };
}

async function resumeFrom(url: string, epoch: string, id: string): Promise<RawClient> {
  const client = await connect(url, { cursor: { epoch, id } });
  clients.push(client);
  return client;
}

const batches = (client: RawClient): Frame[] => client.frames.filter((frame) => frame.type === 'batch');
const live = (client: RawClient) => client.until((frames) => frames.some((f) => f.type === 'batch' && f.data.replay === undefined));
const encodesSince = (calls: number) => vi.mocked(batchFrame).mock.calls.length - calls;

describe('shared replay pages', () => {
  it('encodes each catch-up page once for all clients resuming from the same cursor', async () => {
    const { hub, url, ids } = await start(4);
    const before = vi.mocked(batchFrame).mock.calls.length;
    const three = await Promise.all([0, 1, 2].map(() => resumeFrom(url, hub.epoch, ids[0]!)));
    await Promise.all(three.map(live));
    // Pages end before ordinals that are multiples of 4: m1–m3, m4–m7, m8–m11, then m12 (live).
    const [first, ...others] = three.map((client) => batches(client).map((b) => b.raw));
    expect(batches(three[0]!).map((b) => b.data.messages.map((m) => m.data.message))).toEqual([
      ['m1', 'm2', 'm3'],
      ['m4', 'm5', 'm6', 'm7'],
      ['m8', 'm9', 'm10', 'm11'],
      ['m12'],
    ]);
    for (const bytes of others) expect(bytes).toEqual(first);
    expect(encodesSince(before)).toBe(4);
    expect(endpoint!.stats()).toMatchObject({ replayPagesEncoded: 4, replayPagesShared: 8 });
  });

  it('lines up clients that resume from different cursors on the same pages after their first', async () => {
    const { hub, url, ids } = await start(4);
    const before = vi.mocked(batchFrame).mock.calls.length;
    const early = await resumeFrom(url, hub.epoch, ids[0]!);
    await live(early);
    const late = await resumeFrom(url, hub.epoch, ids[2]!);
    await live(late);
    const pages = (client: RawClient) => batches(client).map((b) => [b.data.from, b.data.to, b.data.messages.length]);
    expect(pages(early)).toEqual([
      [ids[0], ids[3], 3],
      [ids[3], ids[7], 4],
      [ids[7], ids[11], 4],
      [ids[11], ids[12], 1],
    ]);
    expect(pages(late)).toEqual([
      [ids[2], ids[3], 1],
      [ids[3], ids[7], 4],
      [ids[7], ids[11], 4],
      [ids[11], ids[12], 1],
    ]);
    // Only the late client's first page is its own.
    expect(encodesSince(before)).toBe(5);
    expect(
      batches(late)
        .slice(1)
        .map((b) => b.raw),
    ).toEqual(
      batches(early)
        .slice(1)
        .map((b) => b.raw),
    );
  });

  it('encodes separately for clients whose filters differ', async () => {
    const { hub, url, ids } = await start(4);
    const before = vi.mocked(batchFrame).mock.calls.length;
    const all = await resumeFrom(url, hub.epoch, ids[0]!);
    await live(all);
    const filtered = await connect(url, { cursor: { epoch: hub.epoch, id: ids[0] }, filter: { text: 'm1' } });
    clients.push(filtered);
    await live(filtered);
    expect(filtered.messages().map((m) => m.data.message)).toEqual(['m1', 'm10', 'm11', 'm12']);
    expect(encodesSince(before)).toBe(8);
  });
});
