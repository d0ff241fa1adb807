// One stalled client at 10,000 records/s for 20 s: server RSS growth, logwire vs a raw `ws`
// server without a policy (one frame per record, no limit), while a second client reads normally.
//   node bench/stalled.mjs [rounds=3] [seconds=20]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, killAll, lines, machine, summary, table, within } from './lib.mjs';

const here = fileURLToPath(new URL('./fanout/', import.meta.url));
const RATE = 10_000;
const MODES = ['logwire', 'ws-nopolicy'];

async function once(mode, seconds) {
  const server = spawn(process.execPath, ['--expose-gc', `${here}stalled-server.mjs`, mode, String(RATE), String(seconds)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let client;
  try {
    const serverLine = lines(server);
    const port = await within(serverLine(), 30_000);
    if (port === undefined) return { growthMb: NaN, made: 0, received: 0, partial: 'server did not start' };
    const path = mode === 'logwire' ? '/ws/logs' : '';
    const deadline = seconds * 1000 + 60_000;
    client = spawn(
      process.execPath,
      [`${here}stalled-clients.mjs`, mode === 'logwire' ? 'hello' : 'plain', `ws://127.0.0.1:${port}${path}`, String(deadline)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const clientLine = lines(client);
    if ((await within(clientLine(), 30_000)) !== 'ready')
      return { growthMb: NaN, made: 0, received: 0, partial: 'clients did not connect' };
    server.stdin.write('go\n');
    const serverSummary = await within(serverLine(), seconds * 1000 + 30_000);
    if (serverSummary === undefined) return { growthMb: NaN, made: 0, received: 0, partial: 'server gave no summary' };
    const { made, growthMb } = JSON.parse(serverSummary);
    const clientSummary = await within(clientLine(), deadline + 5_000);
    const { received, timeout } = clientSummary === undefined ? { received: 0, timeout: true } : JSON.parse(clientSummary);
    return { growthMb, made, received, partial: timeout ? 'the reading client did not see the end by the deadline' : undefined };
  } finally {
    killAll(server, ...(client ? [client] : []));
  }
}

export async function measureStalled(rounds = 3, seconds = 20) {
  const results = Object.fromEntries(MODES.map((m) => [m, []]));
  for (let round = 0; round < rounds; round++) for (const mode of MODES) results[mode].push(await once(mode, seconds));
  return { results, rounds, seconds };
}

export function renderStalled({ results, rounds, seconds }) {
  const growth = (mode) => summary(results[mode].map((r) => r.growthMb));
  const ours = growth('logwire');
  return [
    `### One stalled client, ${fmt(RATE)} records/s for ${seconds} s (server RSS growth, MB, median of ${rounds} with min–max)`,
    '',
    table(
      ['server', 'RSS growth MB', 'min–max', 'healthy client received / produced'],
      MODES.map((mode) => [
        mode,
        fmt(growth(mode).median, 1),
        fmtRange(growth(mode), 1),
        results[mode].map((r) => `${fmt(r.received)} / ${fmt(r.made)}${r.partial ? ` (partial: ${r.partial})` : ''}`).join(', '),
      ]),
    ),
    '',
    '`ws-nopolicy` sends one frame per record to every client with no limit, as a hand-rolled socket does. The stalled client pauses its socket right after the handshake.',
    '',
    `- ${ours.median <= 64 ? 'met' : '**not met**'}: stalled-client RSS growth ≤ 64 MB — measured ${fmt(ours.median, 1)} MB`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(machine());
  console.log(renderStalled(await measureStalled(Number(process.argv[2] ?? 3), Number(process.argv[3] ?? 20))));
}
