// `node bench/replay/handover.mjs [--rounds N]`: how long the socket is without a leader tab when
// the leader goes away, in headless Chromium (two tabs of one origin, the replay module from source).
//
// 1. Closed: tab A leads, tab B follows; A closes. Time from the close call to B's `role` event
//    "leader" (the browser releases A's Web Lock and grants it to B).
// 2. Frozen: as 1, but A is frozen (Page.setWebLifecycleState), which makes it give the lock up.
//
// The tests check that the handover happens and that no id is lost or shown twice
// (packages/client/test/replay-chromium.test.ts, test/node/replay-dashboard.test.ts); the claim
// that it takes well under a second is measured here. Median of N rounds with min–max; asserts nothing.
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { startReplayPageServer } from '../../test/helpers/replay-page-server.mjs';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] || 5);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

// Runs in the page: joins the tab group `name` and records each role with its wall-clock time.
async function startTab(name) {
  const { replay } = window;
  const buffer = await replay.openReplayBuffer({ name });
  const stream = replay.streamKey('ws://server/ws/logs', '');
  const roles = [];
  const tabs = new replay.TabCoordinator(buffer, stream);
  tabs.on('role', (role) => roles.push([role, performance.timeOrigin + performance.now()]));
  tabs.start(null);
  window.tab = { roles };
}

async function waitForRole(page, role, timeoutMs = 10_000) {
  await page.waitForFunction((wanted) => window.tab?.roles.at(-1)?.[0] === wanted, { timeout: timeoutMs }, role);
}

async function openTab(browser, origin, name) {
  const page = await browser.newPage();
  await page.goto(origin);
  await page.waitForFunction(() => window.replayReady === true);
  await page.evaluate(startTab, name);
  return page;
}

async function once(browser, origin, kind, round) {
  const name = `handover-${kind}-${round}-${Math.random()}`;
  const a = await openTab(browser, origin, name);
  await waitForRole(a, 'leader');
  const b = await openTab(browser, origin, name);
  await waitForRole(b, 'follower');
  let startedAt;
  if (kind === 'closed') {
    startedAt = Date.now();
    await a.close();
  } else {
    const cdp = await a.createCDPSession();
    startedAt = Date.now();
    await cdp.send('Page.setWebLifecycleState', { state: 'frozen' });
  }
  await waitForRole(b, 'leader');
  const roles = await b.evaluate(() => window.tab.roles);
  const ms = roles.at(-1)[1] - startedAt;
  if (!a.isClosed()) await a.close();
  await b.close();
  return ms;
}

const server = await startReplayPageServer();
const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
try {
  const results = { closed: [], frozen: [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of Object.keys(results)) results[kind].push(await once(browser, server.origin, kind, round));
  }
  const fmt = (n) => n.toFixed(0);
  console.log(`Leader handover in Chromium, ${rounds} rounds (median, min–max):\n`);
  console.log('| Leader tab | No leader for (ms) |');
  console.log('|---|---:|');
  for (const [kind, values] of Object.entries(results)) {
    console.log(`| ${kind} | ${fmt(median(values))} (${fmt(Math.min(...values))}–${fmt(Math.max(...values))}) |`);
  }
} finally {
  await browser.close();
  await server.close();
}
