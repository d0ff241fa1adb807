// Server CPU per event-loop turn on the live path, in instructions counted by valgrind's cachegrind
// (load-independent): the figure behind bench/latency.mjs's tail on a machine where the server
// competes with its clients for the cores. The server runs under valgrind with CLIENTS real
// WebSocket clients connected from this process (outside valgrind, reading every frame; logwire's
// do the extended protocol's hello, as bench/fanout/latency-clients.mjs does). Each turn, this
// process writes one byte to the server's stdin; the server makes K log calls and lets the event
// loop flush; the next byte goes once every client has received that turn's frame (holding K
// records), so every run does the same work whatever the machine's load. Each variant runs LOW and
// HIGH turns; (count at HIGH − count at LOW) ÷ (HIGH − LOW) is the cost of one turn with start-up,
// connecting and warm-up cancelled out. It leaves out V8's compilers and parser (cachegrind.mjs,
// counts), which with --single-threaded run on the main thread whenever a function turns hot, and
// differently from run to run (their share is printed). What is left repeated within 0.5 % for the
// anchor and within ~10 % for logwire, whose larger code keeps changing tiers for longer: compare
// several runs. It includes the stdin read that starts a turn (the same in both variants). Variants, as bench/fanout/latency-server.mjs
// builds them:
//   logwire  createLogwire({ callsite: false, console: false, … }), log.info(…) per call, logwire.attach(http)
//   ws-tick  bare ws: the same record per call with a stream id, queued, one pre-encoded batch
//            frame per turn to every client (the anchor)
//
//   node bench/live-turn-instructions.mjs [low=3000] [high=6000] [--calls 10,1] [--variants logwire,ws-tick] [--keep DIR]
//   node bench/live-turn-instructions.mjs 0 <turns> --cpu-prof DIR  (no valgrind: V8 profiles of <turns> turns per variant)
//   node bench/live-turn-instructions.mjs --child <variant> <calls per turn>  (the server, what valgrind runs)
// --keep DIR keeps each run's cachegrind output there (cg_annotate, cg_diff; cachegrind cannot name
// JIT-compiled JavaScript: --cpu-prof can). LIVE_TURN_LOGWIRE_OPTIONS is JSON merged into logwire's
// options (to see what each part costs); LOGWIRE_DIST points at another build of the server package
// (to compare two builds).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { drivenInstructions } from './cachegrind.mjs';
import { fmt, machine, table } from './lib.mjs';

const VARIANTS = ['logwire', 'ws-tick'];
const CLIENTS = 10;
/** No keep-alive timer may fire during a run: a run's length under valgrind depends on the load. */
const NEVER = 2_147_483_647;
/** Records the history can hold: nothing is evicted in any run (eviction would differ between LOW and HIGH). */
const HISTORY = 200_000;
const TS = Buffer.from('"ts":');
/** Longest a run may take (valgrind runs node ~50× slower). */
const RUN_LIMIT_MS = 20 * 60_000;

