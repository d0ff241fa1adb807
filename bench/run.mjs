// `npm run bench`: runs every benchmark in one go on this machine, prints the tables and writes
// docs/benchmarks.md. Figures are medians of several runs with min–max; goals are ratios against
// peers measured in the same run, reported as met or not met (never tuned to pass).
//
//   npm run bench [-- --rounds N] [-- --only log-call,bundle]
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { machine } from './lib.mjs';
import { measureLogCall, renderLogCall } from './log-call.mjs';
import { measureBundle, renderBundle } from './bundle-size.mjs';
import { measureFanout, renderFanout } from './fanout.mjs';
import { measureLatency, renderLatency } from './latency.mjs';
import { measureStalled, renderStalled } from './stalled.mjs';
import { measurePanels, measureRedis, measureReplay, renderPanels, renderRedis, renderReplay } from './external.mjs';

const args = process.argv.slice(2);
const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 5;
const only = args.includes('--only') ? new Set(args[args.indexOf('--only') + 1].split(',')) : undefined;

const benches = [
  { name: 'log-call', run: () => measureLogCall(rounds), render: renderLogCall },
  { name: 'fanout', run: () => measureFanout(Math.min(rounds, 3)), render: renderFanout },
  { name: 'latency', run: () => measureLatency(Math.min(rounds, 3)), render: renderLatency },
  { name: 'stalled', run: () => measureStalled(Math.min(rounds, 3)), render: renderStalled },
  { name: 'panels', run: () => measurePanels(), render: renderPanels },
  { name: 'replay', run: () => measureReplay(), render: renderReplay },
  { name: 'redis', run: () => measureRedis(), render: renderRedis },
  { name: 'bundle', run: () => measureBundle(), render: renderBundle },
  { name: 'peers', run: () => import('./logging-peers.mjs').then((m) => m.peersSection(rounds)), render: String },
];

const started = new Date();
const sections = [];
for (const bench of benches) {
  if (only && !only.has(bench.name)) continue;
  process.stderr.write(`bench: ${bench.name}…\n`);
  const section = bench.render(await bench.run());
  console.log(`\n${section}\n`);
  sections.push(section);
}

const m = machine();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    return 'unknown';
  }
})();
const report = `# Benchmarks

Measured with \`npm run bench\` on ${started.toISOString().slice(0, 10)} at commit \`${commit}\`.
Machine: ${m.cpu}, ${m.platform}, Node ${m.node}. The machine is shared and noisy (2 cores run
both the server and the load): absolute numbers move ±20–30 % between runs, so every goal is a
ratio against a peer measured in the same run.

${sections.join('\n\n')}
`;
if (!only) writeFileSync(new URL('../docs/benchmarks.md', import.meta.url), report);
