// Fan-out: records per second delivered to 1, 10, 100 and 1,000 WebSocket clients on loopback —
// logwire vs a raw `ws` broadcast of pre-encoded 100-record frames (the practical ceiling) vs
// socket.io emitting each record (what most apps do). Modes are interleaved per round; ratios are
// per round, then the median is taken.
//   node bench/fanout.mjs [rounds=3] [clients=1,10,100,1000] [--cpu-prof DIR]
//   FANOUT_MODES=logwire,hub-direct,ws-batch node bench/fanout.mjs …   (other modes; see fanout/server.mjs)
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, killAll, lines, machine, summary, table, within } from './lib.mjs';

const here = fileURLToPath(new URL('./fanout/', import.meta.url));
const MODES = process.env.FANOUT_MODES ? process.env.FANOUT_MODES.split(',') : ['logwire', 'ws-batch', 'sio-msg'];
const SECONDS = 3;

const CONNECT_MS = 60_000;
/** Time allowed after the producer stops for every client to read the end marker. */
const DRAIN_MS = 60_000;

async function once(mode, clients, cpuProf) {
  const profile = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${cpuProf}`, `--cpu-prof-name=${mode}-${clients}-${Date.now()}.cpuprofile`] : [];
  const server = spawn(process.execPath, [...profile, `${here}server.mjs`, mode, String(SECONDS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const children = [];
  try {
    const serverLine = lines(server);
    const port = await within(serverLine(), CONNECT_MS);
    if (port === undefined) return failed('server did not start');
    const url =
      mode === 'sio-msg' || mode === 'ws-batch' || mode === 'hub-direct' ? `ws://127.0.0.1:${port}` : `ws://127.0.0.1:${port}/ws/logs`;
    const processes = clients === 1 ? 1 : 2;
    const clientMode = mode === 'sio-msg' ? 'sio' : mode === 'ws-batch' || mode === 'hub-direct' ? 'ws' : mode;
    const deadline = CONNECT_MS + SECONDS * 1000 + DRAIN_MS;
    for (let p = 0; p < processes; p++) {
      const n = Math.floor(clients / processes) + (p < clients % processes ? 1 : 0);
      const args = [`${here}clients.mjs`, clientMode, url, String(n), String(deadline)];
      children.push(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] }));
    }
    const readers = children.map(lines);
    for (const read of readers) if ((await within(read(), CONNECT_MS)) !== 'ready') return failed('clients did not connect');
    server.stdin.write('go\n');
    const summaryLine = await within(serverLine(), SECONDS * 1000 + CONNECT_MS);
    if (summaryLine === undefined) return failed('server gave no summary');
    const { start, sent, cpuNs, replayPagesEncoded, replayPagesShared } = JSON.parse(summaryLine);
    const results = (await Promise.all(readers.map((read) => within(read(), deadline + 5_000)))).map((line) =>
      line === undefined ? { received: 0, endAt: 0, timeout: true } : JSON.parse(line),
    );
    const received = results.reduce((sum, r) => sum + r.received, 0);
    const end = Math.max(...results.map((r) => r.endAt));
    const problems = [];
    if (results.some((r) => r.timeout)) problems.push('clients did not see the end by the deadline');
    const closed = results.reduce((sum, r) => sum + (r.closedEarly ?? 0), 0);
    if (closed) problems.push(`${closed} clients closed early`);
    return {
      perSecond: problems.length ? NaN : received / ((end - start) / 1000),
      nsPerDelivery: cpuNs / received,
      received,
      expected: sent * clients,
      replayPages: replayPagesEncoded === undefined ? undefined : { encoded: replayPagesEncoded, shared: replayPagesShared },
      partial: problems.length ? problems.join('; ') : undefined,
    };
  } finally {
    killAll(server, ...children);
  }
}

function failed(reason) {
  return { perSecond: NaN, nsPerDelivery: NaN, received: 0, expected: NaN, partial: reason };
}

export async function measureFanout(rounds = 3, clientCounts = [1, 10, 100, 1000], { cpuProf } = {}) {
  const results = {};
  for (const clients of clientCounts) {
    results[clients] = Object.fromEntries(MODES.map((m) => [m, []]));
    for (let round = 0; round < rounds; round++) {
      for (const mode of MODES) {
        const result = await once(mode, clients, cpuProf);
        if (process.env.FANOUT_VERBOSE) console.error(JSON.stringify({ mode, clients, round, ...result }));
        results[clients][mode].push(result);
      }
    }
  }
  return { results, rounds, clientCounts };
}

