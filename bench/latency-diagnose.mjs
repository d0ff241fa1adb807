// Where a latency tail comes from: runs variants of the latency servers alternated in each round
// (as bench/latency.mjs does), with per-record traces, and splits every traced record's latency into
// wait (log call → start of its flush's sends), send (start → end of the sends to every client) and
// net (end of the sends → receipt at the first client of process 0), beside GC events, pacer lateness,
// when in the run the slowest 1 % fell, and (with `--jit`) how many functions V8 optimized per 0.5 s
// and, per variant and round, which functions V8 optimized and deoptimized (with the reasons) in the
// measured part (anonymous functions show as "(anonymous)"; node's --log-code names them by position).
//   node bench/latency-diagnose.mjs [rounds=3] [seconds=5] [--rate 1000] [--clients 10] [--warmup 1]
//     [--variants FILE.json] [--jit] [--out DIR]
// A variant is { name, mode: "logwire" | "ws-tick", warmup?, flags?: [node flags], options?: {logwire options},
// ownSession?: true (the server in a session, so an autogroup, apart from its clients) };
// the default pair is the goal's (logwire and the anchor, as they are). Ratios are p99 ÷ the first
// ws-tick variant's p99 in the same round. Timing figures: report the load average with them.
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from './latency.mjs';
import { fmt, machine, median, table } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : fallback);
const flag = (name) => args.includes(name) && args.splice(args.indexOf(name), 1).length > 0;
const rate = Number(option('--rate', 1000));
const clients = Number(option('--clients', 10));
const warmup = Number(option('--warmup', 1));
const variantsFile = option('--variants');
const out = option('--out', join(tmpdir(), `logwire-latency-diagnose-${Date.now()}`));
const jit = flag('--jit');
const [rounds = 3, seconds = 5] = args.map(Number);
const variants = variantsFile
  ? JSON.parse(readFileSync(variantsFile, 'utf8'))
  : [
      { name: 'logwire', mode: 'logwire' },
      { name: 'ws-tick', mode: 'ws-tick' },
    ];
const anchor = variants.find((v) => v.mode === 'ws-tick');
mkdirSync(out, { recursive: true });

const quantile = (values, q) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
};
const read = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
};

/** Splits the traced records of one run (server trace + first client's arrivals) into wait, send and net. */
function analyse(serverTrace, arrivals) {
  if (serverTrace === undefined || arrivals === undefined) return undefined;
  const starts = serverTrace.filter((row) => row[1] === 'send');
  const ends = serverTrace.filter((row) => row[1] === 'sent');
  const gcs = serverTrace.filter((row) => row[1] === 'gc');
  const ticks = serverTrace.filter((row) => row[1] === 'tick').map((row) => row[0]);
  const records = [];
  let j = 0;
  for (let i = 0; i < arrivals.length; i += 2) {
    const [stamp, at] = [arrivals[i], arrivals[i + 1]];
    while (j < starts.length && starts[j][0] < stamp) j++;
    const start = starts[j]?.[0];
    const end = ends[j]?.[0];
    records.push({ stamp, latency: at - stamp, wait: start - stamp, send: end - start, net: at - end });
  }
  const p99 = quantile(
    records.map((r) => r.latency),
    0.99,
  );
  const slow = records.filter((r) => r.latency >= p99);
  const mean = (key) => slow.reduce((sum, r) => sum + r[key], 0) / (slow.length || 1);
  const nearGc = slow.filter((r) => gcs.some((g) => g[0] + g[2] >= r.stamp && g[0] <= r.stamp + r.latency)).length;
  const bySecond = new Map();
  for (const r of slow) {
    const second = Math.floor((r.stamp - records[0].stamp) / 1000);
    bySecond.set(second, (bySecond.get(second) ?? 0) + 1);
  }
  const gaps = ticks.slice(1).map((t, i) => t - ticks[i]);
  return {
    wait: quantile(
      records.map((r) => r.wait),
      0.99,
    ),
    send: quantile(
      records.map((r) => r.send),
      0.99,
    ),
    net: quantile(
      records.map((r) => r.net),
      0.99,
    ),
    slow: `wait ${fmt(mean('wait'), 2)} / send ${fmt(mean('send'), 2)} / net ${fmt(mean('net'), 2)}`,
    gc: `${gcs.length}, p50 ${fmt(
      quantile(
        gcs.map((g) => g[2]),
        0.5,
      ),
      2,
    )}, max ${fmt(Math.max(0, ...gcs.map((g) => g[2])), 2)} ms; ${nearGc} of the slowest 1 % overlap one`,
    tickP99: quantile(gaps, 0.99),
    bySecond: [...bySecond]
      .sort((a, b) => a[0] - b[0])
      .map(([second, count]) => `${second}:${count}`)
      .join(' '),
  };
}

