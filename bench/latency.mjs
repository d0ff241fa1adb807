// Latency from log call to client receipt, p50/p99, at 1,000 and 10,000 records/s with 10 and 100
// clients: logwire vs a bare `ws` server that flushes once per event-loop turn (the anchor). Both
// servers stamp every record at the call, and face the same clients (two processes that read
// every record's stamp on arrival). Each run starts with a warm-up of the same calls, which clients
// do not count, so it measures steady latency rather than start-up (JIT compilation: logwire has far
// more code on the path than the anchor). V8 optimises a function after enough calls of it: the log
// call's functions after enough log calls, the flush and send functions after enough event-loop
// turns, and the 1 ms pacer turns about 1,000 times a second whatever the rate. So the warm-up
// lasts `--warmup` seconds (default 3: ~3,000 turns) and at least `--warmup-calls` calls (default
// 10,000): with one second, logwire's path was still being optimised in the measured part at 1,000
// calls/s (per-call functions) and at 10,000/s (per-turn ones; bench/latency-diagnose.mjs --jit
// showed both). Both servers get the same warm-up. Modes alternate within each round; goals are ratios of the
// same round, then the median over rounds. Every run has a time limit: a client that is dropped,
// or has not seen the end marker by then, makes that run "partial" (reported, never waited for).
//   node bench/latency.mjs [rounds=3] [seconds=5] [--cases 1000x10,10000x100] [--warmup 3] [--warmup-calls 10000]
//                          [--processes 2] [--parse] [--cpu-prof DIR]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bucketValue } from './fanout/records.mjs';
import { fmt, fmtRange, killAll, lines, machine, median, summary, table, within } from './lib.mjs';

const here = fileURLToPath(new URL('./fanout/', import.meta.url));
const CASES = [
  { rate: 1000, clients: 10, goal: 'p99', limit: 1.2 },
  { rate: 10000, clients: 10, goal: 'p99', limit: 1.2 },
  { rate: 1000, clients: 100, goal: 'p99', limit: 1.2 },
  { rate: 10000, clients: 100, goal: 'p50', limit: 2 },
];
const MODES = ['logwire', 'ws-tick'];
/** Time allowed after the last record for every client to read the end marker. */
const DRAIN_MS = 30_000;
const CONNECT_MS = 30_000;

/**
 * One run of one server with its clients; returns the merged distribution. bench/latency-diagnose.mjs
 * adds node flags and environment (traces) and collects the server's other output lines.
 */
export async function once(
  mode,
  rate,
  clients,
  seconds,
  { cpuProf, processes, read, warmup, nodeFlags = [], serverEnv = {}, clientEnv = () => ({}), serverLog, ownSession = false },
) {
  const serverArgs = [`${here}latency-server.mjs`, mode, String(rate), String(seconds), String(warmup)];
  if (cpuProf)
    serverArgs.unshift('--cpu-prof', `--cpu-prof-dir=${cpuProf}`, `--cpu-prof-name=${mode}-${rate}x${clients}-${Date.now()}.cpuprofile`);
  const server = spawn(process.execPath, [...nodeFlags, ...serverArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...serverEnv },
    // A session of its own (setsid) is a scheduling group of its own where the kernel groups by session (autogroup).
    detached: ownSession,
  });
  const children = [];
  try {
    const nextLine = lines(server);
    // The port, then the summary; anything else the server prints (V8's --trace-* output) goes to serverLog.
    const serverLine = async () => {
      for (;;) {
        const line = await nextLine();
        if (line === undefined || /^(\d+|\{.*)$/.test(line)) return line;
        serverLog?.push(line);
      }
    };
    const port = await within(serverLine(), CONNECT_MS);
    if (port === undefined) return failed('server did not start');
    const url = `ws://127.0.0.1:${port}${mode === 'logwire' ? '/ws/logs' : ''}`;
    const deadline = CONNECT_MS + (warmup + seconds) * 1000 + DRAIN_MS;
    for (let p = 0; p < processes; p++) {
      const count = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
      const args = [`${here}latency-clients.mjs`, mode === 'logwire' ? 'hello' : 'plain', url, String(count), String(deadline), read];
      children.push(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...clientEnv(p) } }));
    }
    const readers = children.map(lines);
    for (const read of readers) if ((await within(read(), CONNECT_MS)) !== 'ready') return failed('clients did not connect');
    server.stdin.write('go\n');
    const summaryLine = await within(serverLine(), (warmup + seconds) * 1000 + CONNECT_MS);
    const serverStats = summaryLine === undefined ? undefined : JSON.parse(summaryLine);
    const results = await Promise.all(readers.map(async (read) => within(read(), deadline + 5_000)));
    return merge(results, serverStats, clients);
  } finally {
    killAll(server, ...children);
  }
}