export function renderFanout({ results, rounds, clientCounts }) {
  const rows = [];
  for (const mode of MODES) {
    rows.push([
      mode,
      ...clientCounts.map((c) => {
        const s = summary(results[c][mode].map((r) => r.perSecond));
        return `${fmt(s.median / 1000)} k (${fmtRange({ min: s.min / 1000, max: s.max / 1000 })})`;
      }),
    ]);
  }
  const cpuRows = MODES.map((mode) => [
    mode,
    ...clientCounts.map((c) => fmt(summary(results[c][mode].map((r) => r.nsPerDelivery)).median)),
  ]);
  const ratio = (c, a, b) => summary(results[c][a].map((r, i) => r.perSecond / results[c][b][i].perSecond));
  const has = (...modes) => modes.every((m) => MODES.includes(m));
  const ratioRows = [
    ...(has('logwire', 'ws-batch')
      ? [['logwire ÷ ws-batch', ...clientCounts.map((c) => fmt(ratio(c, 'logwire', 'ws-batch').median, 2))]]
      : []),
    ...(has('logwire', 'sio-msg')
      ? [['logwire ÷ sio-msg', ...clientCounts.map((c) => fmt(ratio(c, 'logwire', 'sio-msg').median, 1))]]
      : []),
  ];
  const at100 = clientCounts.includes(100) && has('logwire', 'ws-batch', 'sio-msg');
  const goals = at100
    ? [
        { goal: 'fan-out at 100 clients ≥ 0.8× the raw batched ceiling', value: ratio(100, 'logwire', 'ws-batch').median, limit: 0.8 },
        { goal: 'fan-out at 100 clients ≥ 20× socket.io per-record emits', value: ratio(100, 'logwire', 'sio-msg').median, limit: 20 },
        {
          goal: 'server CPU per delivered record at 100 clients ≤ 1/20 of socket.io per-record emits (shown as socket.io ÷ logwire)',
          value: summary(results[100]['sio-msg'].map((r, i) => r.nsPerDelivery / results[100].logwire[i].nsPerDelivery)).median,
          limit: 20,
        },
      ]
    : [];
  const loss = MODES.flatMap((m) =>
    clientCounts.flatMap((c) => results[c][m].filter((r) => r.received < r.expected).map(() => `${m}@${c}`)),
  );
  const partial = MODES.flatMap((m) =>
    clientCounts.flatMap((c) => results[c][m].filter((r) => r.partial !== undefined).map((r) => `${m}@${c} (${r.partial})`)),
  );
  return [
    `### Fan-out (records/s delivered to all clients, median of ${rounds} with min–max; ${SECONDS} s closed loop, loopback)`,
    '',
    table(['mode', ...clientCounts.map((c) => `${c} client${c === 1 ? '' : 's'}`)], rows),
    '',
    table(['ratio (same round, median)', ...clientCounts.map((c) => String(c))], ratioRows),
    '',
    'Server CPU per delivered record (ns; lower is better) — what the server pays, independent of how fast the client processes read:',
    '',
    table(['mode', ...clientCounts.map((c) => String(c))], cpuRows),
    '',
    "Producers send 100 records per event-loop turn and wait while any client has more than 256 KiB unsent. Every mode sends the same record (the one logwire writes for the producer's log call, call-site capture off). `ws-batch` stringifies each record and sends one pre-encoded Buffer per turn to every client, in logwire's own frame shape (a `batch` of 100 log frames with stream ids, built with the protocol's encoders: the same bytes on the wire); `sio-msg` calls `io.emit` per record; `logwire` makes 100 log calls per turn and lets the hub batch, encode once per filter group and fan out. Each server runs 300 turns before clients connect (warm-up records are not counted). Clients run in 1–2 separate processes and count records without parsing them.",
    loss.length ? `\nRuns where clients received fewer records than were produced: ${loss.join(', ')}.` : '',
    partial.length ? `\nPartial runs (not counted in records/s): ${partial.join(', ')}.` : '',
    '',
    ...goals.map((g) => `- ${g.value >= g.limit ? 'met' : '**not met**'}: ${g.goal} — measured ${fmt(g.value, 2)}×`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const cpuProf = args.includes('--cpu-prof') ? args.splice(args.indexOf('--cpu-prof'), 2)[1] : undefined;
  const rounds = Number(args[0] ?? 3);
  const clients = (args[1] ?? '1,10,100,1000').split(',').map(Number);
  console.log(machine());
  console.log(renderFanout(await measureFanout(rounds, clients, { cpuProf })));
}
