// The query API on real volumes: a generated log directory (default 1 GB of request records in
// rotated 10 MB files), queried in a fresh child process through `queryLogsAsync` (what
// GET /logs/* runs), against `grep -F` over the same files in the same run:
//   text page   — the newest 100 entries holding "connection reset" (0.2 % of lines) vs `grep -F 'connection reset' … | tail -n 100`
//   field page  — the newest 100 entries with status_code>=500 (1 %)       vs `grep -F '"status_code":5' … | tail -n 100`
//   window page — status_code>=500 within ten minutes in the middle of the data (the files of
//                 those minutes only)                                     vs the same grep over all files
// Each is run `rounds` times, alternating with grep; medians and their ratio are printed, with the
// child's peak RSS (the target is under 150 MB). Then, in another child, log calls (1 per ms, a late
// timer catching up, into a logwire instance with persistence) run for a few seconds alone and then beside
// 20 concurrent heavy queries (each pages through the whole directory with the HTTP API's default
// budget): log-call p99, event-loop delay p99 and calls made are printed for both.
// The directory is generated within a share of the time limit (a smaller one is reported as such)
// and deleted at the end. Needs the build (npm run build).
//   node bench/query.mjs [sizeMB=1000] [limitSeconds=600] [rounds=3]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fmt, machine, median, runChild, table } from './lib.mjs';

const FILE_BYTES = 10_000_000;
const LINE_MS = 10;
const T0 = Date.UTC(2026, 2, 14);

if (process.argv[2] === '--child') await child(process.argv[3], Number(process.argv[4]));
else if (process.argv[2] === '--load') await loadChild(process.argv[3]);
else await main();

