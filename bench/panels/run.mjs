// Panel benchmark in headless Chromium (`npm run bench:panels`, after `npm run build`):
//   1. ingest: a real logwire server streams N msg/s over a WebSocket into <system-log-panel>
//      (limit 100,000) for a few seconds; frame times are recorded with requestAnimationFrame and
//      long tasks with PerformanceObserver.
//   1b. the same rate from an in-page source, without the socket.
//   1c, 1d. both again with `wrap` on (every 10th message is a long one, a few lines when wrapped).
//   2. scroll: with 100,000 entries held, the list is scrolled a few hundred px every frame.
//   3. memory: JS heap after a forced GC, before and after 100,000 entries are held.
// Prints a table. Options: --rate=5000 --seconds=10. Numbers depend on the machine; nothing here
// is asserted.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import os from 'node:os';
import puppeteer from 'puppeteer-core';
import { createLogwire } from '../../packages/server/dist/index.js';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const RATE = arg('rate', 5000);
const SECONDS = arg('seconds', 10);
const bundle = await readFile(new URL('../../packages/panels/dist/logwire.bundle.js', import.meta.url));

const PAGE = `<!doctype html><meta charset="utf-8"><title>bench</title>
<style>html,body{margin:0;height:100%} system-log-panel{height:700px;width:1200px}</style>
<script type="module" src="/logwire.bundle.js"></script>`;

const logwire = createLogwire({ callsite: false, level: { '': 'DEBUG' }, console: false });
const http = createServer((request, response) => {
  if (request.url === '/logwire.bundle.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
  else response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
});
logwire.attach(http);
await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${http.address().port}`;

const browser = await puppeteer.launch({
  executablePath: findChromium(),
  headless: true,
  args: [...CHROMIUM_ARGS, '--js-flags=--expose-gc'],
});

/** A long message (about 300 characters, several lines when wrapped). */
const LONG = (n) => `request ${n} failed after retries: ${'upstream timed out while reading the response body; '.repeat(5)}giving up`;

// Logs RATE lines per second in 10 ms ticks, with the extra fields a real service adds.
function generate(seconds) {
  const logger = logwire.getLogger('bench.service');
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARNING', 'ERROR'];
  let sent = 0;
  const started = Date.now();
  return new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.floor(((Date.now() - started) / 1000) * RATE);
      for (; sent < due; sent++)
        logger.log(levels[sent % levels.length], sent % 10 === 0 ? LONG(sent) : `request ${sent} handled in ${sent % 97} ms`, {
          request_id: `r-${sent}`,
          status: 200,
          bytes: sent % 4096,
        });
      if (Date.now() - started >= seconds * 1000) {
        clearInterval(tick);
        resolve(sent);
      }
    }, 10);
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
function frameStats(frames) {
  const sorted = [...frames].sort((a, b) => a - b);
  const mean = frames.reduce((sum, value) => sum + value, 0) / Math.max(1, frames.length);
  return {
    frames: frames.length,
    fps: 1000 / mean,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
    over33: frames.filter((value) => value > 33.4).length,
  };
}

async function openPanel() {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(origin);
  await page.waitForFunction(() => customElements.get('system-log-panel') !== undefined);
  return page;
}

// 1. Ingest over a real WebSocket.
async function ingestOverSocket(wrap) {
  const ingestPage = await openPanel();
  await ingestPage.evaluate(
    (url, wrap) => {
      const panel = document.createElement('system-log-panel');
      panel.setAttribute('limit', '100000');
      panel.wrap = wrap;
      panel.setAttribute('src', url);
      document.body.append(panel);
    },
    `ws://127.0.0.1:${http.address().port}/ws/logs`,
    wrap,
  );
  await ingestPage.waitForFunction(
    () => document.querySelector('system-log-panel').shadowRoot?.querySelector('[part="state"]')?.textContent === 'Live',
  );
  await ingestPage.evaluate(() => {
    window.__frames = [];
    window.__longTasks = [];
    new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((entry) => entry.duration))).observe({
      type: 'longtask',
    });
    let last = performance.now();
    const loop = (now) => {
      window.__frames.push(now - last);
      last = now;
      if (!window.__stop) requestAnimationFrame(loop);
    };
    requestAnimationFrame(loop);
  });
  const sent = await generate(SECONDS);
  await ingestPage.waitForFunction(
    (count) => document.querySelector('system-log-panel').entries.length >= Math.min(count, 100000),
    { timeout: 30_000 },
    sent,
  );
  const ingest = await ingestPage.evaluate(() => {
    window.__stop = true;
    const panel = document.querySelector('system-log-panel');
    return {
      frames: window.__frames.slice(2),
      longTasks: window.__longTasks,
      held: panel.entries.length,
      rows: panel.shadowRoot.querySelectorAll('[part="row"]').length,
    };
  });
  await ingestPage.close();
  return { ...ingest, sent };
}

