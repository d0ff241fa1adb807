// Console output cost, ns per log call as the caller pays it plus CPU per call (the end-of-turn
// writes included): logwire with console json to /dev/null vs console off vs pino to /dev/null,
// for a system line with three extra fields. Each variant runs in a fresh process per round.
// logwire writes its lines to /dev/null synchronously: an fs.WriteStream falls behind at this call
// rate and logwire would drop (and count) lines past its buffer, which would flatter it; the run
// fails if any line was dropped.
//
//   node bench/console.mjs [rounds=3]         (needs `npm run build` first)
import { openSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, machine, runChild, summary, table, timeCalls } from './lib.mjs';

const VARIANTS = ['pino', 'logwire-off', 'logwire-json', 'logwire-pretty'];
const N = 100_000;
const WARMUP = 20_000;
const CHUNK = 100;

async function child(variant) {
  const fields = { requestId: 'req-7f3a9c', userId: 42, route: '/api/login' };
  let call;
  let dropped = () => 0;
  if (variant === 'pino') {
    const { default: pino } = await import('pino');
    const log = pino(pino.destination({ dest: '/dev/null', sync: false })).child({ name: 'app.auth' });
    call = () => log.info(fields, 'user logged in successfully');
  } else {
    const { createLogwire } = await import('../packages/server/dist/index.js');
    const fd = openSync('/dev/null', 'w');
    const stream = { write: (chunk) => (writeSync(fd, chunk), true), once: () => {}, on: () => {} };
    const console = variant === 'logwire-off' ? false : { stream, format: variant === 'logwire-json' ? 'json' : 'pretty', colour: true };
    const logwire = createLogwire({ callsite: false, level: 'INFO', console, workers: false });
    const log = logwire.getLogger('app.auth');
    call = () => log.info('user logged in successfully', fields);
    dropped = () => logwire.console?.dropped ?? 0;
  }
  const runChunk = () => {
    for (let i = 0; i < CHUNK; i++) call();
  };
  // Chunks with the event loop turning between them, so the end-of-turn writes happen (and cost CPU).
  const result = await timeCalls({ warmup: WARMUP, count: N, chunk: CHUNK, runChunk, cpuAfterSettle: true });
  if (dropped() > 0) throw new Error(`${variant}: ${dropped()} console lines were dropped; the figures would not be comparable`);
  process.stdout.write(JSON.stringify({ variant, ...result }) + '\n');
}

export async function measureConsole(rounds = 3) {
  const script = fileURLToPath(import.meta.url);
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of VARIANTS) results[variant].push(await runChild(script, ['--child', variant], { timeoutMs: 60_000 }));
  }
  return VARIANTS.map((variant) => ({
    variant,
    ns: summary(results[variant].map((r) => r.syncNs)),
    cpu: summary(results[variant].map((r) => r.cpuNs)),
  }));
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 3);
  console.log(machine());
  console.log(`### Console output (ns per call, median of ${rounds} rounds; CPU includes the writes)\n`);
  console.log(
    table(
      ['variant', 'sync ns/call', 'min–max', 'CPU ns/call'],
      (await measureConsole(rounds)).map(({ variant, ns, cpu }) => [variant, fmt(ns.median), fmtRange(ns), fmt(cpu.median)]),
    ),
  );
}
