// Alerts across the tabs of one dashboard that share a socket (replay buffer + TabCoordinator):
// headless Chromium (puppeteer-core) opens several pages of the dashboard (a <system-log-panel> fed
// by a LogStreamClient with `replay()`) against a real logwire server with an alert and an
// `authenticate` hook. Only the leader tab holds a socket; the others see and act on alerts
// through it.
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bearerToken, createLogwire, type Logwire } from '@logwire/server';
import { startReplayAppServer } from '../helpers/replay-app-server.mjs';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { until } from '../helpers/wait.js';

interface AppWindow {
  appReady?: boolean;
  app: {
    opened: number;
    errors: string[];
    panel: HTMLElement;
    client: {
      url: string;
      state: string;
      role?: string;
      alerts: { name: string; acknowledgedBy?: unknown }[];
      alertActions?: boolean;
      alertAction: (name: string, action: 'ack' | 'silence', durationMs?: number) => boolean;
    };
  };
}

type Audit = { action: string; metadata: Record<string, unknown> };

let browser: Browser;
let app: Awaited<ReturnType<typeof startReplayAppServer>>;
let logwire: Logwire | undefined;

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
  await logwire?.close();
  logwire = undefined;
});

/**
 * A server with the alert `errors` (more than 2 ERROR records): `ops` may act on alerts, `viewer` (no audit) may not.
 * `holdNextConnection()` makes the next connection wait in its upgrade (no socket, no welcome) until `release()`.
 */
async function startServer() {
  const lw = createLogwire({ callsite: false, console: false, workers: false });
  logwire = lw;
  const audits: Audit[] = [];
  lw.hub.on((batch) => {
    for (const message of batch) {
      if (message.type !== 'audit_log') continue;
      const { action, metadata } = JSON.parse(message.data) as Audit;
      if (action.startsWith('alert_')) audits.push({ action, metadata });
    }
  });
  lw.alerts.add({ name: 'errors', when: { count: { level: 'ERROR' }, window: '5m', above: 2 } });
  let hold: { reached: () => void; released: Promise<void> } | undefined;
  const holdNextConnection = () => {
    let reached = false;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    hold = { reached: () => (reached = true), released };
    return { reached: () => reached, release };
  };
  const authenticate = async (request: Parameters<typeof bearerToken>[0]) => {
    const held = hold;
    hold = undefined;
    held?.reached();
    await held?.released;
    const token = bearerToken(request);
    return token === 'ops' ? { user: 'ops' } : token === 'viewer' ? { user: 'bob', audit: false } : false;
  };
  // The dashboard comes from another port (another origin): the stream admits it only with the explicit opt-in.
  const { address } = await lw.listen(0, '127.0.0.1', { allowedOrigins: '*', authenticate });
  const fire = () => {
    for (let i = 0; i < 3; i++) lw.getLogger('app').error(`boom ${i}`);
    lw.hub.flush();
    lw.alerts.evaluate();
    expect(lw.alerts.list().map((alert) => alert.status)).toEqual(['firing']);
  };
  const trail = () => {
    lw.hub.flush();
    return audits;
  };
  return { url: `ws://127.0.0.1:${address.port}/ws/logs`, fire, trail, holdNextConnection };
}

/** Name of the Web Lock and BroadcastChannel the tabs of `page`'s stream share (`logwire:` + URL + empty filter key). */
const channelName = (page: Page) => page.evaluate(() => `logwire:${(window as unknown as AppWindow).app.client.url}\n`);

/** Records in `page` the ids of the `act` messages posted on the tabs' channel (`window.acts`), as the coordinator there receives them. */
const watchActs = (page: Page, name: string) =>
  page.evaluate((name) => {
    const acts: string[] = [];
    Object.assign(window, { acts });
    new BroadcastChannel(name).onmessage = (event: MessageEvent<{ t?: string; id?: string }>) => {
      if (event.data.t === 'act') acts.push(event.data.id!);
    };
  }, name);
const actsSeen = (page: Page) => page.evaluate(() => (window as unknown as { acts: string[] }).acts);

