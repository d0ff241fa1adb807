// Latency from log call to client receipt, p50/p99, at 1,000 and 10,000 records/s with 10 and 100
// clients: logwire vs a bare `ws` server that flushes once per event-loop turn (the anchor).
// Clients parse every frame, in two processes.
//   node bench/latency.mjs [rounds=3] [seconds=5]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, lines, machine, summary, table } from './lib.mjs';

const here = fileURLToPath(new URL('./fanout/', import.meta.url));
const CASES = [
  { rate: 1000, clients: 10 },
  { rate: 10000, clients: 10 },
  { rate: 1000, clients: 100 },
  { rate: 10000, clients: 100 },
];
const MODES = ['logwire', 'ws-tick'];

async function once(mode, rate, clients, seconds) {
  const server = spawn(process.execPath, [`${here}latency-server.mjs`, mode, String(rate), String(seconds)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const serverLine = lines(server);
  const port = await serverLine();
  const url = `ws://127.0.0.1:${port}${mode === 'logwire' ? '/ws/logs' : ''}`;
  const children = [0, 1].map((p) =>
    spawn(
      process.execPath,
      [`${here}latency-clients.mjs`, mode === 'logwire' ? 'hello' : 'plain', url, String(clients / 2 + (p === 0 ? clients % 2 : 0))],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    ),
  );
  const readers = children.map(lines);
  for (const read of readers) await read();
  server.stdin.write('go\n');
  await serverLine();
  const results = await Promise.all(readers.map(async (read) => JSON.parse(await read())));
  server.kill();
  return {
    p50: Math.max(...results.map((r) => r.p50)),
    p99: Math.max(...results.map((r) => r.p99)),
    n: results.reduce((s, r) => s + r.n, 0),
  };
}

export async function measureLatency(rounds = 3, seconds = 5) {
  const results = CASES.map((c) => ({ ...c, modes: Object.fromEntries(MODES.map((m) => [m, []])) }));
  for (let round = 0; round < rounds; round++) {
    for (const c of results) for (const mode of MODES) c.modes[mode].push(await once(mode, c.rate, c.clients, seconds));
  }
  return { results, rounds, seconds };
}

export function renderLatency({ results, rounds, seconds }) {
  const rows = [];
  for (const c of results) {
    for (const mode of MODES) {
      const p50 = summary(c.modes[mode].map((r) => r.p50));
      const p99 = summary(c.modes[mode].map((r) => r.p99));
      rows.push([`${fmt(c.rate)}/s × ${c.clients}`, mode, fmt(p50.median, 2), `${fmt(p99.median, 2)} (${fmtRange(p99, 2)})`]);
    }
  }
  const first = results.find((c) => c.rate === 1000 && c.clients === 10);
  const p99 = first ? summary(first.modes.logwire.map((r) => r.p99)).median : NaN;
  return [
    `### Latency, log call → client receipt (ms, median of ${rounds} runs of ${seconds} s; p50/p99 over every record at every client)`,
    '',
    table(['load', 'server', 'p50 ms', 'p99 ms (min–max)'], rows),
    '',
    '`ws-tick` is a bare `ws` server that queues records and sends one frame per event-loop turn: the anchor for a per-turn flush. Both sides stamp the wall-clock time at the log call; clients (two processes) parse every frame.',
    '',
    `- ${p99 <= 2 ? 'met' : '**not met**'}: p99 ≤ 2 ms at 1k msg/s × 10 clients — measured ${fmt(p99, 2)} ms`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(machine());
  console.log(renderLatency(await measureLatency(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 5))));
}
