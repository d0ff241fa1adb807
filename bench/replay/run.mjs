// `node bench/replay/run.mjs [--rounds N]`: the replay buffer in headless Chromium.
//
// 1. Write throughput: 10,000 log messages (~250 B of JSON each) through the replay buffer, against
//    a bare IndexedDB loop in the same page that puts the same records in transactions of 500
//    (the pattern research/perf.md §6 measured as the fastest), both on a fresh database.
// 2. Reload to first paint: with 10,000 messages stored, reload the page and time navigation
//    start → the newest 1,000 rows are in the DOM (open buffer + load + render), and the load alone.
//
// 3. Reload to first paint of the wired dashboard: a <system-log-panel> fed by a LogStreamClient with
//    `replay()` (test/helpers/replay-app-server.mjs) has received 10,000 messages from a real logwire server
//    (packages/server/dist: run `npm run build` first); reload and time navigation start → the
//    client's `restore` event, → the first frame with rows in the panel, → the socket's open event.
//
// Every figure is a median of N rounds with min–max; ratios compare with the bare loop measured in
// the same round. Prints a Markdown table; asserts nothing.
import puppeteer from 'puppeteer-core';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';
import { createLogwire } from '../../packages/server/dist/index.js';
import { startReplayAppServer } from '../../test/helpers/replay-app-server.mjs';
import { startReplayPageServer } from '../../test/helpers/replay-page-server.mjs';

const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] || 5);
const COUNT = 10_000;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// Runs in the page: writes COUNT messages one way, returns messages per second.
async function writeCase(kind, count) {
  const { replay } = window;
  const message = (n) => ({
    type: 'system_log',
    id: `${1_700_000_000_000 + n}-0`,
    data: {
      timestamp: '2026-01-01T00:00:00.000Z',
      level: 'INFO',
      logger: 'orchestrator.instance_manager',
      message: `Instance spawned ${n}`,
      module: 'instance_manager',
      function: 'spawn_instance',
      line: 142,
      instance_id: `abc${n}`,
      memory_mb: 512,
    },
  });
  const messages = Array.from({ length: count }, (_, n) => message(n));
  const name = `bench-${kind}-${Math.random()}`;
  let elapsed;
  if (kind === 'bare') {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore('entries', { keyPath: 'k' });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const start = performance.now();
    for (let i = 0; i < count; i += 500) {
      await new Promise((resolve, reject) => {
        const tx = db.transaction('entries', 'readwrite', { durability: 'relaxed' });
        const store = tx.objectStore('entries');
        for (let j = i; j < Math.min(count, i + 500); j++) store.put({ k: ['s', 0, 1_700_000_000_000 + j, 0, 0], m: messages[j], b: 250 });
        tx.oncomplete = resolve;
        tx.onabort = () => reject(tx.error);
      });
    }
    elapsed = performance.now() - start;
    db.close();
  } else {
    const batchSize = kind === 'buffer-1' ? 1 : 50;
    const buffer = await replay.openReplayBuffer({ name });
    const stream = replay.streamKey('ws://bench/ws/logs', '');
    const start = performance.now();
    const appends = [];
    for (let i = 0; i < count; i += batchSize) {
      const entries = messages.slice(i, i + batchSize);
      appends.push(buffer.append(stream, { entries, cursor: { epoch: 'e', id: entries.at(-1).id } }));
    }
    await Promise.all(appends);
    elapsed = performance.now() - start;
    await buffer.close();
  }
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = resolve;
  });
  return (count / elapsed) * 1000;
}

async function fill(count) {
  const { replay } = window;
  const buffer = await replay.openReplayBuffer({ name: 'bench-reload' });
  const stream = replay.streamKey('ws://bench/ws/logs', '');
  await buffer.clear();
  for (let i = 0; i < count; i += 50) {
    const entries = Array.from({ length: 50 }, (_, j) => ({
      type: 'system_log',
      id: `${1_700_000_000_000 + i + j}-0`,
      data: {
        timestamp: '2026-01-01T00:00:00.000Z',
        level: 'INFO',
        logger: 'orchestrator.instance_manager',
        message: `Instance spawned ${i + j}`,
        module: 'instance_manager',
        function: 'spawn_instance',
        line: 142,
      },
    }));
    void buffer.append(stream, { entries, cursor: { epoch: 'e', id: entries.at(-1).id } });
  }
  await buffer.close();
}