/** The server: makes `calls` log calls for each byte on stdin, exits on `q`. */
async function child(variant, calls) {
  const http = createServer();
  const now = () => performance.timeOrigin + performance.now();
  let emit;
  if (variant === 'ws-tick') {
    const { wsTick } = await import('./fanout/ws-tick.mjs');
    emit = wsTick(http, now).emit;
  } else {
    const dist = process.env.LOGWIRE_DIST ?? '../packages/server/dist/index.js';
    const { createLogwire } = await import(dist.startsWith('/') ? `file://${dist}` : dist);
    // LIVE_TURN_LOGWIRE_OPTIONS is JSON merged into logwire's options (to see what each part costs).
    const extra = JSON.parse(process.env.LIVE_TURN_LOGWIRE_OPTIONS ?? '{}');
    const logwire = createLogwire({ callsite: false, console: false, historySize: HISTORY, historyBytes: HISTORY * 512, ...extra });
    logwire.attach(http, { maxConnections: 10_000, maxConnectionsPerAddress: 10_000, pingInterval: NEVER, heartbeatInterval: NEVER });
    const log = logwire.getLogger('bench.latency');
    emit = (i) => log.info(`record ${i}`, { ts: now() });
  }
  let made = 0;
  process.stdin.on('data', (chunk) => {
    for (const byte of chunk) {
      if (byte === 0x71) process.exit(0);
      for (let k = 0; k < calls; k++) emit(made++);
    }
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  process.stdout.write(`${http.address().port}\n`);
}

/** The port the server prints (a line of digits; V8's --trace-* output may come before it). */
function portOf(stream) {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk) => {
      text += chunk;
      const port = text.match(/^(\d+)$/m);
      if (port === null) return;
      stream.off('data', onData);
      resolve(port[1]);
    };
    stream.on('data', onData);
    stream.once('end', () => reject(new Error(`the server ended before printing its port: ${text.slice(-500)}`)));
  });
}

/** How many `"ts":` a frame holds (one per record). */
function records(frame) {
  let n = 0;
  for (let i = frame.indexOf(TS); i !== -1; i = frame.indexOf(TS, i + TS.length)) n++;
  return n;
}

/**
 * A client of `variant` at `url`; resolves once it is live (ws-tick: open; logwire: after the
 * welcome and the initial batch) with the socket, whose later frames go to `onFrame`.
 */
function connect(variant, url, onFrame) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let before = variant === 'logwire' ? 2 : 0;
    ws.on('error', reject);
    ws.on('open', () => {
      if (variant !== 'logwire') resolve(ws);
      else ws.send(JSON.stringify({ type: 'hello', data: { v: 1, capabilities: ['batch'] } }));
    });
    ws.on('message', (data) => {
      if (before === 0) onFrame(data);
      else if (--before === 0) resolve(ws);
    });
  });
}

/** Drives one server run: connects the clients, then `turns` turns of `calls` calls, then `q`. */
async function drive(server, variant, calls, turns) {
  const port = await portOf(server.stdout);
  let received = 0;
  let turn = 0;
  let settle;
  const done = new Promise((resolve, reject) => (settle = { resolve, reject }));
  const next = () => {
    if (turn++ === turns) {
      server.stdin.write('q');
      settle.resolve();
    } else server.stdin.write('t');
  };
  const onFrame = (frame) => {
    const n = records(frame);
    if (n !== calls) settle.reject(new Error(`turn ${turn}: a frame held ${n} records, not ${calls}`));
    if (++received < CLIENTS) return;
    received = 0;
    next();
  };
  const url = `ws://127.0.0.1:${port}${variant === 'logwire' ? '/ws/logs' : ''}`;
  const sockets = await Promise.all(Array.from({ length: CLIENTS }, () => connect(variant, url, onFrame)));
  for (const ws of sockets) ws.on('error', () => undefined);
  const limit = setTimeout(() => settle.reject(new Error(`${variant}: ${turns} turns took over ${RUN_LIMIT_MS} ms`)), RUN_LIMIT_MS);
  next();
  try {
    await done;
  } finally {
    clearTimeout(limit);
  }
}

// One thread and a predictable heap; no memory reducer (it starts full collections by wall time,
// see bench/request-logging-server-instructions.mjs).
const nodeFlags = [
  '--single-threaded',
  '--predictable',
  '--no-memory-reducer',
  ...(process.env.LIVE_TURN_NODE_FLAGS?.split(' ').filter(Boolean) ?? []),
];

/** Instructions (whole process) of one run of `variant` with `calls` calls per turn and `turns` turns. */
export function runOnce(variant, calls, turns, keep) {
  const label = `${variant} ${calls}×${turns}`;
  const out = keep === undefined ? undefined : join(keep, `cachegrind.${variant}.${calls}x${turns}.out`);
  return drivenInstructions(
    [fileURLToPath(import.meta.url), '--child', variant, String(calls)],
    nodeFlags,
    (server) => drive(server, variant, calls, turns),
    { label, keep: out },
  );
}

