// One stalled client at 10,000 records/s for 20 s: server RSS growth, logwire vs a raw `ws`
// server without a policy (one frame per record, no limit), while a second client reads normally.
//   node bench/stalled.mjs [rounds=3] [seconds=20]
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, fmtRange, lines, machine, summary, table } from './lib.mjs';

const here = fileURLToPath(new URL('./fanout/', import.meta.url));
const RATE = 10_000;
const MODES = ['logwire', 'ws-nopolicy'];

async function once(mode, seconds) {
  const server = spawn(process.execPath, ['--expose-gc', `${here}stalled-server.mjs`, mode, String(RATE), String(seconds)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const serverLine = lines(server);
  const port = await serverLine();
  const client = spawn(
    process.execPath,
    [`${here}stalled-clients.mjs`, mode === 'logwire' ? 'hello' : 'plain', `ws://127.0.0.1:${port}${mode === 'logwire' ? '/ws/logs' : ''}`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const clientLine = lines(client);
  await clientLine();
  server.stdin.write('go\n');
  const { made, growthMb } = JSON.parse(await serverLine());
  const { received } = JSON.parse(await clientLine());
  server.kill();
  client.kill();
  return { growthMb, made, received };
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
        results[mode].map((r) => `${fmt(r.received)} / ${fmt(r.made)}`).join(', '),
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
