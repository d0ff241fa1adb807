// Request-logging overhead per request: a plain node:http server with a trivial handler, without
// logging (baseline), with pino-http and with logwire.http(), each with its default settings and
// its console output on stdout, which is /dev/null (as `node app > /dev/null`: pino writes its
// lines with sonic-boom, logwire with its console sink, both on fd 1). The server runs in one
// child process, the load (keep-alive agent, CONCURRENCY requests in flight, a fixed count) in
// another; variants are interleaved round by round and each round is a fresh pair of processes.
// Overhead per request = 1/rps(variant) − 1/rps(baseline); CPU overhead = the server's CPU per
// request minus the baseline's (the steadier figure on a shared machine). Both are differences of
// two noisy figures of ~30–60 µs, so single runs swing widely even on an idle machine; the
// load-independent count is bench/request-logging-server-instructions.mjs (same server, same
// variants, instructions under cachegrind).
//
//   node bench/request-logging.mjs [rounds=5]   (needs `npm run build` first; stops early after ~45 s)
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, machine, median, runChild, summary, table } from './lib.mjs';

const VARIANTS = ['baseline', 'pino-http', 'logwire'];
const CONCURRENCY = 16;
const WARMUP = 2_000;
const COUNT = 10_000;
const BUDGET_MS = 45_000;

async function server(variant) {
  const handler = (req, res) => {
    res.setHeader('content-type', 'text/plain');
    // The load child reads the server's CPU time before and after the measured requests.
    res.end(req.url === '/cpu' ? JSON.stringify(process.cpuUsage()) : 'ok');
  };
  let listener = handler;
  if (variant === 'pino-http') {
    const { default: pino } = await import('pino');
    const { default: pinoHttp } = await import('pino-http');
    const logger = pinoHttp({ logger: pino() });
    listener = (req, res) => {
      logger(req, res);
      handler(req, res);
    };
  } else if (variant === 'logwire') {
    const { createLogwire } = await import('../packages/server/dist/index.js');
    const logwire = createLogwire();
    listener = logwire.http().wrap(handler);
  }
  const srv = http.createServer({ keepAliveTimeout: 60_000 }, listener);
  // stdout is the log output: the port goes to the parent over the IPC channel.
  srv.listen(0, '127.0.0.1', () => process.send(srv.address().port));
}

async function load(port) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const once = (path = '/api/items?page=2') =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { 'user-agent': 'bench' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body));
      });
      req.on('error', reject);
      req.end();
    });
  const run = async (count) => {
    let left = count;
    const worker = async () => {
      while (left-- > 0) await once();
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  };
  const cpu = async () => {
    const { user, system } = JSON.parse(await once('/cpu'));
    return user + system;
  };
  await run(WARMUP);
  const cpu0 = await cpu();
  const start = process.hrtime.bigint();
  await run(COUNT);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpuUs = ((await cpu()) - cpu0) / COUNT;
  agent.destroy();
  process.stdout.write(JSON.stringify({ rps: COUNT / seconds, cpuUs }) + '\n');
}

async function round(script, variant) {
  const devNull = openSync('/dev/null', 'w');
  const child = spawn(process.execPath, [script, '--server', variant], { stdio: ['ignore', devNull, 'inherit', 'ipc'] });
  try {
    const port = await new Promise((resolve) => {
      child.once('message', resolve);
      child.once('exit', () => resolve(undefined));
    });
    if (!port) throw new Error(`${variant}: the server child printed no port`);
    return await runChild(script, ['--load', String(port)], { timeoutMs: 60_000 });
  } finally {
    child.kill();
    closeSync(devNull);
  }
}

export async function measureRequestLogging(rounds = 5) {
  const script = fileURLToPath(import.meta.url);
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const started = Date.now();
  for (let r = 0; r < rounds; r++) {
    if (r >= 2 && Date.now() - started > BUDGET_MS) break;
    // Rotate the order each round so no variant always runs first (or right after another one).
    const order = VARIANTS.map((_, i) => VARIANTS[(i + r) % VARIANTS.length]);
    for (const variant of order) results[variant].push(await round(script, variant));
  }
  const baseRps = median(results.baseline.map((r) => r.rps));
  const baseCpu = median(results.baseline.map((r) => r.cpuUs));
  const rows = VARIANTS.map((variant) => {
    const rps = summary(results[variant].map((r) => r.rps));
    const cpuUs = median(results[variant].map((r) => r.cpuUs));
    return { variant, rps, overheadUs: (1 / rps.median - 1 / baseRps) * 1e6, cpuUs, cpuOverheadUs: cpuUs - baseCpu };
  });
  const pino = rows.find((r) => r.variant === 'pino-http');
  const logwire = rows.find((r) => r.variant === 'logwire');
  return { rows, rounds: results.baseline.length, pino, logwire };
}

// The goal compares overheads; a ratio only means something when pino-http's overhead is above zero
// (on a noisy machine it can come out at or below the baseline's), so the verdict compares the overheads.
const ratioText = (ours, peer) => (peer > 0 ? `${fmt(ours / peer, 2)}×` : `n/a, pino-http ${fmt(peer, 1)} µs`);

export function renderRequestLogging({ rows, rounds, pino, logwire }) {
  const verdict = (ours, peer) => (ours <= peer ? 'met' : 'not met');
  // Server CPU per request is the steadier figure on a shared machine: the goal line goes by it.
  const met = logwire.cpuOverheadUs <= pino.cpuOverheadUs;
  return [
    `### Request logging (node:http, ${CONCURRENCY} in flight, ${COUNT} requests per round, median of ${rounds} rounds)`,
    '',
    table(
      ['variant', 'requests/s', 'min–max', 'overhead µs/request', 'server CPU µs/request', 'CPU overhead µs/request'],
      rows.map(({ variant, rps, overheadUs, cpuUs, cpuOverheadUs }) => [
        variant,
        fmt(rps.median),
        fmtRange(rps),
        variant === 'baseline' ? '—' : fmt(overheadUs, 1),
        fmt(cpuUs, 1),
        variant === 'baseline' ? '—' : fmt(cpuOverheadUs, 1),
      ]),
    ),
    '',
    `Overhead = 1/rps(variant) − 1/rps(baseline); CPU overhead = server CPU per request minus the baseline's.`,
    `logwire ÷ pino-http: ${ratioText(logwire.overheadUs, pino.overheadUs)} by throughput, ` +
      `${ratioText(logwire.cpuOverheadUs, pino.cpuOverheadUs)} by server CPU.`,
    `By throughput the goal is ${verdict(logwire.overheadUs, pino.overheadUs)}.`,
    '',
    `- ${met ? 'met' : '**not met**'}: logwire.http() ≤ 1.0× pino-http per request (server CPU) — ` +
      `${ratioText(logwire.cpuOverheadUs, pino.cpuOverheadUs)}`,
  ].join('\n');
}

if (process.argv[2] === '--server') {
  await server(process.argv[3]);
} else if (process.argv[2] === '--load') {
  await load(Number(process.argv[3]));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.platform}, Node ${m.node}\n`);
  console.log(renderRequestLogging(await measureRequestLogging(Number(process.argv[2] ?? 5))));
}