/**
 * One run of `variant` outside valgrind with V8's sampling profiler (`--cpu-prof`), its profile
 * written to `dir`: the JavaScript functions behind the count (cachegrind cannot name JIT code).
 */
async function profileOnce(variant, calls, turns, dir) {
  const name = `${variant}-${calls}x${turns}.cpuprofile`;
  const flags = [...nodeFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`];
  const server = spawn(process.execPath, [...flags, fileURLToPath(import.meta.url), '--child', variant, String(calls)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => server.on('exit', resolve));
  await drive(server, variant, calls, turns);
  if ((await exited) !== 0) throw new Error(`${variant}: the profiled server failed`);
  return join(dir, name);
}

/**
 * Instructions per turn of each variant at each number of calls per turn: `steady` without V8's
 * compilers and parser (bench/cachegrind.mjs, counts), `compiling` their share.
 */
export async function measureLiveTurnInstructions({ low = 3000, high = 6000, calls = [10, 1], variants = VARIANTS, keep } = {}) {
  const perTurn = {};
  for (const k of calls) {
    for (const variant of variants) {
      const a = await runOnce(variant, k, low, keep);
      const b = await runOnce(variant, k, high, keep);
      const steady = (b.steady - a.steady) / (high - low);
      (perTurn[variant] ??= {})[k] = { steady, compiling: (b.all - a.all) / (high - low) - steady };
    }
  }
  return { low, high, calls, variants, perTurn };
}

export function renderLiveTurnInstructions({ low, high, calls, variants, perTurn }) {
  const rows = [];
  for (const k of calls) {
    for (const variant of variants) {
      const { steady, compiling } = perTurn[variant][k];
      const anchor = perTurn['ws-tick']?.[k]?.steady;
      const vsAnchor = variant !== 'ws-tick' && anchor !== undefined;
      rows.push([
        `${k}`,
        variant,
        fmt(steady),
        fmt(steady / k),
        vsAnchor ? `${fmt(steady / anchor, 2)}×` : '—',
        vsAnchor ? fmt(steady - anchor) : '—',
        fmt(compiling),
      ]);
    }
  }
  const lines = [
    `### Live path per event-loop turn in instructions (cachegrind, ${CLIENTS} clients, ${low} vs ${high} turns)`,
    '',
    table(['calls/turn', 'variant', 'instructions/turn', 'per record', '÷ ws-tick', '− ws-tick', 'compiling/turn (left out)'], rows),
  ];
  const [most, least] = [Math.max(...calls), Math.min(...calls)];
  if (most !== least) {
    lines.push('', `Marginal record, (turn at ${most} calls − turn at ${least}) ÷ ${most - least}:`);
    for (const variant of variants)
      lines.push(`- ${variant}: ${fmt((perTurn[variant][most].steady - perTurn[variant][least].steady) / (most - least))}`);
  }
  return lines.join('\n');
}

function option(name) {
  const at = process.argv.indexOf(name);
  if (at === -1) return undefined;
  const value = process.argv[at + 1];
  process.argv.splice(at, 2);
  return value;
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const calls = option('--calls')?.split(',').map(Number);
  const variants = option('--variants')?.split(',');
  const keep = option('--keep');
  const cpuProf = option('--cpu-prof');
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.platform}, Node ${m.node}\n`);
  const low = Number(process.argv[2] ?? 3000);
  const high = Number(process.argv[3] ?? 6000);
  if (cpuProf !== undefined) {
    for (const k of calls ?? [10, 1]) for (const variant of variants ?? VARIANTS) console.log(await profileOnce(variant, k, high, cpuProf));
    process.exit(0);
  }
  console.log(renderLiveTurnInstructions(await measureLiveTurnInstructions({ low, high, calls, variants, keep })));
}
