// The replay buffer wired into the real client and panel, end to end: headless Chromium (driven by
// puppeteer-core) loads a dashboard page whose <system-log-panel> is fed by a LogStreamClient with
// `replay()`, streaming from a real logwire server through a TCP relay the test can hold (so a
// socket cannot open) and count (sockets per moment).
import { createServer, type Server, Socket } from 'node:net';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '@logwire/server';
import { startReplayAppServer } from '../helpers/replay-app-server.mjs';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import type * as Client from '@logwire/client';
import { until } from '../helpers/wait.js';

/** A TCP relay in front of the log server: `hold` keeps new connections waiting, `kill` drops all. */
class Relay {
  readonly server: Server;
  hold = false;
  /** Connections relayed right now, and the most at once since `resetPeak()`. */
  open = 0;
  peak = 0;
  relayed = 0;
  #waiting: (() => void)[] = [];
  #sockets = new Set<Socket>();

  constructor(upstreamPort: number) {
    this.server = createServer((down) => {
      this.#sockets.add(down);
      down.on('close', () => this.#sockets.delete(down));
      down.on('error', () => undefined);
      const go = () => {
        if (down.destroyed) return;
        const up = new Socket();
        this.#sockets.add(up);
        this.open++;
        this.relayed++;
        this.peak = Math.max(this.peak, this.open);
        let closed = false;
        const done = () => {
          if (closed) return;
          closed = true;
          this.open--;
          down.destroy();
          up.destroy();
        };
        up.on('error', done);
        up.on('close', done);
        down.on('close', done);
        up.connect(upstreamPort, '127.0.0.1', () => {
          down.pipe(up);
          up.pipe(down);
        });
      };
      if (this.hold) this.#waiting.push(go);
      else go();
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  release(): void {
    this.hold = false;
    for (const go of this.#waiting.splice(0)) go();
  }

  resetPeak(): void {
    this.peak = this.open;
  }

  kill(): void {
    for (const socket of this.#sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.kill();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

interface AppWindow {
  appReady?: boolean;
  app: {
    opened: number;
    restored?: { entries: number; cursor?: { epoch: string; id: string }; persistence: string };
    restoredAt?: number;
    paintedAt?: number;
    paintedRows: number;
    openedBeforePaint?: number;
    roles: Array<[string, number]>;
    ids: () => string[];
    items: () => string[];
    client: { state: string; role?: string; persistence?: string; clear: () => Promise<void>; close: () => void };
  };
}

let browser: Browser;
let app: Awaited<ReturnType<typeof startReplayAppServer>>;
let logwire: Logwire | undefined;
let relay: Relay | undefined;

beforeAll(async () => {
  app = await startReplayAppServer();
  browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

afterEach(async () => {
  for (const page of await browser.pages()) await page.close();
  await relay?.close();
  await logwire?.close();
  relay = undefined;
  logwire = undefined;
});

/** A real server behind a relay; `logged` collects every id the server published, in order. */
async function startServer(options: { historySize?: number } = {}) {
  logwire = createLogwire({ callsite: false, ...options });
  // The dashboard page comes from another port (another origin): the stream admits it only with the explicit opt-in.
  const { address } = await logwire.listen(0, '127.0.0.1', { allowedOrigins: '*' });
  relay = new Relay(address.port);
  const port = await relay.listen();
  const logged: string[] = [];
  logwire.hub.on((batch) => {
    for (const message of batch) logged.push(message.id);
  });
  const log = logwire.getLogger('dashboard.replay');
  let n = 0;
  /** Logs `count` messages, yielding to the event loop every 250 so they go out in several batches. */
  const logMany = async (count: number) => {
    for (let i = 0; i < count; i++) {
      log.info(`m${n++}`);
      if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { url: `ws://127.0.0.1:${port}/ws/logs`, logged, logMany, relay: relay, logwire: logwire };
}

async function openApp(query: Record<string, string>, page?: Page): Promise<Page> {
  const target = page ?? (await browser.newPage());
  await target.goto(`${app.origin}/?${new URLSearchParams(query)}`);
  await target.waitForFunction(() => (window as unknown as AppWindow).appReady === true);
  return target;
}

const ids = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).app.ids());
const items = (page: Page) => page.evaluate(() => (window as unknown as AppWindow).app.items());
const appState = (page: Page) =>
  page.evaluate(() => {
    const { app } = window as unknown as AppWindow;
    return {
      opened: app.opened,
      restored: app.restored,
      paintedAt: app.paintedAt,
      paintedRows: app.paintedRows,
      openedBeforePaint: app.openedBeforePaint,
      state: app.client.state,
      role: app.client.role,
      persistence: app.client.persistence,
      roles: app.roles,
    };
  });

/** The stored cursor of a stream, read through a second buffer instance in the page. */
const storedCursorId = (page: Page, db: string, url: string) =>
  page.evaluate(
    async (db, url) => {
      const { openReplayBuffer, streamKey } = (window as unknown as { lw: Pick<typeof Client, 'openReplayBuffer' | 'streamKey'> }).lw;
      const buffer = await openReplayBuffer({ name: db });
      const cursor = await buffer.cursor(streamKey(new URL(url).href, ''));
      await buffer.close();
      return cursor?.id;
    },
    db,
    url,
  );

describe('replay buffer in the dashboard (Chromium, real server)', () => {
  it('after a reload, paints the newest 1,000 of 5,000 from IndexedDB before the socket opens, then resumes with every id once, in order', async () => {
    const server = await startServer();
    const db = `reload-${Date.now()}`;
    const page = await openApp({ ws: server.url, db });
    await until(async () => (await appState(page)).state === 'live', 'first page live', 15_000);
    expect((await appState(page)).persistence).toBe('indexeddb');

    await server.logMany(5000);
    await until(async () => (await ids(page)).length === 5000, '5,000 rows in the panel', 30_000);
    expect(await ids(page)).toEqual(server.logged);
    // Wait until the last batch is committed, so that the reload has a known snapshot to paint.
    await until(async () => (await storedCursorId(page, db, server.url)) === server.logged.at(-1), 'cursor committed', 15_000);

    // From now on no socket can open; messages keep coming (logged while the page reloads).
    server.relay.hold = true;
    server.relay.kill();
    await server.logMany(200);
    await page.reload();
    await page.waitForFunction(() => (window as unknown as AppWindow).appReady === true);
    await server.logMany(200);

    // The panel paints from IndexedDB while the socket is held.
    await until(
      async () => (await appState(page)).paintedAt !== undefined && (await ids(page)).length === 1000,
      'restored rows painted',
      15_000,
    );
    const restored = await appState(page);
    expect(restored.restored).toEqual({
      entries: 1000,
      cursor: { epoch: server.logwire.hub.epoch, id: server.logged[4999] },
      persistence: 'indexeddb',
    });
    expect(restored.opened).toBe(0);
    expect(restored.openedBeforePaint).toBe(0);
    expect(restored.paintedRows).toBeGreaterThan(0);
    expect(await ids(page)).toEqual(server.logged.slice(4000, 5000));

    server.relay.release();
    await until(async () => (await ids(page)).at(-1) === server.logged.at(-1), 'resumed to the newest message', 15_000);
    const shown = await ids(page);
    expect(server.logged.length).toBe(5400);
    expect(shown).toEqual(server.logged.slice(4000));
    expect(new Set(shown).size).toBe(1400);
    expect((await appState(page)).opened).toBe(1);
  });

  it('stores gap markers, so a reload still shows them in the panel', async () => {
    const server = await startServer({ historySize: 50 });
    const db = `gap-${Date.now()}`;
    const page = await openApp({ ws: server.url, db, limit: '500' });
    await until(async () => (await appState(page)).state === 'live', 'page live', 15_000);
    await server.logMany(10);
    await until(async () => (await ids(page)).length === 10, '10 rows', 15_000);

    // Drop the connection and keep the client out while 100 messages are logged: the server's
    // history (50) no longer reaches back to the client's cursor.
    server.relay.hold = true;
    server.relay.kill();
    await until(
      async () => (await appState(page)).state === 'offline' || (await appState(page)).state === 'connecting',
      'disconnected',
      15_000,
    );
    await server.logMany(100);
    server.relay.release();
    await until(async () => (await ids(page)).at(-1) === server.logged.at(-1), 'caught up after the gap', 15_000);
    const before = await items(page);
    expect(before.filter((item) => item.startsWith('gap:'))).toEqual(['gap:trimmed']);
    expect(before.slice(0, 10)).toEqual(server.logged.slice(0, 10));
    expect(before[10]).toBe('gap:trimmed');
    expect(before.slice(11)).toEqual(server.logged.slice(60));
    await until(async () => (await storedCursorId(page, db, server.url)) === server.logged.at(-1), 'cursor committed', 15_000);

    server.relay.hold = true;
    await page.reload();
    await page.waitForFunction(() => (window as unknown as AppWindow).appReady === true);
    await until(
      async () => (await appState(page)).restored !== undefined && (await items(page)).length === 61,
      'restored with the gap',
      15_000,
    );
    expect(await items(page)).toEqual(before);
    expect((await appState(page)).opened).toBe(0);
    server.relay.release();
  });

  it('clear() through the client removes everything stored, also while offline', async () => {
    const server = await startServer();
    const db = `clear-${Date.now()}`;
    const page = await openApp({ ws: server.url, db });
    await until(async () => (await appState(page)).state === 'live', 'page live', 15_000);
    await server.logMany(30);
    await until(async () => (await storedCursorId(page, db, server.url)) === server.logged.at(-1), 'cursor committed', 15_000);

    // Offline: nothing listens on the relay any more.
    await server.relay.close();
    relay = undefined;
    await until(async () => (await appState(page)).state === 'offline', 'offline', 15_000);
    await page.evaluate(() => (window as unknown as AppWindow).app.client.clear());
    expect(await storedCursorId(page, db, server.url)).toBe(undefined);

    await page.reload();
    await page.waitForFunction(() => (window as unknown as AppWindow).appReady === true);
    await until(async () => (await appState(page)).restored !== undefined, 'restore after clear', 15_000);
    expect((await appState(page)).restored).toEqual({ entries: 0, persistence: 'indexeddb' });
    expect(await ids(page)).toEqual([]);
  });

  it('two tabs share one socket; closing the leader hands over and the other panel shows every id once', async () => {
    const server = await startServer();
    const db = `tabs-${Date.now()}`;
    const a = await openApp({ ws: server.url, db });
    await until(async () => (await appState(a)).state === 'live', 'tab A live', 15_000);
    await server.logMany(100);
    await until(async () => (await storedCursorId(a, db, server.url)) === server.logged.at(-1), 'cursor committed', 15_000);

    const b = await openApp({ ws: server.url, db });
    await until(async () => (await appState(b)).role === 'follower', 'tab B follows', 15_000);
    expect((await appState(a)).role).toBe('leader');
    server.relay.resetPeak();
    await server.logMany(500);
    await until(async () => (await ids(b)).length === 600, 'B shows what A received', 15_000);
    expect(server.relay.open).toBe(1);
    expect(server.relay.peak).toBe(1);
    expect((await appState(b)).opened).toBe(0);

    // How long the handover takes is measured by bench/replay/handover.mjs.
    await a.close();
    // Wait for the recorded role event (the `role` property can change a moment before it).
    await until(async () => (await appState(b)).roles.some(([role]) => role === 'leader'), 'B leads', 15_000);
    const roles = (await appState(b)).roles;
    expect(roles.map(([role]) => role)).toEqual(['follower', 'leader']);
    // The closed tab's socket may still be in its closing handshake for a few ms when the new
    // leader's opens; from then on there is exactly one.
    await until(() => server.relay.open === 1, 'the old socket gone', 20_000);
    server.relay.resetPeak();
    await server.logMany(300);
    await until(async () => (await ids(b)).at(-1) === server.logged.at(-1), 'B shows the newest', 15_000);
    expect(await ids(b)).toEqual(server.logged);
    expect(server.logged.length).toBe(900);
    expect(server.relay.peak).toBe(1);
    expect(server.relay.open).toBe(1);
  });

  it('without tab coordination every tab connects on its own and both panels stay correct', async () => {
    const server = await startServer();
    const db = `solo-${Date.now()}`;
    const a = await openApp({ ws: server.url, db, tabs: 'off' });
    const b = await openApp({ ws: server.url, db, tabs: 'off' });
    await until(async () => (await appState(a)).state === 'live' && (await appState(b)).state === 'live', 'both live', 15_000);
    expect(server.relay.open).toBe(2);
    await server.logMany(600);
    await until(async () => (await ids(a)).length === 600 && (await ids(b)).length === 600, 'both panels full', 15_000);
    expect(await ids(a)).toEqual(server.logged);
    expect(await ids(b)).toEqual(server.logged);
    // Both tabs wrote the one stream: a reload of B paints it once, in order.
    await until(async () => (await storedCursorId(a, db, server.url)) === server.logged.at(-1), 'cursor committed', 15_000);
    await b.reload();
    await b.waitForFunction(() => (window as unknown as AppWindow).appReady === true);
    await until(async () => (await appState(b)).state === 'live', 'B live again', 15_000);
    await server.logMany(10);
    await until(async () => (await ids(b)).at(-1) === server.logged.at(-1), 'B caught up', 15_000);
    expect(await ids(b)).toEqual(server.logged);
    expect(server.logged.length).toBe(610);
  });

  it('a panel that makes its own client from src with panel.replay paints from IndexedDB after a reload before its socket opens', async () => {
    const server = await startServer();
    const db = `own-${Date.now()}`;
    const page = await openApp({ ws: server.url, db, own: '1' });
    await until(async () => (await appState(page)).opened === 1, 'socket open', 15_000);
    await server.logMany(300);
    await until(async () => (await ids(page)).length === 300, '300 rows', 15_000);
    await until(async () => (await storedCursorId(page, db, server.url)) === server.logged.at(-1), 'cursor committed', 15_000);

    server.relay.hold = true;
    server.relay.kill();
    await server.logMany(50);
    await page.reload();
    await page.waitForFunction(() => (window as unknown as AppWindow).appReady === true);
    await until(
      async () => (await appState(page)).paintedAt !== undefined && (await ids(page)).length === 300,
      'restored rows painted',
      15_000,
    );
    expect((await appState(page)).opened).toBe(0);
    expect((await appState(page)).openedBeforePaint).toBe(0);
    server.relay.release();
    await until(async () => (await ids(page)).at(-1) === server.logged.at(-1), 'resumed', 15_000);
    expect(await ids(page)).toEqual(server.logged);
    expect(server.logged.length).toBe(350);
  });

  it('without IndexedDB the same client API runs on a memory buffer (persistence "memory") and still streams every id once', async () => {
    const server = await startServer();
    const a = await openApp({ ws: server.url, noidb: '1' });
    const b = await openApp({ ws: server.url, noidb: '1' });
    await until(async () => (await appState(a)).state === 'live' && (await appState(b)).state === 'live', 'both live', 15_000);
    for (const page of [a, b]) {
      const state = await appState(page);
      expect(state.persistence).toBe('memory');
      expect(state.restored).toEqual({ entries: 0, persistence: 'memory' });
      // Other tabs cannot read this tab's memory: each leads on its own socket.
      expect(state.role).toBe('leader');
    }
    expect(server.relay.open).toBe(2);
    await server.logMany(200);
    await until(async () => (await ids(a)).length === 200 && (await ids(b)).length === 200, 'both panels full', 15_000);
    expect(await ids(a)).toEqual(server.logged);
    expect(await ids(b)).toEqual(server.logged);
  });
});