/** Opens a dashboard tab; resolves once its role is decided and (leader) it is live. */
async function openTab(ws: string, token: string, db: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${app.origin}/?${new URLSearchParams({ ws, token, db })}`);
  await page.waitForFunction(() => (window as unknown as AppWindow).appReady === true);
  await until(async () => (await tabState(page)).role !== undefined, 'the tab to have a role', 15_000);
  return page;
}

const tabState = (page: Page) =>
  page.evaluate(() => {
    const { app } = window as unknown as AppWindow;
    const banner = app.panel.shadowRoot?.querySelector('[part="alerts"]');
    const buttons = [...(banner?.querySelectorAll('button') ?? [])];
    return {
      role: app.client.role,
      state: app.client.state,
      opened: app.opened,
      errors: app.errors,
      alerts: app.client.alerts,
      alertActions: app.client.alertActions,
      banner: banner?.textContent?.replace(/\s+/g, ' ').trim() ?? '',
      disabled: buttons.map((button) => button.disabled),
    };
  });

const click = (page: Page, part: string) =>
  page.evaluate((part) => {
    const { app } = window as unknown as AppWindow;
    app.panel.shadowRoot!.querySelector<HTMLButtonElement>(`[part="${part}"]`)!.click();
  }, part);

async function bannerOf(page: Page, text: string, what: string): Promise<void> {
  // On a timeout, say what the tab held (role, state, banner, errors), so a failure explains itself.
  let last: Awaited<ReturnType<typeof tabState>> | undefined;
  await until(
    async () => (last = await tabState(page)).banner.includes(text),
    () => `${what}: "${text}"; the tab: ${JSON.stringify({ ...last, alerts: last?.alerts.length })}`,
    15_000,
  );
}

/** Leader first, then the followers. */
async function openTabs<N extends 2 | 3>(
  ws: string,
  token: string,
  db: string,
  count: N,
): Promise<N extends 2 ? [Page, Page] : [Page, Page, Page]> {
  const leader = await openTab(ws, token, db);
  await until(async () => (await tabState(leader)).state === 'live', 'the first tab to be live', 15_000);
  const pages = [leader];
  for (let i = 1; i < count; i++) pages.push(await openTab(ws, token, db));
  expect((await Promise.all(pages.map(tabState))).map((tab) => tab.role)).toEqual(['leader', ...Array(count - 1).fill('follower')]);
  return pages as N extends 2 ? [Page, Page] : [Page, Page, Page];
}

describe('alerts in tabs that share one socket (Chromium, real server)', () => {
  it("shows a fired alert in a follower tab's banner, and a follower's acknowledgement is recorded with its identity and reaches both tabs", async () => {
    const server = await startServer();
    const [leader, follower] = await openTabs(server.url, 'ops', `alerts-ack-${Date.now()}`, 2);
    server.fire();
    for (const page of [leader, follower]) await bannerOf(page, 'errors Firing', 'the alert in every tab');
    const before = await tabState(follower);
    // The follower has no socket of its own: it sees the alert through the leader.
    expect(before.opened).toBe(0);
    expect(before.alertActions).toBe(true);
    expect(before.disabled).toEqual([false, false]);

    await click(follower, 'alert-ack');
    for (const page of [leader, follower]) await bannerOf(page, 'Acknowledged by ops', 'the acknowledgement in every tab');
    expect(server.trail()).toContainEqual({ action: 'alert_ack', metadata: { alert: 'errors', user: 'ops', status: 'firing' } });

    await click(follower, 'alert-silence');
    for (const page of [leader, follower]) await bannerOf(page, 'Silenced until', 'the silence in every tab');
    expect(server.trail().map((event) => [event.action, event.metadata['user']])).toContainEqual(['alert_silence', 'ops']);
    expect((await tabState(follower)).errors).toEqual([]);
  }, 60_000);

  it('tells a follower tab of a viewer without the alerts permission: buttons disabled, and a command is refused (forbidden)', async () => {
    const server = await startServer();
    const [leader, follower] = await openTabs(server.url, 'viewer', `alerts-viewer-${Date.now()}`, 2);
    server.fire();
    for (const page of [leader, follower]) await bannerOf(page, 'You may not acknowledge or silence alerts', 'the explanation');
    for (const page of [leader, follower]) {
      const tab = await tabState(page);
      expect(tab.alertActions).toBe(false);
      expect(tab.disabled).toEqual([true, true]);
    }
    // Past the disabled buttons (a script, or a server that did not say): the leader's socket is refused.
    const sent = await follower.evaluate(() => (window as unknown as AppWindow).app.client.alertAction('errors', 'ack'));
    expect(sent).toBe(true);
    await until(async () => (await tabState(follower)).errors.some((error) => error.includes('forbidden')), 'the refusal in the follower');
    expect((await tabState(follower)).errors).toEqual([
      'server: the server refused a message: forbidden: this client may not acknowledge or silence alerts',
    ]);
    expect((await tabState(follower)).banner).not.toContain('Acknowledged');
    expect(server.trail().map((event) => event.action)).toEqual(['alert_fired']);
  }, 60_000);

  it('leaves every tab with the alerts when the leader tab closes, and the remaining tabs can still act', async () => {
    const server = await startServer();
    const [first, second, third] = await openTabs(server.url, 'ops', `alerts-handover-${Date.now()}`, 3);
    server.fire();
    for (const page of [first, second, third]) await bannerOf(page, 'errors Firing', 'the alert in every tab');

    await first.close();
    const remaining = [second, third];
    await until(
      async () => (await Promise.all(remaining.map(tabState))).some((tab) => tab.role === 'leader' && tab.state === 'live'),
      'a remaining tab to lead and be live',
      20_000,
    );
    const states = await Promise.all(remaining.map(tabState));
    expect(states.map((tab) => tab.role).sort()).toEqual(['follower', 'leader']);
    for (const tab of states) expect(tab.banner).toContain('errors Firing');
    const newFollower = remaining[states.findIndex((tab) => tab.role === 'follower')]!;

    // The tab that still follows acts through the new leader (which may still be connecting: it
    // takes the command and sends it once welcomed); every remaining tab sees the result.
    await click(newFollower, 'alert-ack');
    for (const page of remaining) await bannerOf(page, 'Acknowledged by ops', 'the acknowledgement after the handover');
    expect((await tabState(newFollower)).errors).toEqual([]);
    expect(server.trail().filter((event) => event.action === 'alert_ack')).toHaveLength(1);
  }, 60_000);

  it('carries out a command a follower posted while no tab led (the next leader was not ready yet), once the next leader is connected', async () => {
    const server = await startServer();
    const db = `alerts-gap-${Date.now()}`;
    const first = await openTab(server.url, 'ops', db);
    await until(async () => (await tabState(first)).state === 'live', 'the first tab to be live', 15_000);
    const name = await channelName(first);
    // A page of the origin queues for the lock before the other tabs: when the leader closes, it
    // holds the lock, so for as long as the test likes no tab leads (as while the next leader
    // reads what it missed from storage, which can take long on a busy machine).
    const holder = await browser.newPage();
    // Any document of the origin will do: the app's script, shown as text, runs nothing.
    await holder.goto(`${app.origin}/app.js`);
    await holder.evaluate((name) => {
      Object.assign(window, { held: false });
      void navigator.locks.request(name, () => {
        Object.assign(window, { held: true });
        return new Promise<void>((resolve) => Object.assign(window, { release: resolve }));
      });
    }, name);
    const pending = () => holder.evaluate(async () => (await navigator.locks.query()).pending?.length ?? 0);
    await until(async () => (await pending()) === 1, 'the lock holder queued');
    const second = await openTab(server.url, 'ops', db);
    const third = await openTab(server.url, 'ops', db);
    await until(async () => (await pending()) === 3, 'the two tabs queued behind the lock holder');
    server.fire();
    for (const page of [first, second, third]) await bannerOf(page, 'errors Firing', 'the alert in every tab');

    await first.close();
    await until(() => holder.evaluate(() => (window as unknown as { held: boolean }).held), 'the lock holder to hold the lock');
    expect((await Promise.all([second, third].map(tabState))).map((tab) => tab.role)).toEqual(['follower', 'follower']);
    await watchActs(second, name);
    await click(third, 'alert-ack');
    // The command reached the other tab while it did not lead.
    await until(async () => (await actsSeen(second)).length === 1, 'the command posted on the channel');
    await holder.evaluate(() => (window as unknown as { release: () => void }).release());

    await until(async () => (await tabState(second)).role === 'leader', 'the next tab to lead', 15_000);
    for (const page of [second, third]) await bannerOf(page, 'Acknowledged by ops', 'the acknowledgement posted while no tab led');
    expect((await tabState(third)).errors).toEqual([]);
    expect(server.trail().filter((event) => event.action === 'alert_ack')).toHaveLength(1);
    // Posted once: the tab that took over sent what it had seen posted.
    expect(await actsSeen(second)).toHaveLength(1);
  }, 60_000);

  it('has a new leader take a command before its connection is welcomed and send it once it is', async () => {
    const server = await startServer();
    const [first, second, third] = await openTabs(server.url, 'ops', `alerts-early-${Date.now()}`, 3);
    const name = await channelName(first);
    server.fire();
    for (const page of [first, second, third]) await bannerOf(page, 'errors Firing', 'the alert in every tab');

    const held = server.holdNextConnection();
    await first.close();
    // The next leader's connection waits in its upgrade: it leads, but has no socket yet.
    await until(held.reached, "the new leader's connection to reach the server", 15_000);
    const remaining = [second, third];
    const states = await Promise.all(remaining.map(tabState));
    expect(states.map((tab) => tab.role).sort()).toEqual(['follower', 'leader']);
    const newLeader = remaining[states.findIndex((tab) => tab.role === 'leader')]!;
    const newFollower = remaining[states.findIndex((tab) => tab.role === 'follower')]!;
    expect((await tabState(newLeader)).opened).toBe(0);
    await watchActs(newLeader, name);
    await click(newFollower, 'alert-ack');
    await until(async () => (await actsSeen(newLeader)).length === 1, 'the command to reach the new leader');
    held.release();

    for (const page of remaining) await bannerOf(page, 'Acknowledged by ops', 'the acknowledgement taken before the welcome');
    expect((await tabState(newFollower)).errors).toEqual([]);
    expect(server.trail().filter((event) => event.action === 'alert_ack')).toHaveLength(1);
  }, 60_000);

  it('rejects forged channel messages: an error event, no crash, no change to the alerts', async () => {
    const server = await startServer();
    const [leader, follower] = await openTabs(server.url, 'ops', `alerts-forged-${Date.now()}`, 2);
    server.fire();
    for (const page of [leader, follower]) await bannerOf(page, 'errors Firing', 'the alert in every tab');
    const before = await tabState(follower);

    const forged = await follower.evaluate(() => {
      const { app } = window as unknown as AppWindow;
      // The channel the tabs of this stream share: `logwire:` + the stream key (URL, empty filter key).
      const channel = new BroadcastChannel(`logwire:${app.client.url}\n`);
      const alert = { name: 'forged', status: 'firing', condition: 'c', value: 1, since: null };
      const messages: unknown[] = [
        { t: 'alerts', alerts: [{ ...alert, value: 'high' }] },
        { t: 'alerts', alerts: Array.from({ length: 1001 }, (_, i) => ({ ...alert, name: `a${i}` })) },
        { t: 'alerts', alerts: [alert], may: 'yes' },
        { t: 'alert', alert: { name: 'forged' } },
        { t: 'act', id: 'x', command: { name: 'errors', action: 'delete' } },
        { t: 'act', id: 'x'.repeat(100), command: { name: 'errors', action: 'ack' } },
        { t: 'acted', id: 7 },
        {
          t: 'commit',
          batch: { stream: 's', after: null, cursor: null, entries: [{ position: [0, 1, 0, 0], message: { type: 'system_log' } }] },
        },
        { t: 'reset', reason: 'everything' },
        { t: 'nonsense' },
        'a string',
      ];
      for (const message of messages) channel.postMessage(message);
      channel.close();
      return messages.length;
    });
    // The follower rejects each (the other BroadcastChannel in its page posted them); so does the leader.
    const rejected = (errors: string[]) =>
      errors.filter((error) => error.startsWith('bad_frame: ignored a message from another tab')).length;
    await until(async () => rejected((await tabState(follower)).errors) === forged, 'every forged message rejected by the follower');
    await until(async () => rejected((await tabState(leader)).errors) === forged, 'every forged message rejected by the leader');
    const after = await tabState(follower);
    expect(after.alerts).toEqual(before.alerts);
    expect(after.banner).toBe(before.banner);
    expect(after.role).toBe('follower');
    // Nothing was acted on, and both tabs still work: an acknowledgement from the follower goes through.
    expect(server.trail().map((event) => event.action)).toEqual(['alert_fired']);
    await click(follower, 'alert-ack');
    for (const page of [leader, follower]) await bannerOf(page, 'Acknowledged by ops', 'the acknowledgement after the forgeries');
  }, 60_000);
});