function failed(reason) {
  return { p50: NaN, p99: NaN, n: 0, expected: NaN, partial: reason };
}

/** Merges the client processes' histograms into one distribution over every record at every client. */
function merge(results, server, clients) {
  const counts = new Map();
  let n = 0;
  let frames = 0;
  let bytes = 0;
  let gaps = 0;
  const problems = [];
  for (const line of results) {
    if (line === undefined) {
      problems.push('a client process gave no result');
      continue;
    }
    const r = JSON.parse(line);
    n += r.n;
    frames += r.frames;
    bytes += r.bytes;
    gaps += r.gaps;
    for (const [bucket, count] of r.histogram) counts.set(bucket, (counts.get(bucket) ?? 0) + count);
    if (r.timedOut) problems.push(`${r.n === 0 ? 'no' : 'not all'} clients saw the end by the deadline`);
    if (r.closedEarly) problems.push(`${r.closedEarly} closed early (codes ${JSON.stringify(r.closeCodes)})`);
    if (r.failed) problems.push(`${r.failed} failed to connect`);
  }
  const expected = server === undefined ? NaN : server.made * clients;
  if (!(n >= expected)) problems.push(`${fmt(n)} of ${fmt(expected)} records received${gaps ? ` (${fmt(gaps)} gaps reported)` : ''}`);
  const sorted = [...counts].sort((a, b) => a[0] - b[0]);
  const quantile = (q) => {
    let seen = 0;
    for (const [bucket, count] of sorted) {
      seen += count;
      if (seen > q * n) return bucketValue(bucket);
    }
    return NaN;
  };
  return {
    p50: quantile(0.5),
    p99: quantile(0.99),
    n,
    expected,
    frames,
    bytes,
    cpuMs: server?.cpuMs,
    loopDelayP99Ms: server?.loopDelayP99Ms,
    catchingUpMs: server?.catchingUpMs,
    replayPagesEncoded: server?.replayPagesEncoded,
    replayPagesShared: server?.replayPagesShared,
    partial: problems.length ? [...new Set(problems)].join('; ') : undefined,
  };
}

/** Warm-up seconds of a case: `warmup` seconds, and long enough for `warmupCalls` calls at its rate. */
export const warmupSeconds = (rate, warmup, warmupCalls) => Math.max(warmup, warmupCalls / rate);

export async function measureLatency(
  rounds = 3,
  seconds = 5,
  { cases = CASES, cpuProf, processes = 2, read = 'scan', warmup = 3, warmupCalls = 10_000 } = {},
) {
  const results = cases.map((c) => ({
    ...c,
    warmup: warmupSeconds(c.rate, warmup, warmupCalls),
    modes: Object.fromEntries(MODES.map((m) => [m, []])),
  }));
  for (let round = 0; round < rounds; round++) {
    for (const c of results) {
      // Alternate which server goes first, so neither always runs on a cooler machine.
      const order = round % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order)
        c.modes[mode].push(await once(mode, c.rate, c.clients, seconds, { cpuProf, processes, read, warmup: c.warmup }));
    }
  }
  return { results, rounds, seconds, processes, read, warmup, warmupCalls };
}

/** The issue-16 latency goals, each as the median over rounds of logwire ÷ ws-tick in the same round. */
export function latencyGoals({ results }) {
  return results
    .filter((c) => c.goal !== undefined)
    .map((c) => {
      const ratios = c.modes.logwire.map((r, i) => r[c.goal] / c.modes['ws-tick'][i][c.goal]).filter(Number.isFinite);
      const partial = MODES.some((m) => c.modes[m].some((r) => r.partial !== undefined));
      const value = ratios.length ? median(ratios) : NaN;
      return {
        goal: `latency ${c.goal} ≤ ${c.limit}× the per-turn ws anchor at ${fmt(c.rate)} msg/s × ${c.clients} clients`,
        value,
        met: value <= c.limit && !partial,
        partial,
      };
    });
}