// 1b. The same rate from an in-page source (no socket), to separate the panel's own rendering cost
// from the cost of receiving one WebSocket message per line.
async function ingestInPage(wrap) {
  const localPage = await openPanel();
  const local = await localPage.evaluate(
    async (rate, seconds, wrap) => {
      const listeners = new Map();
      const source = { state: 'live', on: (event, callback) => (listeners.set(event, callback), () => listeners.delete(event)) };
      const panel = document.createElement('system-log-panel');
      panel.setAttribute('limit', '100000');
      panel.wrap = wrap;
      panel.client = source;
      document.body.append(panel);
      const frames = [];
      const longTasks = [];
      new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((entry) => entry.duration))).observe({ type: 'longtask' });
      const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARNING', 'ERROR'];
      let sent = 0;
      const started = performance.now();
      const timer = setInterval(() => {
        const due = Math.floor(((performance.now() - started) / 1000) * rate);
        for (; sent < due; sent++) {
          const message =
            sent % 10 === 0
              ? `request ${sent} failed after retries: ${'upstream timed out while reading the response body; '.repeat(5)}giving up`
              : `request ${sent}`;
          const text = `{"type":"system_log","data":{"timestamp":"${new Date().toISOString()}","level":"${levels[sent % 6]}","logger":"bench.service","message":"${message}","module":"handler","function":"handle","line":1,"request_id":"r-${sent}"}}`;
          listeners.get('message')?.(JSON.parse(text));
        }
      }, 10);
      let last = performance.now();
      await new Promise((resolve) => {
        const loop = (now) => {
          frames.push(now - last);
          last = now;
          if (now - started < seconds * 1000) requestAnimationFrame(loop);
          else resolve();
        };
        requestAnimationFrame(loop);
      });
      clearInterval(timer);
      return {
        frames: frames.slice(2),
        longTasks,
        held: panel.entries.length,
        rows: panel.shadowRoot.querySelectorAll('[part="row"]').length,
      };
    },
    RATE,
    SECONDS,
    wrap,
  );
  await localPage.close();
  return local;
}

const ingest = await ingestOverSocket(false);
const local = await ingestInPage(false);
const ingestWrap = await ingestOverSocket(true);
const localWrap = await ingestInPage(true);
const sent = ingest.sent;

// 2 and 3. 100,000 entries held: memory, then scrolling through them.
const memoryPage = await openPanel();
const cdp = await memoryPage.createCDPSession();
const heap = async () => {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
};
await memoryPage.evaluate(() => {
  // An in-page source with the client's event API, so only the panel's own memory is measured.
  const listeners = new Map();
  window.__source = {
    state: 'live',
    on: (event, callback) => (listeners.set(event, callback), () => listeners.delete(event)),
    emit: (event, value) => listeners.get(event)?.(value),
  };
  const panel = document.createElement('system-log-panel');
  panel.setAttribute('limit', '100000');
  panel.client = window.__source;
  document.body.append(panel);
});
await new Promise((resolve) => setTimeout(resolve, 300));
const before = await heap();
await memoryPage.evaluate(() => {
  const levels = ['INFO', 'INFO', 'INFO', 'DEBUG', 'WARNING', 'ERROR'];
  const base = Date.now();
  for (let i = 0; i < 100_000; i++) {
    // Parsed from JSON text, as messages from a socket are.
    const text = `{"type":"system_log","id":"${base}-${i}","data":{"timestamp":"${new Date(base + i).toISOString()}","level":"${levels[i % 6]}","logger":"bench.service","message":"request ${i} handled in ${i % 97} ms","module":"handler","function":"handle","line":${i % 300},"request_id":"r-${i}","status":200,"bytes":${i % 4096}}}`;
    window.__source.emit('message', JSON.parse(text));
  }
});
await memoryPage.waitForFunction(() => document.querySelector('system-log-panel').entries.length === 100_000);
await new Promise((resolve) => setTimeout(resolve, 300));
const after = await heap();
const scroll = await memoryPage.evaluate(async () => {
  const panel = document.querySelector('system-log-panel');
  const list = panel.shadowRoot.querySelector('[part="list"]');
  list.scrollTop = 0;
  list.dispatchEvent(new Event('scroll'));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const frames = [];
  let maxRows = 0;
  let last = performance.now();
  await new Promise((resolve) => {
    let step = 0;
    const loop = (now) => {
      frames.push(now - last);
      last = now;
      list.scrollTop += 400;
      maxRows = Math.max(maxRows, panel.shadowRoot.querySelectorAll('[part="row"]').length);
      if (++step < 300) requestAnimationFrame(loop);
      else resolve();
    };
    requestAnimationFrame(loop);
  });
  return { frames: frames.slice(2), maxRows };
});
await memoryPage.close();
await browser.close();
await logwire.close();
http.close();

