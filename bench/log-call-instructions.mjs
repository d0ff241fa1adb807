// Log call cost in CPU instructions per call, counted by valgrind's cachegrind: the steady figure
// behind bench/log-call.mjs on a machine too busy for stable timings. Each variant is the same
// call as in log-call.mjs (same loggers, fields, stack depth and chunks, with the event loop
// turning between chunks), run twice, with LOW and HIGH calls; the difference of the two counts
// divided by HIGH − LOW is the cost per call with start-up, imports and most JIT compilation
// cancelled out. Unlike log-call.mjs's sync time, the count includes what a call leaves for later
// (pino's asynchronous write, the hub's flush to its listeners and history), in both variants.
//
//   node bench/log-call-instructions.mjs [low=20000] [high=60000] [variants…]   (needs valgrind and `npm run build`)
//   node bench/log-call-instructions.mjs --child <variant> <calls>  (one run, what valgrind runs)
import { fileURLToPath } from 'node:url';
import { perUnit } from './cachegrind.mjs';
import { fmt, machine, table } from './lib.mjs';

const VARIANTS = ['pino', 'logwire', 'logwire-callsite', 'pino-audit', 'logwire-audit'];
const CHUNK = 100;

/** The log call of one variant (shared setup with bench/log-call.mjs). */
async function callFor(variant) {
  const fields = { requestId: 'req-7f3a9c', userId: 42, route: '/api/login' };
  if (variant.startsWith('pino')) {
    const { default: pino } = await import('pino');
    const log = pino(pino.destination({ dest: '/dev/null', sync: false })).child({ name: 'app.auth' });
    return variant === 'pino'
      ? () => log.info(fields, 'user logged in successfully')
      : () => log.info({ action: 'user.login', metadata: fields }, 'user.login');
  }
  // LOGWIRE_DIST points at another build of the server package (to compare two builds).
  const dist = process.env.LOGWIRE_DIST ?? '../packages/server/dist/index.js';
  const { createLogwire } = await import(dist.startsWith('/') ? `file://${dist}` : dist);
  const logwire = createLogwire({ callsite: variant === 'logwire-callsite', level: 'INFO', console: false });
  const log = logwire.getLogger('app.auth');
  return variant === 'logwire-audit' ? () => log.audit('user.login', fields) : () => log.info('user logged in successfully', fields);
}

async function child(variant, count) {
  const call = await callFor(variant);
  const deep = (depth, fn) => (depth === 0 ? fn() : deep(depth - 1, fn));
  const runChunk = () => {
    for (let i = 0; i < CHUNK; i++) call();
  };
  for (let done = 0; done < count; done += CHUNK) {
    deep(20, runChunk);
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Whatever the last chunk left (a pending flush) runs before exit in both counts.
  await new Promise((resolve) => setTimeout(resolve, 20));
  process.exit(0);
}

export function measureLogCallInstructions(low = 20_000, high = 60_000, variants = VARIANTS) {
  // One thread and a predictable heap: background compilation, GC threads and time-driven GC would
  // make the count wander.
  const perCall = perUnit(fileURLToPath(import.meta.url), variants, low, high, ['--single-threaded', '--predictable']);
  return { low, high, perCall };
}

export function renderLogCallInstructions({ low, high, perCall }) {
  const anchorOf = (variant) => (variant.endsWith('-audit') ? 'pino-audit' : 'pino');
  return [
    `### Log call in instructions (cachegrind, ${low} vs ${high} calls per variant)`,
    '',
    table(
      ['variant', 'instructions/call', '÷ pino'],
      Object.keys(perCall).map((variant) => {
        const anchor = perCall[anchorOf(variant)];
        return [variant, fmt(perCall[variant]), anchor === undefined ? '—' : `${fmt(perCall[variant] / anchor, 2)}×`];
      }),
    ),
  ].join('\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3], Number(process.argv[4]));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const m = machine();
  console.log(`Machine: ${m.cpu}, ${m.platform}, Node ${m.node}\n`);
  const low = Number(process.argv[2] ?? 20_000);
  const high = Number(process.argv[3] ?? 60_000);
  const variants = process.argv.length > 4 ? process.argv.slice(4) : VARIANTS;
  console.log(renderLogCallInstructions(measureLogCallInstructions(low, high, variants)));
}