export function renderLatency(measured) {
  const { results, rounds, seconds, processes, read, warmup, warmupCalls = 0 } = measured;
  const rows = [];
  const notes = [];
  for (const c of results) {
    for (const mode of MODES) {
      const runs = c.modes[mode];
      const p50 = summary(runs.map((r) => r.p50));
      const p99 = summary(runs.map((r) => r.p99));
      const cpu = summary(runs.map((r) => r.cpuMs ?? NaN));
      const loop = summary(runs.map((r) => r.loopDelayP99Ms ?? NaN));
      rows.push([
        `${fmt(c.rate)}/s × ${c.clients}`,
        mode,
        `${fmt(p50.median, 2)} (${fmtRange(p50, 2)})`,
        `${fmt(p99.median, 2)} (${fmtRange(p99, 2)})`,
        fmt(cpu.median),
        fmt(loop.median, 1),
        runs.some((r) => r.partial) ? `partial in ${runs.filter((r) => r.partial).length} of ${runs.length}` : 'complete',
      ]);
      for (const r of runs) if (r.partial) notes.push(`- ${mode} at ${fmt(c.rate)}/s × ${c.clients}: partial run — ${r.partial}.`);
      const paced = runs.filter((r) => r.catchingUpMs > 0);
      if (paced.length) {
        notes.push(
          `- ${mode} at ${fmt(c.rate)}/s × ${c.clients}: clients were off the live path (paced catch-up) for ${paced.map((r) => `${r.catchingUpMs} ms`).join(', ')} in ${paced.length} of ${runs.length} runs; replay pages encoded / shared: ${paced.map((r) => `${fmt(r.replayPagesEncoded)} / ${fmt(r.replayPagesShared)}`).join(', ')}.`,
        );
      }
    }
  }
  const goals = latencyGoals(measured);
  return [
    `### Latency, log call → client receipt (ms, median of ${rounds} runs of ${seconds} s with min–max; p50/p99 over every record at every client)`,
    '',
    table(['load', 'server', 'p50 ms', 'p99 ms', 'server CPU ms', 'loop delay p99 ms', 'runs'], rows),
    '',
    `\`ws-tick\` is a bare \`ws\` server that builds the same record per call (with a stream id), queues it and sends one pre-encoded batch frame per event-loop turn to every client, byte for byte the shape logwire sends: the anchor for a per-turn flush. Both servers stamp the wall-clock time at the log call; the same clients (${processes} process${processes === 1 ? '' : 'es'}) ${read === 'parse' ? 'JSON.parse every frame and take every record’s stamp' : 'read every record’s stamp on arrival (a byte scan; `--parse` JSON.parses every frame instead)'}. ${warmup > 0 || warmupCalls > 0 ? `Each run starts with a warm-up of the same calls at the same rate that clients do not count (a negative stamp), ${warmup} s and at least ${fmt(warmupCalls)} calls (${results.map((c) => `${fmt(c.warmup, 1)} s at ${fmt(c.rate)}/s`).join(', ')}), so neither server is charged its one-off start-up (JIT compilation: V8 optimises a function after enough calls of it, and the flush runs once per event-loop turn, about 1,000 turns a second) in a ${seconds} s run.` : 'Runs start cold (`--warmup 0 --warmup-calls 0`): the first records meet code not yet compiled.'} Server CPU covers the measured run and the time after it until the end marker is sent. logwire runs with its defaults except a history that holds the whole run (\`historySize\`), so a client that falls behind is caught up rather than told of a gap, as the anchor buffers without limit.`,
    ...(notes.length ? ['', ...notes] : []),
    '',
    ...goals.map(
      (g) => `- ${g.met ? 'met' : '**not met**'}: ${g.goal} — measured ${fmt(g.value, 2)}×${g.partial ? ' (partial runs: see above)' : ''}`,
    ),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const option = (name) => (args.includes(name) ? args.splice(args.indexOf(name), 2)[1] : undefined);
  const casesText = option('--cases');
  const cpuProf = option('--cpu-prof');
  const processes = Number(option('--processes') ?? 2);
  const warmup = Number(option('--warmup') ?? 3);
  const warmupCalls = Number(option('--warmup-calls') ?? 10_000);
  const read = args.includes('--parse') ? (args.splice(args.indexOf('--parse'), 1), 'parse') : 'scan';
  const cases =
    casesText === undefined
      ? CASES
      : casesText.split(',').map((text) => {
          const [rate, clients] = text.split('x').map(Number);
          return CASES.find((c) => c.rate === rate && c.clients === clients) ?? { rate, clients };
        });
  console.log(machine());
  console.log(
    renderLatency(
      await measureLatency(Number(args[0] ?? 3), Number(args[1] ?? 5), { cases, cpuProf, processes, read, warmup, warmupCalls }),
    ),
  );
}
