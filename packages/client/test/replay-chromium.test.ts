// The replay buffer across real page reloads and real tabs: Node drives headless Chromium
// (puppeteer-core) on pages of one origin that load the replay module from source.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, createLogwire, type Logwire } from '@logwire/server';
import { bundleSource, serveScriptPage, startReplayPageServer } from '../../../test/helpers/replay-page-server.mjs';
import { CHROMIUM_ARGS, findChromium } from '../../../scripts/chromium.mjs';
import { until } from '../../../test/helpers/wait.js';
import type * as ClientModule from '../src/index.js';
import type * as Replay from '../src/replay/index.js';
import type { StreamEntry } from '@logwire/protocol';

/** What the test pages put on `window`. */
interface TestWindow {
  replay: typeof Replay;
  replayReady?: boolean;
  tab?: {
    shown: string[];
    roles: Array<[string, number]>;
    stop: () => void;
    buffer: Replay.ReplayBuffer;
  };
}

let browser: Browser;
let server: Awaited<ReturnType<typeof startReplayPageServer>>;

beforeAll(async () => {
  server = await startReplayPageServer();
  browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(server.origin);
  await page.waitForFunction(() => (window as unknown as TestWindow).replayReady === true);
  return page;
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${1000 + from + i}-0`);
}

// Each tab: paints from storage, follows or leads; a leader simulates its socket by appending
// 10 messages every 10 ms from the stored cursor, replaying the last 5 again (at-least-once). Like
// the stream client, a tab shows a message only if its id is after the last one it showed.
const startTab = async (name: string) => {
  const { replay } = window as unknown as TestWindow;
  const buffer = await replay.openReplayBuffer({ name, flushDelay: 20 });
  const stream = replay.streamKey('ws://server/ws/logs', '');
  const loaded = await buffer.load(stream, { limit: 1_000_000 });
  const shown: string[] = [];
  let last = -1;
  const show = (ids: string[]) => {
    for (const id of ids) {
      const n = Number(id.split('-')[0]);
      if (n > last) {
        shown.push(id);
        last = n;
      }
    }
  };
  const idsOf = (entries: Replay.StoredEntry[]) => entries.map((entry) => (entry.message.type === 'gap' ? 'gap' : entry.message.id!));
  show(idsOf(loaded.entries));
  const roles: Array<[string, number]> = [];
  const tabs = new replay.TabCoordinator(buffer, stream);
  let timer: ReturnType<typeof setInterval> | undefined;
  tabs.on('entries', (entries) => show(idsOf(entries)));
  tabs.on('role', async (role) => {
    roles.push([role, performance.timeOrigin + performance.now()]);
    clearInterval(timer);
    if (role !== 'leader') return;
    const cursor = await buffer.cursor(stream);
    let next = cursor === null ? 0 : Math.max(0, Number(cursor.id.split('-')[0]) - 1000 + 1 - 5);
    timer = setInterval(() => {
      const entries = Array.from({ length: 10 }, (_, i) => ({
        type: 'system_log' as const,
        id: `${1000 + next + i}-0`,
        data: { timestamp: 't', level: 'INFO', logger: 'test', message: 'x', module: '', function: '', line: 0 },
      }));
      next += 10;
      show(entries.map((entry) => entry.id));
      void buffer.append(stream, { entries, cursor: { epoch: 'e1', id: `${1000 + next - 1}-0` } });
    }, 10);
  });
  tabs.start(loaded.entries.at(-1)?.position ?? null);
  (window as unknown as TestWindow).tab = { shown, roles, buffer, stop: () => clearInterval(timer) };
};
const roleOf = (page: Page) => page.evaluate(() => (window as unknown as TestWindow).tab?.roles.at(-1)?.[0]);
const shownCount = (page: Page) => page.evaluate(() => (window as unknown as TestWindow).tab!.shown.length);

describe('replay buffer in Chromium across reloads and tabs', () => {
  it('shows the newest 1,000 of 5,000 messages and the cursor after a reload, then resumes with no loss and no duplicates', async () => {
    const page = await openPage();
    const written = await page.evaluate(async () => {
      const { replay } = window as unknown as TestWindow;
      const buffer = await replay.openReplayBuffer({ name: 'reload' });
      const stream = replay.streamKey('ws://server/ws/logs', '');
      const message = (n: number) => ({
        type: 'system_log' as const,
        id: `${1000 + n}-0`,
        data: { timestamp: '2026-01-01T00:00:00.000Z', level: 'INFO', logger: 'test', message: `m${n}`, module: '', function: '', line: 0 },
      });
      for (let n = 0; n < 5000; n += 50) {
        const entries: StreamEntry[] = Array.from({ length: 50 }, (_, i) => message(n + i));
        if (n === 4500) entries.unshift({ type: 'gap', data: { from: '5499-0', to: '5499-0', reason: 'dropped', count: 0 } });
        void buffer.append(stream, { entries, cursor: { epoch: 'e1', id: `${1000 + n + 49}-0` } });
      }
      await buffer.flush();
      return buffer.persistence;
    });
    expect(written).toBe('indexeddb');

    await page.reload();
    await page.waitForFunction(() => (window as unknown as TestWindow).replayReady === true);
    const painted = await page.evaluate(async () => {
      const { replay } = window as unknown as TestWindow;
      const buffer = await replay.openReplayBuffer({ name: 'reload' });
      const stream = replay.streamKey('ws://server/ws/logs', '');
      const { cursor, entries } = await buffer.load(stream);
      return {
        persistence: buffer.persistence,
        cursor,
        ids: entries.map((entry) => (entry.message.type === 'gap' ? 'gap' : entry.message.id)),
      };
    });
    expect(painted.persistence).toBe('indexeddb');
    expect(painted.cursor).toEqual({ epoch: 'e1', id: '5999-0' });
    expect(painted.ids).toEqual([...range(4001, 4500), 'gap', ...range(4500, 5000)]);

    // Resume: the server replays at least once from the cursor (here with a 20-message overlap).
    const all = await page.evaluate(async () => {
      const { replay } = window as unknown as TestWindow;
      const buffer = await replay.openReplayBuffer({ name: 'reload' });
      const stream = replay.streamKey('ws://server/ws/logs', '');
      const message = (n: number) => ({
        type: 'system_log' as const,
        id: `${1000 + n}-0`,
        data: { timestamp: '2026-01-01T00:00:00.000Z', level: 'INFO', logger: 'test', message: `m${n}`, module: '', function: '', line: 0 },
      });
      for (let n = 4980; n < 6000; n += 20)
        void buffer.append(stream, {
          entries: Array.from({ length: 20 }, (_, i) => message(n + i)),
          cursor: { epoch: 'e1', id: `${1000 + n + 19}-0` },
        });
      await buffer.flush();
      const { cursor, entries } = await buffer.load(stream, { limit: 100_000 });
      await buffer.clear();
      return { cursor, ids: entries.map((entry) => (entry.message.type === 'gap' ? 'gap' : entry.message.id)) };
    });
    expect(all.cursor).toEqual({ epoch: 'e1', id: '6999-0' });
    expect(all.ids).toEqual([...range(0, 4500), 'gap', ...range(4500, 6000)]);
    await page.close();
  }, 60_000);

  it('keeps entries and cursor consistent when the page reloads in the middle of writing', async () => {
    const page = await openPage();
    await page.evaluate(async () => {
      const { replay } = window as unknown as TestWindow;
      const buffer = await replay.openReplayBuffer({ name: 'midwrite', flushDelay: 5 });
      const stream = replay.streamKey('ws://server/ws/logs', '');
      let n = 0;
      const w = window as unknown as { commits: number };
      w.commits = 0;
      buffer.on('commit', () => w.commits++);
      // A busy socket: 25 messages every few ms, never awaited, until the page goes away.
      setInterval(() => {
        const entries = Array.from({ length: 25 }, (_, i) => ({
          type: 'system_log' as const,
          id: `${1000 + n + i}-0`,
          data: { timestamp: 't', level: 'INFO', logger: 'test', message: 'x', module: '', function: '', line: 0 },
        }));
        n += 25;
        void buffer.append(stream, { entries, cursor: { epoch: 'e1', id: `${1000 + n - 1}-0` } });
      }, 2);
    });
    // Reload while writes keep coming, once plenty have committed.
    await page.waitForFunction(() => (window as unknown as { commits: number }).commits >= 20, { timeout: 10_000 });
    await page.reload();
    await page.waitForFunction(() => (window as unknown as TestWindow).replayReady === true);
    const after = await page.evaluate(async () => {
      const { replay } = window as unknown as TestWindow;
      const buffer = await replay.openReplayBuffer({ name: 'midwrite' });
      const stream = replay.streamKey('ws://server/ws/logs', '');
      const { cursor, entries } = await buffer.load(stream, { limit: 1_000_000 });
      await buffer.clear();
      return { cursor, ids: entries.map((entry) => (entry.message.type === 'gap' ? 'gap' : entry.message.id)) };
    });
    expect(after.ids.length).toBeGreaterThan(0);
    // Whatever made it is a prefix of what was sent, and the cursor names its last message.
    expect(after.ids).toEqual(range(0, after.ids.length));
    expect(after.cursor).toEqual({ epoch: 'e1', id: after.ids.at(-1) });
    await page.close();
  }, 60_000);

  it('hands the socket over when the leader tab closes, and the follower shows every id once', async () => {
    const a = await openPage();
    await a.evaluate(startTab, 'tabs');
    await until(async () => (await roleOf(a)) === 'leader', 'tab a to be leader', 10_000);
    await until(async () => (await shownCount(a)) >= 300, 'tab a to show 300 ids', 10_000);

    const b = await openPage();
    await b.evaluate(startTab, 'tabs');
    await until(async () => (await roleOf(b)) === 'follower', 'tab b to be follower', 10_000);
    await until(async () => (await shownCount(b)) >= 1000, 'tab b to show 1000 ids', 20_000);

    // How long the handover takes is measured by bench/replay/handover.mjs.
    await a.close();
    await until(async () => (await roleOf(b)) === 'leader', 'tab b to be leader', 20_000);
    const roles = await b.evaluate(() => (window as unknown as TestWindow).tab!.roles);
    expect(roles.map(([role]) => role)).toEqual(['follower', 'leader']);

    const atHandover = await shownCount(b);
    await until(async () => (await shownCount(b)) >= atHandover + 300, 'tab b to show 300 ids more than at the handover', 10_000);
    const result = await b.evaluate(async () => {
      const tab = (window as unknown as TestWindow).tab!;
      tab.stop();
      await tab.buffer.flush();
      const { replay } = window as unknown as TestWindow;
      const { entries } = await tab.buffer.load(replay.streamKey('ws://server/ws/logs', ''), { limit: 1_000_000 });
      await tab.buffer.clear();
      return { shown: tab.shown, stored: entries.map((entry) => (entry.message.type === 'gap' ? 'gap' : entry.message.id)) };
    });
    // Every id once, in order, with nothing missing: exactly what storage holds.
    expect(result.shown).toEqual(range(0, result.shown.length));
    expect(result.stored).toEqual(result.shown);
    await b.close();
  }, 90_000);

  it('hands over when the leader tab is frozen, and the frozen tab follows once it resumes', async () => {
    const a = await openPage();
    await a.evaluate(startTab, 'freeze');
    await until(async () => (await roleOf(a)) === 'leader', 'tab a to be leader', 10_000);
    await until(async () => (await shownCount(a)) >= 300, 'tab a to show 300 ids', 10_000);
    const b = await openPage();
    await b.evaluate(startTab, 'freeze');
    await until(async () => (await roleOf(b)) === 'follower', 'tab b to be follower', 10_000);

    // How long the handover takes is measured by bench/replay/handover.mjs.
    const cdp = await a.createCDPSession();
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
    await until(async () => (await roleOf(b)) === 'leader', 'tab b to be leader', 20_000);
    const rolesB = await b.evaluate(() => (window as unknown as TestWindow).tab!.roles);
    expect(rolesB.map(([role]) => role)).toEqual(['follower', 'leader']);

    await cdp.send('Page.setWebLifecycleState', { state: 'active' });
    await until(async () => (await roleOf(a)) === 'follower', 'tab a to be follower', 20_000);
    const atResume = await shownCount(b);
    await until(async () => (await shownCount(b)) >= atResume + 300, 'tab b to show 300 ids more than when tab a resumed', 10_000);
    await b.evaluate(() => (window as unknown as TestWindow).tab!.stop());
    const lastB = await b.evaluate(async () => {
      const tab = (window as unknown as TestWindow).tab!;
      await tab.buffer.flush();
      return tab.shown.at(-1);
    });
    const lastA = () => a.evaluate(() => (window as unknown as TestWindow).tab!.shown.at(-1));
    await until(async () => (await lastA()) === lastB, 'tab a to show the last id tab b showed', 10_000);
    const shownA = await a.evaluate(() => (window as unknown as TestWindow).tab!.shown);
    const shownB = await b.evaluate(() => (window as unknown as TestWindow).tab!.shown);
    expect((await a.evaluate(() => (window as unknown as TestWindow).tab!.roles)).map(([role]) => role)).toEqual(['leader', 'follower']);
    expect(shownB).toEqual(range(0, shownB.length));
    expect(shownA).toEqual(shownB);
    const stored = await b.evaluate(async () => {
      const tab = (window as unknown as TestWindow).tab!;
      const { entries } = await tab.buffer.load((window as unknown as TestWindow).replay.streamKey('ws://server/ws/logs', ''), {
        limit: 1_000_000,
      });
      await tab.buffer.clear();
      return entries.map((entry) => (entry.message.type === 'gap' ? 'gap' : entry.message.id));
    });
    expect(stored).toEqual(shownB);
    await a.close();
    await b.close();
  }, 90_000);

  it('handles a real QuotaExceededError (4 MiB quota) without losing the stream: evicts, reopens, and goes on', async () => {
    // An origin of its own: Chromium applies a quota override only to storage not yet in use.
    const own = await startReplayPageServer();
    const page = await browser.newPage();
    const cdp = await page.createCDPSession();
    // A 4 MiB quota for this origin (CDP), set before the page opens its storage.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: own.origin, quotaSize: 4 * 1024 * 1024 });
    await page.goto(own.origin);
    await page.waitForFunction(() => (window as unknown as TestWindow).replayReady === true);
    const result = await page.evaluate(async () => {
      const { replay } = window as unknown as TestWindow;
      const buffer = await replay.openReplayBuffer({ name: 'quota', flushEntries: 100 });
      const stream = replay.streamKey('ws://server/ws/logs', '');
      const warnings: string[] = [];
      buffer.on('warning', (warning) => warnings.push(warning.code));
      // Incompressible text, so that the bytes really land on disk: about 16 MB in all.
      const text = () => Array.from({ length: 100 }, () => Math.random().toString(36).slice(2, 12)).join('');
      for (let n = 0; n < 8000; n += 100) {
        const entries = Array.from({ length: 100 }, (_, i) => ({
          type: 'system_log' as const,
          id: `${1000 + n + i}-0`,
          data: { timestamp: 't', level: 'INFO', logger: 'test', message: text() + text(), module: '', function: '', line: 0 },
        }));
        await buffer.append(stream, { entries, cursor: { epoch: 'e1', id: `${1000 + n + 99}-0` } });
      }
      const { cursor, entries } = await buffer.load(stream, { limit: 1_000_000 });
      const persistence = buffer.persistence;
      await buffer.clear();
      return {
        warnings: [...new Set(warnings)],
        persistence,
        cursor,
        ids: entries.map((entry) => (entry.message.type === 'gap' ? 'gap' : entry.message.id)),
      };
    });
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: own.origin });
    await page.close();
    await own.close();
    // Chromium frees deleted space only when it compacts, so under a hard quota the buffer may have
    // to finish the session in memory; either way the stream goes on, consistent.
    expect(result.warnings).toEqual(result.persistence === 'memory' ? ['quota_exceeded', 'storage_unavailable'] : ['quota_exceeded']);
    expect(result.cursor).toEqual({ epoch: 'e1', id: '8999-0' });
    // The newest entries survive, contiguous up to the last one written.
    expect(result.ids.length).toBeGreaterThan(100);
    expect(result.ids.length).toBeLessThan(8000);
    expect(result.ids).toEqual(range(8000 - result.ids.length, 8000));
  }, 90_000);
});

// The stream client with `replay()` in Chromium against a real server whose `authenticate` hook
// grants audit access by token: one browser, an admin and then a viewer.
describe('replay buffer in Chromium: one browser, several principals', () => {
  interface ClientWindow {
    lib: typeof ClientModule;
    libReady?: boolean;
    session?: { client: ClientModule.LogStreamClient; seen: string[]; audit: boolean[]; roles: string[] };
  }
  let pages: Awaited<ReturnType<typeof serveScriptPage>>;
  let logwire: Logwire;
  let url: string;

  beforeAll(async () => {
    const page = `<!doctype html><meta charset="utf-8"><title>client</title>
<script type="module">import * as lib from '/client.js'; window.lib = lib; window.libReady = true;</script>`;
    pages = await serveScriptPage('/client.js', await bundleSource('packages/client/src/index.ts'), page);
    logwire = createLogwire({ callsite: false });
    // The token names the user: the admin may read audit entries, the viewer may not.
    const authenticate = (request: Parameters<typeof bearerToken>[0]) => {
      const token = bearerToken(request);
      return token === 'admin' ? { audit: true, user: 'admin' } : token === 'viewer' ? { audit: false, user: 'viewer' } : false;
    };
    // The page comes from another port (another origin): the stream admits it only with the explicit opt-in.
    const { address } = await logwire.listen(0, '127.0.0.1', { authenticate, allowedOrigins: '*' });
    url = `ws://127.0.0.1:${address.port}/ws/logs`;
  });

  afterAll(async () => {
    await logwire?.close();
    await pages?.close();
  });

  const logBoth = (tag: string) => {
    logwire.getLogger('app').info(`system ${tag}`);
    logwire.getLogger('app').audit(`audit ${tag}`, { tag });
  };

  async function openClientPage(): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(pages.origin);
    await page.waitForFunction(() => (window as unknown as ClientWindow).libReady === true);
    return page;
  }

  /** Starts a client with `replay()` in the page; its messages (`type id`), welcomes' `audit` and roles are recorded. */
  function startSession(page: Page, options: { url: string; token: string; principal?: string; name: string }): Promise<void> {
    return page.evaluate((o) => {
      const w = window as unknown as ClientWindow;
      const seen: string[] = [];
      const audit: boolean[] = [];
      const roles: string[] = [];
      const principal = o.principal === undefined ? {} : { principal: o.principal };
      const replay = w.lib.replay({ name: o.name, flushDelay: 10, ...principal });
      const client = new w.lib.LogStreamClient(o.url, { token: o.token, replay });
      client.on('message', (message) => seen.push(`${message.type} ${message.id}`));
      client.on('welcome', (welcome) => audit.push(welcome.audit));
      client.on('state', () => {
        if (client.role !== undefined && roles.at(-1) !== client.role) roles.push(client.role);
      });
      w.session = { client, seen, audit, roles };
    }, options);
  }

  const seenBy = (page: Page) => page.evaluate(() => (window as unknown as ClientWindow).session!.seen);
  const countSeen = async (page: Page, type: string) => (await seenBy(page)).filter((m) => m.startsWith(type)).length;

  /** How many `audit_log` entries the database holds, in any stream. */
  const auditStored = (page: Page, name: string) =>
    page.evaluate(
      (dbName) =>
        new Promise<number>((resolve, reject) => {
          const request = indexedDB.open(dbName);
          request.onerror = () => reject(request.error ?? new Error('indexedDB.open failed'));
          request.onsuccess = () => {
            const db = request.result;
            const all = db.transaction('entries').objectStore('entries').getAll();
            all.onerror = () => reject(all.error ?? new Error('getAll failed'));
            all.onsuccess = () => {
              db.close();
              resolve((all.result as Array<{ m: { type: string } }>).filter((record) => record.m.type === 'audit_log').length);
            };
          };
        }),
      name,
    );

  it('a later viewer (audit: false) is shown none of the audit entries an earlier admin session stored, and they are purged', async () => {
    const name = 'principals-later';
    for (let i = 0; i < 3; i++) logBoth(`before ${i}`);
    const admin = await openClientPage();
    await startSession(admin, { url, token: 'admin', principal: 'admin', name });
    await until(async () => (await countSeen(admin, 'audit_log')) === 3, 'the admin to receive 3 audit entries');
    await until(async () => (await auditStored(admin, name)) === 3, 'the admin session to store its 3 audit entries');
    await admin.evaluate(() => (window as unknown as ClientWindow).session!.client.close());
    await admin.close();

    const viewer = await openClientPage();
    await startSession(viewer, { url, token: 'viewer', principal: 'viewer', name });
    await viewer.waitForFunction(() => (window as unknown as ClientWindow).session!.client.state === 'live');
    await until(async () => (await countSeen(viewer, 'system_log')) >= 3, "the server's tail of system messages");
    expect(await viewer.evaluate(() => (window as unknown as ClientWindow).session!.audit)).toEqual([false]);
    expect((await seenBy(viewer)).filter((m) => !m.startsWith('system_log'))).toEqual([]);
    // The welcome said `audit: false`: no audit entry stays in this browser, whoever stored it.
    await until(async () => (await auditStored(viewer, name)) === 0, 'the stored audit entries to be purged');
    await viewer.evaluate(() => (window as unknown as ClientWindow).session!.client.close());
    await viewer.close();
  }, 60_000);

  it("tabs of different principals do not share a socket, so a viewer's tab is never handed an admin's entries", async () => {
    const name = 'principals-tabs';
    const admin = await openClientPage();
    await startSession(admin, { url, token: 'admin', principal: 'admin', name });
    await admin.waitForFunction(() => (window as unknown as ClientWindow).session!.client.state === 'live');
    const viewer = await openClientPage();
    await startSession(viewer, { url, token: 'viewer', principal: 'viewer', name });
    await viewer.waitForFunction(() => (window as unknown as ClientWindow).session!.client.state === 'live');
    for (let i = 0; i < 3; i++) logBoth(`live ${i}`);
    await until(async () => (await countSeen(admin, 'audit_log')) >= 3, 'the admin to receive the live audit entries');
    await until(async () => (await countSeen(viewer, 'system_log')) >= 3, 'the viewer to receive the live system messages');
    expect(await viewer.evaluate(() => (window as unknown as ClientWindow).session!.roles)).toEqual(['leader']);
    expect(await admin.evaluate(() => (window as unknown as ClientWindow).session!.roles)).toEqual(['leader']);
    expect((await seenBy(viewer)).filter((m) => !m.startsWith('system_log'))).toEqual([]);
    for (const page of [admin, viewer]) {
      await page.evaluate(() => (window as unknown as ClientWindow).session!.client.close());
      await page.close();
    }
  }, 60_000);
});
