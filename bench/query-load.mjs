// 100 concurrent text queries over a 55 MB log directory: does the app's event loop keep turning?
// Measures, in the server process, the event-loop delay (p99, max) and how many ticks the app's
// 10 ms timer ran out of those it should have, while the queries run. Each server runs in its own
// child process over the same directory (written with plain fs, not through the logger):
//   idle       — no queries for 2 s: the machine's own noise floor for both figures
//   busy       — no queries; 5 s of 4 ms busy slices with setImmediate between them: the best a
//                server that wants all the CPU can do on this machine (its ceiling under load)
//   before     — the query API as it was: the handler reads synchronously (queryLogs; run this one
//                against a build of the earlier commit for the figures before the change)
//   yielding   — createQueryHandler doing the same work (limits and budgets raised to cover it all)
//   defaults   — createQueryHandler with its default limits and budgets (2 per client, 16 MiB, 1 s)
// Needs the build (npm run build). Every variant has a time limit; one that exceeds it is reported
// as such. Prints the CPU model and the load average (other processes take CPU from the timer too).
//   node bench/query-load.mjs [sizeMB=55] [queries=100] [limitSeconds=150] [variants=idle,busy,before,yielding,defaults]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { fmt, machine, table } from './lib.mjs';

const VARIANTS = ['idle', 'busy', 'before', 'yielding', 'defaults'];
const TIMER_MS = 10;

if (process.argv[2] === '--server') await server(process.argv[3], process.argv[4]);
else await main();

async function main() {
  const sizeMb = Number(process.argv[2] ?? 55);
  const queries = Number(process.argv[3] ?? 100);
  const limitSeconds = Number(process.argv[4] ?? 150);
  const variants = (process.argv[5] ?? VARIANTS.join(',')).split(',').filter((name) => VARIANTS.includes(name));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-bench-query-'));
  try {
    const { written, lines } = writeDirectory(dir, sizeMb);
    const results = {};
    for (const variant of variants) {
      process.stderr.write(`query-load: ${variant}…\n`);
      results[variant] = await once(variant, dir, queries, limitSeconds, (cursor) => scannedMb(written, lines, cursor));
    }
    const m = machine();
    console.log(
      `CPU: ${m.cpu}; Node ${m.node}; ${m.platform}; load average ${os
        .loadavg()
        .map((n) => n.toFixed(1))
        .join(' ')}`,
    );
    const over = `${fmt(written / 1e6)} MB (system.log + rotated files)`;
    console.log(`\n### ${queries} concurrent text queries over ${over}, app timer every ${TIMER_MS} ms\n`);
    const row = (variant) => {
      const r = results[variant];
      if (r.timedOut) return [variant, `> ${limitSeconds} s (stopped)`, '—', '—', '—', '—', '—'];
      if (r.failed) return [variant, `failed: ${r.failed}`, '—', '—', '—', '—', '—'];
      const statuses = Object.entries(r.statuses)
        .map(([status, count]) => `${count}× ${status}`)
        .join(', ');
      const ticks = `${fmt(r.tickRatio * 100, 0)} %`;
      return [variant, fmt(r.seconds, 1), fmt(r.p99Ms, 1), fmt(r.maxMs, 0), ticks, statuses, fmt(r.mbScanned, 0)];
    };
    const header = ['server', 'wall s', 'loop delay p99 ms', 'max ms', '10 ms timer ticks run', 'answers', 'MB scanned'];
    console.log(table(header, variants.map(row)));
    console.log('\n' + JSON.stringify({ cpu: m.cpu, sizeMb: written / 1e6, queries, results }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes about `sizeMb` MB of system.log lines as the file store would (10 MB files, newest in system.log). */
function writeDirectory(dir, sizeMb) {
  const T0 = Date.UTC(2026, 2, 14);
  const perFile = 10_000_000;
  const files = Math.ceil((sizeMb * 1e6) / perFile);
  let i = 0;
  let written = 0;
  for (let file = files - 1; file >= 0; file--) {
    const lines = [];
    let bytes = 0;
    const target = Math.min(perFile, sizeMb * 1e6 - written);
    while (bytes < target) {
      const ms = T0 + i;
      const text =
        `{"id":"${ms}-0","timestamp":"${new Date(ms).toISOString()}","level":"INFO","logger":"app.worker.${i % 17}",` +
        `"message":"job ${i} finished after ${i % 997} ms for tenant t-${i % 31}","tenant":"t-${i % 31}","i":${i}}`;
      lines.push(text);
      bytes += text.length + 1;
      i++;
    }
    fs.writeFileSync(path.join(dir, file === 0 ? 'system.log' : `system.log.${file}`), lines.join('\n') + '\n');
    written += bytes;
  }
  return { written, lines: i };
}

async function once(variant, dir, queries, limitSeconds, scanned) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server', variant, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const nextLine = lineReader(child.stdout);
  const timer = setTimeout(() => child.kill('SIGKILL'), limitSeconds * 1000);
  try {
    const port = Number(await nextLine());
    child.stdin.write('go\n');
    await nextLine();
    const started = performance.now();
    const statuses = {};
    let mbScanned = 0;
    const quiet = variant === 'idle' || variant === 'busy';
    if (quiet) await new Promise((resolve) => setTimeout(resolve, variant === 'idle' ? 2000 : 5000));
    await Promise.all(
      Array.from({ length: quiet ? 0 : queries }, async (_, n) => {
        // A server that does not read its sockets for long enough has them reset (header timeout).
        const pathname = `/logs/system?text=no-such-text-${n}&limit=1000`;
        const answer = await get(port, pathname).catch((error) => ({ status: error.code ?? 'error' }));
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (answer.status === 200) mbScanned += scanned(JSON.parse(answer.body).cursor);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    child.stdin.write('stop\n');
    const measured = JSON.parse(await nextLine());
    return { seconds, statuses, mbScanned, ...measured };
  } catch (error) {
    return child.signalCode === 'SIGKILL' ? { timedOut: true } : { failed: String(error?.message ?? error) };
  } finally {
    clearTimeout(timer);
    child.kill();
  }
}

/** MB of the directory a query read: all of it without a cursor, else the lines newer than the cursor (entry i is at T0 + i ms). */
function scannedMb(written, lines, cursor) {
  if (cursor === null) return written / 1e6;
  const i = Number(cursor.split('-')[0]) - Date.UTC(2026, 2, 14);
  return (written * (lines - i)) / lines / 1e6;
}

function get(port, pathname) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body }));
      })
      .on('error', reject);
  });
}