// Runs in the freshly loaded page: open, load the newest 1,000, render them as rows.
async function paint() {
  const { replay } = window;
  const started = performance.now();
  const buffer = await replay.openReplayBuffer({ name: 'bench-reload' });
  const opened = performance.now();
  const { entries } = await buffer.load(replay.streamKey('ws://bench/ws/logs', ''));
  const loaded = performance.now();
  const list = document.createElement('div');
  for (const entry of entries) {
    const row = document.createElement('div');
    row.textContent = `${entry.message.data.timestamp} ${entry.message.data.level} ${entry.message.data.message}`;
    list.append(row);
  }
  document.body.append(list);
  // Paint: wait for the frame that shows the rows.
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const painted = performance.now();
  await buffer.close();
  return { rows: list.childElementCount, moduleReady: started, open: opened - started, load: loaded - opened, firstPaint: painted };
}

/** How long the wired dashboard may take to reach each state before the run fails. */
const UNTIL_MS = 60_000;

// The wired dashboard: returns the reload timings of `rounds` reloads.
async function dashboard(browser) {
  const logwire = createLogwire({ callsite: false, historySize: 20_000, console: false });
  const app = await startReplayAppServer();
  // The page is served from another port, so its Origin must be allowed (the endpoint refuses
  // cross-origin upgrades by default).
  const { address } = await logwire.listen(0, '127.0.0.1', { allowedOrigins: [app.origin] });
  const url = `ws://127.0.0.1:${address.port}/ws/logs`;
  const page = await browser.newPage();
  const state = () =>
    page.evaluate(() => ({
      ids: window.app.ids().length,
      live: window.app.client.state === 'live',
      restored: window.app.restoredAt,
      painted: window.app.paintedAt,
      rows: window.app.paintedRows,
      opened: window.app.openedAt[0],
      restoredEntries: window.app.restored?.entries,
    }));
  // Every wait has a limit: a page that never gets there fails the run with what it last saw.
  const until = async (check, what) => {
    const deadline = Date.now() + UNTIL_MS;
    for (;;) {
      const seen = await state();
      if (check(seen)) return;
      if (Date.now() > deadline) {
        throw new Error(
          `dashboard: ${what} not within ${UNTIL_MS / 1000} s (last seen ${JSON.stringify({ ...seen, restoredEntries: undefined })})`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  try {
    await page.goto(`${app.origin}/?ws=${encodeURIComponent(url)}&db=bench-dashboard`);
    await until((s) => s.live, 'the client live');
    const log = logwire.getLogger('orchestrator.instance_manager');
    for (let i = 0; i < COUNT; i++) {
      log.info(`Instance spawned ${i}`, { instance_id: `abc${i}`, memory_mb: 512 });
      if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
    }
    await until((s) => s.ids === COUNT, `all ${COUNT} messages in the panel`);
    // Let the last appends commit (flushDelay 20 ms) before the first reload.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const results = [];
    for (let round = 0; round < rounds; round++) {
      await page.reload();
      await until((s) => s.painted !== undefined && s.opened !== undefined && s.live, 'the reloaded dashboard painted and live');
      results.push(await state());
    }
    await page.evaluate(() => window.app.client.clear());
    return results;
  } finally {
    await page.close();
    await app.close();
    await logwire.close();
  }
}

const server = await startReplayPageServer();
const browser = await puppeteer.launch({ executablePath: findChromium(), headless: true, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  const ready = () => page.waitForFunction(() => window.replayReady === true);
  await page.goto(server.origin);
  await ready();
  const version = await browser.version();

  const writes = { bare: [], 'buffer-50': [], 'buffer-1': [] };
  for (let round = 0; round < rounds; round++) {
    for (const kind of Object.keys(writes)) writes[kind].push(await page.evaluate(writeCase, kind, COUNT));
  }

  await page.evaluate(fill, COUNT);
  const reloads = [];
  for (let round = 0; round < rounds; round++) {
    await page.reload();
    await ready();
    reloads.push(await page.evaluate(paint));
  }
  await page.evaluate(async () => {
    const buffer = await window.replay.openReplayBuffer({ name: 'bench-reload' });
    await buffer.clear();
    await buffer.close();
  });

  const wired = await dashboard(browser);
  const stat = (values) => `${fmt(median(values), 1)} | ${fmt(Math.min(...values), 1)}–${fmt(Math.max(...values), 1)}`;

  const bareMedian = median(writes.bare);
  const ratios = (kind) => writes[kind].map((value, i) => value / writes.bare[i]);
  const row = (label, values, ratio) =>
    `| ${label} | ${fmt(median(values))} | ${fmt(Math.min(...values))}–${fmt(Math.max(...values))} | ${ratio === undefined ? '1.00' : fmt(median(ratio), 2)} |`;
  console.log(`## Replay buffer in Chromium (${version}, ${rounds} rounds, ${fmt(COUNT)} messages of ~250 B)

### Write throughput (messages/s, fresh database, relaxed durability)

| pattern | median | min–max | ÷ bare batch-of-500 loop |
| --- | --- | --- | --- |
${row('bare IndexedDB loop, one transaction per 500 puts', writes.bare)}
${row('ReplayBuffer.append, batches of 50 (coalesced to 500 per transaction, cursor in each)', writes['buffer-50'], ratios('buffer-50'))}
${row('ReplayBuffer.append, one message per call (coalesced the same way)', writes['buffer-1'], ratios('buffer-1'))}

### Reload to first paint, ${fmt(COUNT)} messages stored, newest 1,000 painted (ms)

| step | median | min–max |
| --- | --- | --- |
| navigation start → module ready (page + script) | ${fmt(median(reloads.map((r) => r.moduleReady)), 1)} | ${fmt(Math.min(...reloads.map((r) => r.moduleReady)), 1)}–${fmt(Math.max(...reloads.map((r) => r.moduleReady)), 1)} |
| openReplayBuffer (open + write probe) | ${fmt(median(reloads.map((r) => r.open)), 1)} | ${fmt(Math.min(...reloads.map((r) => r.open)), 1)}–${fmt(Math.max(...reloads.map((r) => r.open)), 1)} |
| load() newest 1,000 + cursor | ${fmt(median(reloads.map((r) => r.load)), 1)} | ${fmt(Math.min(...reloads.map((r) => r.load)), 1)}–${fmt(Math.max(...reloads.map((r) => r.load)), 1)} |
| **navigation start → 1,000 rows painted** | **${fmt(median(reloads.map((r) => r.firstPaint)), 1)}** | ${fmt(Math.min(...reloads.map((r) => r.firstPaint)), 1)}–${fmt(Math.max(...reloads.map((r) => r.firstPaint)), 1)} |

Rows painted per reload: ${reloads.map((r) => r.rows).join(', ')}. Bare loop median: ${fmt(bareMedian)} messages/s.

### Reload of the wired dashboard (client with replay() + <system-log-panel>, real server), ${fmt(COUNT)} received (ms from navigation start)

| moment | median | min–max |
| --- | --- | --- |
| \`restore\` event: newest 1,000 emitted, cursor set | ${stat(wired.map((r) => r.restored))} |
| **first frame with rows in the panel** | ${stat(wired.map((r) => r.painted))} |
| socket open (the hello with the stored cursor follows) | ${stat(wired.map((r) => r.opened))} |

Entries restored per reload: ${wired.map((r) => r.restoredEntries).join(', ')}; rows in the first painted frame: ${wired.map((r) => r.rows).join(', ')}.`);
} finally {
  await browser.close();
  await server.close();
}