/** Functions V8 started optimizing in each half second of the measured part (from --trace-opt and the PHASE lines). */
function compilesPerHalfSecond(log) {
  const counts = [];
  let measuring = false;
  for (const line of log) {
    if (line === 'PHASE measured') measuring = true;
    else if (line === 'PHASE end') break;
    else if (measuring && line.startsWith('PHASE ')) counts.push(0);
    else if (measuring && line.includes('compiling method')) {
      if (counts.length === 0) counts.push(0);
      counts[counts.length - 1]++;
    }
  }
  return counts.join(' ');
}

/** `name ×count` (optimized) and `name: reason ×count` (deoptimized) in the measured part, from --trace-opt and --trace-deopt. */
function jitFunctions(log) {
  const optimized = new Map();
  const deoptimized = new Map();
  const add = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);
  const name = (text) => text.replace(/ ?\(sfi = [^)]*\)/, '').trim() || '(anonymous)';
  let measuring = false;
  for (const line of log) {
    if (line === 'PHASE measured') measuring = true;
    else if (line === 'PHASE end') break;
    if (!measuring) continue;
    const compiled = line.match(/^\[compiling method (?:0x[0-9a-f]+ )?<JSFunction (.*?)> \(target/);
    if (compiled !== null) add(optimized, name(compiled[1]));
    const bailout = line.match(/^\[bailout \(kind: ([^,]+), reason: (.*?)\): begin\. deoptimizing (?:0x[0-9a-f]+ )?<JSFunction (.*?)>/);
    if (bailout !== null) add(deoptimized, `${name(bailout[3])}: ${bailout[2]} (${bailout[1]})`);
  }
  const list = (map) => [...map].map(([key, n]) => (n > 1 ? `${key} ×${n}` : key)).join('; ') || 'none';
  const total = (map) => [...map.values()].reduce((sum, n) => sum + n, 0);
  return `${total(optimized)} optimized (${list(optimized)}); ${total(deoptimized)} deoptimized (${list(deoptimized)})`;
}

console.log(
  machine(),
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, traces in ${out}`,
);
const rows = [];
const byVariant = new Map(variants.map((v) => [v.name, []]));
const jitLines = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) {
    const tag = join(out, `${variant.name}-r${round}`);
    const serverLog = [];
    const result = await once(variant.mode, rate, clients, seconds, {
      processes: 2,
      read: 'scan',
      warmup: variant.warmup ?? warmup,
      nodeFlags: [...(variant.flags ?? []), ...(jit ? ['--trace-opt', '--trace-deopt'] : [])],
      serverEnv: {
        LATENCY_TRACE: `${tag}-server.json`,
        LATENCY_PHASES: jit ? '1' : '0',
        LATENCY_LOGWIRE_OPTIONS: JSON.stringify(variant.options ?? {}),
      },
      clientEnv: (p) => (p === 0 ? { LATENCY_TRACE: `${tag}-client.json` } : {}),
      serverLog,
      ownSession: variant.ownSession === true,
    });
    const traced = analyse(read(`${tag}-server.json`), read(`${tag}-client.json`));
    byVariant.get(variant.name)[round] = result;
    if (jit) jitLines.push(`- round ${round + 1}, ${variant.name}: ${jitFunctions(serverLog)}`);
    rows.push([
      String(round + 1),
      variant.name,
      fmt(result.p50, 2),
      fmt(result.p99, 2),
      fmt(result.cpuMs),
      traced ? `${fmt(traced.wait, 3)} / ${fmt(traced.send, 3)} / ${fmt(traced.net, 3)}` : '–',
      traced?.slow ?? '–',
      traced?.gc ?? '–',
      traced ? fmt(traced.tickP99, 2) : '–',
      traced?.bySecond ?? '–',
      jit ? compilesPerHalfSecond(serverLog) : '–',
      loadavg()[0].toFixed(1),
      result.partial ?? 'complete',
    ]);
  }
}
console.log(
  table(
    [
      'round',
      'variant',
      'p50 ms',
      'p99 ms',
      'server CPU ms',
      'p99 wait / send / net ms (traced client)',
      'slowest 1 %: mean wait / send / net ms',
      'GC in the measured part',
      'pacer gap p99 ms',
      'slowest 1 % by second',
      'optimized per 0.5 s',
      'load',
      'run',
    ],
    rows,
  ),
);
if (jit) console.log(['', 'V8 in the measured part (--trace-opt, --trace-deopt):', ...jitLines].join('\n'));
if (anchor !== undefined) {
  const base = byVariant.get(anchor.name);
  for (const [name, runs] of byVariant) {
    const ratios = runs.map((r, i) => r.p99 / base[i].p99);
    console.log(`- ${name}: p99 ÷ ${anchor.name} per round ${ratios.map((r) => fmt(r, 2)).join(', ')}; median ${fmt(median(ratios), 2)}`);
  }
}
