// Console output cost next to pino's own setups, same line as bench/console.mjs (a system line with
// three extra fields): logwire pretty (coloured) vs pino + pino-pretty (coloured, sync mode), both to
// /dev/null, and logwire json vs pino on stdout (the child's stdout is /dev/null). ns per call as the
// caller pays it, plus CPU per call with the end-of-turn writes. Fresh process per variant and round.
//
//   node bench/console-pretty.mjs [rounds=3]   (needs `npm run build` first)
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, machine, summary, table, timeCalls } from './lib.mjs';

const PAIRS = [
  ['logwire-pretty', 'pino-pretty'],
  ['logwire-json-stdout', 'pino-stdout'],
];
const VARIANTS = PAIRS.flat();
const N = 50_000;
const WARMUP = 10_000;
const CHUNK = 100;

async function child(variant) {
  const fields = { requestId: 'req-7f3a9c', userId: 42, route: '/api/login' };
  let call;
  if (variant.startsWith('pino')) {
    const { default: pino } = await import('pino');
    let log;
    if (variant === 'pino-pretty') {
      const { default: pinoPretty } = await import('pino-pretty');
      log = pino(pinoPretty({ destination: '/dev/null', sync: true, colorize: true }));
    } else log = pino();
    log = log.child({ name: 'app.auth' });
    call = () => log.info(fields, 'user logged in successfully');
  } else {
    const { createLogwire } = await import('../packages/server/dist/index.js');
    // Pretty goes to /dev/null synchronously, as pino-pretty's sync mode does: an fs.WriteStream falls
    // behind at this call rate and logwire drops (and counts) lines past its buffer, which would flatter it.
    const fd = openSync('/dev/null', 'w');
    const stream = { write: (chunk) => (writeSync(fd, chunk), true), once: () => {}, on: () => {} };
    const console = variant === 'logwire-pretty' ? { stream, format: 'pretty', colour: true } : { format: 'json' };
    const log = createLogwire({ callsite: false, level: 'INFO', console, workers: false }).getLogger('app.auth');
    call = () => log.info('user logged in successfully', fields);
  }
  const runChunk = () => {
    for (let i = 0; i < CHUNK; i++) call();
  };
  const result = await timeCalls({ warmup: WARMUP, count: N, chunk: CHUNK, runChunk, cpuAfterSettle: true });
  // The result goes to fd 3: stdout is /dev/null and is what the stdout variants write to.
  writeSync(3, JSON.stringify(result) + '\n');
}

function runVariant(script, variant) {
  return new Promise((resolve, reject) => {
    const devNull = openSync('/dev/null', 'w');
    const proc = spawn(process.execPath, [script, '--child', variant], { stdio: ['ignore', devNull, 'inherit', 'pipe'] });
    closeSync(devNull);
    let out = '';
    proc.stdio[3].on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
    proc.on('close', (code) => {
      clearTimeout(timer);
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(out.trim()));
      } catch (error) {
        reject(new Error(`${variant} failed (${error.message}): ${out.slice(-300)}`));
      }
    });
  });
}

export async function measureConsolePretty(rounds = 3) {
  const script = fileURLToPath(import.meta.url);
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const started = Date.now();
  for (let round = 0; round < rounds; round++) {
    if (round >= 2 && Date.now() - started > 40_000) break;
    for (const variant of VARIANTS) results[variant].push(await runVariant(script, variant));
  }
  const rows = VARIANTS.map((variant) => ({
    variant,
    ns: summary(results[variant].map((r) => r.syncNs)),
    cpu: summary(results[variant].map((r) => r.cpuNs)),
  }));
  return { rows, rounds: results[VARIANTS[0]].length };
}

export function renderConsolePretty({ rows, rounds }) {
  const by = Object.fromEntries(rows.map((r) => [r.variant, r]));
  const ratios = PAIRS.map(
    ([ours, peer]) =>
      `- ${ours} ÷ ${peer}: ${fmt(by[ours].ns.median / by[peer].ns.median, 2)}× sync, ` +
      `${fmt(by[ours].cpu.median / by[peer].cpu.median, 2)}× CPU`,
  );
  return [
    `### Console output next to pino-pretty and pino on stdout (ns per call, median of ${rounds} rounds)`,
    '',
    table(
      ['variant', 'sync ns/call', 'min–max', 'CPU ns/call'],
      rows.map(({ variant, ns, cpu }) => [variant, fmt(ns.median), fmtRange(ns), fmt(cpu.median)]),
    ),
    '',
    ...ratios,
  ].join('\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.platform}, Node ${m.node}\n`);
  console.log(renderConsolePretty(await measureConsolePretty(Number(process.argv[2] ?? 3))));
}