async function main() {
  const sizeMb = Number(process.argv[2] ?? 1000);
  const limitSeconds = Number(process.argv[3] ?? 600);
  const rounds = Number(process.argv[4] ?? 3);
  const started = performance.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-bench-query-'));
  try {
    // Generation gets at most 40 % of the time limit; what it wrote is what is measured.
    const generated = generate(dir, sizeMb * 1e6, limitSeconds * 400);
    const genSeconds = (performance.now() - started) / 1000;
    process.stderr.write(`query: generated ${fmt(generated.bytes / 1e6)} MB (${generated.files} files) in ${fmt(genSeconds, 1)} s\n`);
    const left = Math.max(30, limitSeconds - genSeconds - 5);
    const script = fileURLToPath(import.meta.url);
    const result = await runChild(script, ['--child', dir, String(rounds)], { timeoutMs: left * 1000 }).catch((error) => ({
      failed: String(error.message).slice(0, 300),
    }));
    if (!result.failed) {
      const load = await runChild(script, ['--load', dir], { timeoutMs: 120_000 }).catch((error) => ({ failed: String(error.message) }));
      if (load.failed) result.failed = `load: ${load.failed.slice(0, 300)}`;
      else Object.assign(result, load);
    }
    report(generated, genSeconds, sizeMb, rounds, result);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function report(generated, genSeconds, sizeMb, rounds, result) {
  const m = machine();
  console.log(
    `CPU: ${m.cpu}; Node ${m.node}; ${m.platform}; load average ${os
      .loadavg()
      .map((n) => n.toFixed(1))
      .join(' ')}`,
  );
  const size = `${fmt(generated.bytes / 1e6)} MB in ${generated.files} files (${fmt(generated.lines)} lines)`;
  const short = generated.bytes < sizeMb * 1e6 * 0.99 ? ` — asked for ${sizeMb} MB, stopped by the time limit` : '';
  console.log(`\n### Query vs grep -F over ${size}${short}; generated in ${fmt(genSeconds, 1)} s\n`);
  if (result.failed) {
    console.log(`failed: ${result.failed}`);
    return;
  }
  const rows = result.pages.map((page) => [
    page.name,
    fmt(page.logwireMs, 1),
    fmt(page.grepMs, 1),
    `${fmt(page.grepMs / page.logwireMs, 1)}×`,
    String(page.entries),
  ]);
  console.log(
    table(['query (newest page of 100)', 'logwire ms', 'grep -F ms', 'grep / logwire (≥ 1 = as fast or faster)', 'entries'], rows),
  );
  console.log(`\nmedians of ${rounds} rounds each, alternating; grep reads every file, piped to tail -n 100`);
  console.log(
    `peak RSS: ${fmt(result.pagesRssMb, 1)} MB in the process answering the pages above, ` +
      `${fmt(result.loadRssMb, 1)} MB in the process logging beside 20 concurrent queries below (target < 150 MB)\n`,
  );
  const load = result.load;
  console.log(`### Log calls (1 per ms, persistence on) alone and beside 20 concurrent heavy queries\n`);
  console.log(
    table(
      ['phase', 'log calls', 'expected', 'log-call p99 µs', 'log-call max µs', 'event-loop delay p99 ms', 'query MB read'],
      [load.alone, load.loaded].map((phase) => [
        phase.name,
        fmt(phase.calls),
        fmt(phase.expected),
        fmt(phase.p99Us, 1),
        fmt(phase.maxUs, 0),
        fmt(phase.loopP99Ms, 1),
        fmt(phase.queryMb ?? 0),
      ]),
    ),
  );
  console.log('\n' + JSON.stringify({ cpu: m.cpu, bytes: generated.bytes, files: generated.files, ...result }));
}

/** One request record line, as the file store writes it (`{"id":…, …data}`). */
function line(i) {
  const ms = T0 + i * LINE_MS;
  const status = i % 100 === 0 ? 503 : i % 17 === 0 ? 404 : 200;
  const reset = i % 500 === 7;
  const message = reset ? `GET /api/items/${i % 9973} failed: connection reset by peer` : `GET /api/items/${i % 9973} ${status}`;
  return (
    `{"id":"${ms}-0","timestamp":"${new Date(ms).toISOString()}","level":"${status >= 500 || reset ? 'ERROR' : 'INFO'}","logger":"http",` +
    `"message":"${message}","module":"server","function":"handle","line":42,"category":"http","method":"GET",` +
    `"path":"/api/items/${i % 9973}","status_code":${status},"duration_ms":${i % 250},"user_id":${i % 10007},"request_id":"r-${(i * 2654435761) % 4294967296}"}`
  );
}

/** Writes up to `bytes` of lines, oldest first, within `ms`; names the files as rotation does (newest `system.log`). */
function generate(dir, bytes, ms) {
  const deadline = performance.now() + ms;
  const chunks = [];
  let written = 0;
  let i = 0;
  while (written < bytes && performance.now() < deadline) {
    const parts = [];
    let size = 0;
    while (size < FILE_BYTES && written + size < bytes) {
      const text = line(i++) + '\n';
      parts.push(text);
      size += text.length;
    }
    const name = path.join(dir, `chunk-${chunks.length}`);
    fs.writeFileSync(name, parts.join(''));
    chunks.push(name);
    written += size;
  }
  chunks.reverse().forEach((name, index) => fs.renameSync(name, path.join(dir, index === 0 ? 'system.log' : `system.log.${index}`)));
  return { bytes: written, files: chunks.length, lines: i };
}

/** The measuring process: query pages vs grep, then log calls beside heavy queries; prints one JSON line. */
async function child(dir, rounds) {
  const { queryLogsAsync } = await import('../packages/server/dist/index.js');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const files = fs
    .readdirSync(dir)
    .filter((name) => name.startsWith('system.log'))
    .map((name) => path.join(dir, name));
  const lines = fs.readdirSync(dir).reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0) / 320;
  // Ten minutes in the middle of the data (lines are LINE_MS apart from T0).
  const middle = T0 + Math.floor((lines * LINE_MS) / 2);
  const unlimited = { maxBytes: Number.MAX_SAFE_INTEGER, maxMs: 600_000 };
  const tests = [
    { name: 'text "connection reset"', query: { text: 'connection reset', since: 0 }, grep: 'connection reset' },
    { name: 'field status_code>=500', query: { fields: ['status_code>=500'], since: 0 }, grep: '"status_code":5' },
    {
      name: 'field, 10 minutes mid-data',
      query: { fields: ['status_code>=500'], since: middle - 300_000, until: middle + 300_000 },
      grep: '"status_code":5',
    },
  ];
  const pages = [];
  for (const test of tests) {
    const logwireMs = [];
    const grepMs = [];
    let entries = 0;
    for (let round = 0; round < rounds; round++) {
      const from = performance.now();
      const page = await queryLogsAsync(dir, 'system', { ...test.query, limit: 100 }, unlimited);
      logwireMs.push(performance.now() - from);
      entries = page.entries.length;
      grepMs.push(await grep(test.grep, files));
    }
    pages.push({ name: test.name, logwireMs: median(logwireMs), grepMs: median(grepMs), entries });
  }
  clearInterval(sampler);
  console.log(JSON.stringify({ pages, pagesRssMb: peakRss / 1e6 }));
  process.exit(0);
}

/** The logging process (a fresh one, so its RSS is its own): log calls alone, then beside 20 heavy queries. */
async function loadChild(dir) {
  const { createLogwire, queryLogsAsync } = await import('../packages/server/dist/index.js');
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const load = await logBesideQueries(createLogwire, queryLogsAsync, dir);
  clearInterval(sampler);
  console.log(JSON.stringify({ load, loadRssMb: peakRss / 1e6 }));
  process.exit(0);
}

/**
 * Wall time of `grep -F -h needle files… | tail -n 100` (the newest 100 matches, as the query
 * answers): grep's output goes to `tail`, not through this process, whose RSS is being measured.
 */
function grep(needle, files) {
  return new Promise((resolve, reject) => {
    const from = performance.now();
    const proc = spawn('sh', ['-c', 'grep -F -h -- "$0" "$@" | tail -n 100', needle, ...files], { stdio: ['ignore', 'pipe', 'inherit'] });
    proc.stdout.on('data', () => {});
    proc.on('error', reject);
    proc.on('close', () => resolve(performance.now() - from));
  });
}

async function logBesideQueries(createLogwire, queryLogsAsync, dir) {
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-bench-query-log-'));
  const logwire = createLogwire({ persistence: { dir: logDir }, console: false });
  const log = logwire.getLogger('app.worker');
  const phase = async (name, seconds, background) => {
    const durations = [];
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    let stop = false;
    let queryBytes = 0;
    const workers = background ? Array.from({ length: 20 }, (_, n) => heavyQuery(n)) : [];
    async function heavyQuery(n) {
      // A client paging through everything with the HTTP API's default budget (16 MiB / 1 s a page).
      let cursor;
      while (!stop) {
        const page = await queryLogsAsync(dir, 'system', { text: `no such text ${n}`, since: 0, limit: 1000, cursor }, {});
        queryBytes += 16 << 20;
        cursor = page.cursor ?? undefined;
      }
    }
    const started = performance.now();
    let n = 0;
    await new Promise((resolve) => {
      // One call per elapsed millisecond: a late timer catches up, so the app's logging volume stays
      // what it asks for, and each call's own duration is what is measured.
      const timer = setInterval(() => {
        const due = Math.floor(performance.now() - started);
        while (n < due) {
          const from = performance.now();
          log.info(`job ${n++} done`, { tenant: `t-${n % 31}`, ms: n % 997 });
          durations.push((performance.now() - from) * 1000);
        }
        if (performance.now() - started >= seconds * 1000) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });
    stop = true;
    await Promise.all(workers);
    delay.disable();
    durations.sort((a, b) => a - b);
    return {
      name,
      calls: durations.length,
      expected: Math.floor((performance.now() - started) / 1),
      p99Us: durations[Math.floor(durations.length * 0.99)],
      maxUs: durations.at(-1),
      loopP99Ms: delay.percentile(99) / 1e6,
      queryMb: background ? queryBytes / 1e6 : 0,
    };
  };
  const alone = await phase('alone', 5, false);
  const loaded = await phase('20 heavy queries', 10, true);
  await logwire.close();
  fs.rmSync(logDir, { recursive: true, force: true });
  return { alone, loaded };
}