const ingestStats = frameStats(ingest.frames);
const localStats = frameStats(local.frames);
const scenario = (name, result) => {
  const stats = frameStats(result.frames);
  return [
    name,
    stats.frames,
    stats.fps.toFixed(0),
    ms(stats.p50),
    ms(stats.p95),
    ms(stats.p99),
    ms(stats.max),
    stats.over33,
    result.longTasks.length,
  ];
};
const scrollStats = frameStats(scroll.frames);
function ms(value) {
  return value.toFixed(1);
}
const rows = [
  ['scenario', 'frames', 'fps', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'frames > 33 ms', 'long tasks'],
  [
    `ingest ${RATE}/s for ${SECONDS}s`,
    ingestStats.frames,
    ingestStats.fps.toFixed(0),
    ms(ingestStats.p50),
    ms(ingestStats.p95),
    ms(ingestStats.p99),
    ms(ingestStats.max),
    ingestStats.over33,
    ingest.longTasks.length,
  ],
  [
    `ingest ${RATE}/s in-page, no socket`,
    localStats.frames,
    localStats.fps.toFixed(0),
    ms(localStats.p50),
    ms(localStats.p95),
    ms(localStats.p99),
    ms(localStats.max),
    localStats.over33,
    local.longTasks.length,
  ],
  scenario(`ingest ${RATE}/s, wrap on`, ingestWrap),
  scenario(`ingest ${RATE}/s in-page, wrap on`, localWrap),
  [
    'scroll 100k held, 400 px/frame',
    scrollStats.frames,
    scrollStats.fps.toFixed(0),
    ms(scrollStats.p50),
    ms(scrollStats.p95),
    ms(scrollStats.p99),
    ms(scrollStats.max),
    scrollStats.over33,
    '—',
  ],
];
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
const line = (row) => `| ${row.map((value, column) => String(value).padEnd(widths[column])).join(' | ')} |`;
console.log(
  `Chromium headless, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${os.loadavg()[0].toFixed(1)} at the end`,
);
console.log(line(rows[0]));
console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
for (const row of rows.slice(1)) console.log(line(row));
console.log('');
console.log(
  `ingest: sent ${sent}, held ${ingest.held}, rendered rows ${ingest.rows}; wrap on: held ${ingestWrap.held}, rendered rows ${ingestWrap.rows}`,
);
console.log(
  `wrap on / off, same run: p95 frame ${(frameStats(ingestWrap.frames).p95 / Math.max(0.1, ingestStats.p95)).toFixed(2)}× over the socket, ${(frameStats(localWrap.frames).p95 / Math.max(0.1, localStats.p95)).toFixed(2)}× in-page`,
);
console.log(`scroll: most rows rendered at once ${scroll.maxRows}`);
console.log(
  `memory: JS heap ${(before / 1048576).toFixed(1)} MB empty → ${(after / 1048576).toFixed(1)} MB with 100,000 entries = ${((after - before) / 1048576).toFixed(1)} MB per 100k (${Math.round((after - before) / 100_000)} bytes/entry)`,
);
