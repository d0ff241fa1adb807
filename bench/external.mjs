// Benchmarks that are their own scripts (browser and Redis): run them as child processes and keep
// the markdown they print, so `npm run bench` reports everything in one document.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs `node <script> ...args` from the repository root; resolves with its stdout. */
export function runScript(script, args = [], timeoutMs = 900_000) {
  const result = spawnSync(process.execPath, [script, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0) return `\`${script} ${args.join(' ')}\` failed (exit ${result.status ?? result.signal}).`;
  return result.stdout.trim();
}

/** Panel ingest at 1k/5k/20k msg/s, scrolling and memory per 100k entries (bench/panels). */
export function measurePanels() {
  return [1000, 5000, 20000].map((rate) => ({ rate, output: runScript('bench/panels/run.mjs', [`--rate=${rate}`, '--seconds=6']) }));
}

export function renderPanels(runs) {
  const p95At5k = (() => {
    const run = runs.find((r) => r.rate === 5000);
    const row = run?.output.split('\n').find((line) => line.startsWith('| ingest 5000/s for'));
    return row === undefined ? NaN : Number(row.split('|')[5]);
  })();
  return [
    '### Panels in Chromium: ingest over a real socket, scrolling, memory (bench/panels)',
    '',
    ...runs.flatMap((run) => [`#### ${run.rate.toLocaleString('en-US')} messages/s`, '', run.output, '']),
    `- ${p95At5k <= 16.7 ? 'met' : '**not met**'}: panel p95 frame ≤ 16.7 ms at 5k msg/s — measured ${Number.isNaN(p95At5k) ? '—' : `${p95At5k} ms`}`,
  ].join('\n');
}

/** IndexedDB batched write rate and reload-to-first-paint (bench/replay). */
export function measureReplay() {
  return runScript('bench/replay/run.mjs', ['--rounds', '3']);
}

export function renderReplay(output) {
  return ['### Replay buffer: IndexedDB write rate and reload-to-first-paint (bench/replay)', '', output.replace(/^## .*\n/, '')].join(
    '\n',
  );
}

/** Redis Streams backplane throughput with 2 nodes next to one in-memory node (bench/redis). */
export function measureRedis() {
  return runScript('bench/redis/run.mjs');
}

export function renderRedis(output) {
  return ['### Redis backplane throughput (bench/redis)', '', output.replace(/^\s*## .*\n/m, '')].join('\n');
}