function lineReader(stream) {
  const queue = [];
  const waiting = [];
  let closed = false;
  const lines = createInterface({ input: stream });
  lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()(line) : queue.push(line)));
  // A child that exits (or is stopped at the time limit) answers every later read with undefined.
  lines.on('close', () => {
    closed = true;
    for (const resolve of waiting.splice(0)) resolve(undefined);
  });
  return () => (queue.length > 0 || closed ? Promise.resolve(queue.shift()) : new Promise((resolve) => waiting.push(resolve)));
}

/** The server process: one variant of the query API, an app timer, and the loop-delay monitor. */
async function server(variant, dir) {
  const { createQueryHandler, queryLogs } = await import('../packages/server/dist/index.js');
  let handler;
  if (variant === 'before') {
    // What the handler did before: authenticate (async), then read the files synchronously.
    handler = async (request, response) => {
      await Promise.resolve(true);
      const url = new URL(request.url, 'http://localhost');
      const page = queryLogs(dir, 'system', { text: url.searchParams.get('text'), limit: Number(url.searchParams.get('limit')) });
      response.setHeader('Content-Type', 'application/json; charset=utf-8');
      response.end(JSON.stringify(page));
    };
  } else {
    const limits =
      variant === 'yielding'
        ? { maxConcurrent: 1000, maxConcurrentPerPrincipal: 1000, maxBytesPerQuery: 1 << 30, maxMsPerQuery: 3_600_000 }
        : {};
    handler = createQueryHandler({ dir, limits });
  }
  const httpServer = http.createServer((request, response) => void handler(request, response));
  await new Promise((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  console.log(httpServer.address().port);
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let ticks = 0;
  const input = lineReader(process.stdin);
  await input();
  delay.enable();
  setInterval(() => ticks++, TIMER_MS);
  const started = performance.now();
  let busy = variant === 'busy';
  const work = () => {
    const from = performance.now();
    while (performance.now() - from < 4);
    if (busy) setImmediate(work);
  };
  if (busy) work();
  console.log('started');
  await input();
  busy = false;
  const elapsed = performance.now() - started;
  delay.disable();
  console.log(
    JSON.stringify({
      p99Ms: delay.percentile(99) / 1e6,
      maxMs: delay.max / 1e6,
      ticks,
      expectedTicks: Math.floor(elapsed / TIMER_MS),
      tickRatio: ticks / Math.floor(elapsed / TIMER_MS),
    }),
  );
  process.exit(0);
}
