// Log call cost, ns per call, as the caller pays it: logwire (call-site capture on and off) vs
// pino to /dev/null vs winston to a null stream, for a system line with three extra fields and
// for an audit line. Each variant runs in a fresh process per round; rounds are interleaved and
// ratios are taken against pino within the same round.
//
//   node bench/log-call.mjs [rounds=5]         (needs `npm run build` first)
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, machine, runChild, summary, table, timeCalls } from './lib.mjs';

const VARIANTS = ['pino', 'winston', 'logwire', 'logwire-callsite', 'pino-audit', 'winston-audit', 'logwire-audit'];
const N = 200_000;
const WARMUP = 40_000;
const CHUNK = 100;

async function child(variant) {
  const fields = { requestId: 'req-7f3a9c', userId: 42, route: '/api/login' };
  let call;
  if (variant.startsWith('pino')) {
    const { default: pino } = await import('pino');
    const log = pino(pino.destination({ dest: '/dev/null', sync: false })).child({ name: 'app.auth' });
    call =
      variant === 'pino'
        ? () => log.info(fields, 'user logged in successfully')
        : () => log.info({ action: 'user.login', metadata: fields }, 'user.login');
  } else if (variant.startsWith('winston')) {
    const { default: winston } = await import('winston');
    const { Writable } = await import('node:stream');
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
    const log = winston
      .createLogger({
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
        transports: [new winston.transports.Stream({ stream: sink })],
      })
      .child({ logger: 'app.auth' });
    call =
      variant === 'winston'
        ? () => log.info('user logged in successfully', fields)
        : () => log.info('user.login', { action: 'user.login', metadata: fields });
  } else {
    const { createLogwire } = await import('../packages/server/dist/index.js');
    const logwire = createLogwire({ callsite: variant === 'logwire-callsite', level: 'INFO', console: false });
    const log = logwire.getLogger('app.auth');
    call = variant === 'logwire-audit' ? () => log.audit('user.login', fields) : () => log.info('user logged in successfully', fields);
  }
  // Calls run at an app-like stack depth (call-site capture cost depends on it) in chunks, with
  // the event loop turning between chunks so asynchronous destinations can drain.
  const deep = (depth, fn) => (depth === 0 ? fn() : deep(depth - 1, fn));
  const runChunk = () => {
    for (let i = 0; i < CHUNK; i++) call();
  };
  const result = await timeCalls({ warmup: WARMUP, count: N, chunk: CHUNK, runChunk: () => deep(20, runChunk) });
  console.log(JSON.stringify({ variant, ...result }));
}

export async function measureLogCall(rounds = 5) {
  const script = fileURLToPath(import.meta.url);
  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of VARIANTS) results[variant].push(await runChild(script, ['--child', variant]));
  }
  const ratio = (variant, anchor) => summary(results[variant].map((r, i) => r.syncNs / results[anchor][i].syncNs));
  const rows = VARIANTS.map((variant) => {
    const ns = summary(results[variant].map((r) => r.syncNs));
    const cpu = summary(results[variant].map((r) => r.cpuNs));
    const anchor = variant.endsWith('-audit') ? 'pino-audit' : 'pino';
    const r = ratio(variant, anchor);
    return { variant, ns, cpu, ratio: r };
  });
  const byName = Object.fromEntries(rows.map((row) => [row.variant, row]));
  const goals = [
    { goal: 'log call ≤ 2.0× pino (call site on, the default)', value: byName['logwire-callsite'].ratio.median, limit: 2.0 },
    { goal: 'log call ≤ 1.0× pino (call site off)', value: byName['logwire'].ratio.median, limit: 1.0 },
    { goal: 'audit call ≤ 1.0× pino logging the same event', value: byName['logwire-audit'].ratio.median, limit: 1.0 },
  ].map((g) => ({ ...g, met: g.value <= g.limit }));
  return { rows, goals, rounds };
}

export function renderLogCall({ rows, goals, rounds }) {
  return [
    `### Log call cost (ns per call, median of ${rounds} rounds; ratio to pino in the same round)`,
    '',
    table(
      ['variant', 'sync ns/call', 'min–max', 'CPU ns/call', '÷ pino (sync)'],
      rows.map(({ variant, ns, cpu, ratio }) => [
        variant,
        fmt(ns.median),
        fmtRange(ns),
        fmt(cpu.median),
        `${fmt(ratio.median, 2)}× (${fmtRange(ratio, 2)})`,
      ]),
    ),
    '',
    'System line: `info("user logged in successfully", {requestId, userId, route})`; audit line: action `user.login` with the same three fields as metadata (pino and winston log it as an object). logwire has no client connected (the hub still assigns ids and keeps history).',
    '',
    ...goals.map(
      (g) =>
        `- ${g.met ? 'met' : '**not met**'}: ${g.goal} — measured ${fmt(g.value, 2)}×${g.met ? '' : ` (over by ${fmt((g.value / g.limit - 1) * 100)} %)`}`,
    ),
  ].join('\n');
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]);
} else if (import.meta.url === `file://${process.argv[1]}`) {
  const rounds = Number(process.argv[2] ?? 5);
  console.log(machine());
  console.log(renderLogCall(await measureLogCall(rounds)));
}
