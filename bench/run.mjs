// `npm run bench`: runs every benchmark in one go on this machine, prints the tables and writes
// docs/benchmarks.md. Figures are medians of several runs with min–max; goals are ratios against
// peers measured in the same run, reported as met or not met (never tuned to pass).
//
// Each benchmark runs in its own process group with a time limit (`--limit-minutes`, default 20):
// one that overruns is killed with everything it started and reported as not finished, so the
// run always ends. At the end every goal line of every section is gathered into one list.
//
//   npm run bench [-- --rounds N] [-- --only log-call,bundle] [-- --limit-minutes M]
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine } from './lib.mjs';

const args = process.argv.slice(2);
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = option('--rounds') === undefined ? 5 : Number(option('--rounds'));
const only = option('--only') === undefined ? undefined : new Set(option('--only').split(','));
const limitMinutes = Number(option('--limit-minutes') ?? 20);

const benches = {
  'log-call': async () => {
    const { measureLogCall, renderLogCall } = await import('./log-call.mjs');
    return renderLogCall(await measureLogCall(rounds));
  },
  fanout: async () => {
    const { measureFanout, renderFanout } = await import('./fanout.mjs');
    return renderFanout(await measureFanout(Math.min(rounds, 3)));
  },
  latency: async () => {
    const { measureLatency, renderLatency } = await import('./latency.mjs');
    return renderLatency(await measureLatency(Math.min(rounds, 3)));
  },
  stalled: async () => {
    const { measureStalled, renderStalled } = await import('./stalled.mjs');
    return renderStalled(await measureStalled(Math.min(rounds, 3)));
  },
  panels: async () => {
    const { measurePanels, renderPanels } = await import('./external.mjs');
    return renderPanels(measurePanels());
  },
  replay: async () => {
    const { measureReplay, renderReplay } = await import('./external.mjs');
    return renderReplay(measureReplay());
  },
  redis: async () => {
    const { measureRedis, renderRedis } = await import('./external.mjs');
    return renderRedis(measureRedis());
  },
  bundle: async () => {
    const { measureBundle, renderBundle } = await import('./bundle-size.mjs');
    return renderBundle(measureBundle());
  },
  peers: async () => {
    const { peersSection } = await import('./logging-peers.mjs');
    return String(await peersSection(rounds));
  },
};

// Child mode: run one benchmark and write its markdown section to a file.
const section = option('--section');
if (section !== undefined) {
  writeFileSync(option('--out'), await benches[section]());
  process.exit(0);
}

/** Runs one benchmark in a child process group; resolves with its section, or a note that it failed or overran. */
function runSection(name, dir) {
  const out = join(dir, `${name}.md`);
  const script = fileURLToPath(import.meta.url);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, '--section', name, '--out', out, '--rounds', String(rounds)], {
      stdio: ['ignore', 'inherit', 'inherit'],
      detached: true,
    });
    let overran = false;
    const timer = setTimeout(() => {
      overran = true;
      // The whole group: a benchmark's servers and clients go with it.
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, limitMinutes * 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      if (code === 0) {
        resolve({ name, finished: true, text: readFileSync(out, 'utf8') });
        return;
      }
      const why = overran ? `did not finish within its ${limitMinutes}-minute limit and was stopped` : `failed (exit ${code ?? signal})`;
      resolve({ name, finished: false, text: `### ${name}\n\n- **not met**: \`${name}\` ${why}; no figures from this run.` });
    });
  });
}

/** The goal lines of a section (`- met: …` / `- **not met**: …`). */
function goalLines(text) {
  return text.split('\n').filter((line) => /^- (met|\*\*not met\*\*):/.test(line));
}

const m = machine();
const cpuLine = `Machine: ${m.cpu}, ${m.platform}, Node ${m.node}.`;
console.log(cpuLine);
const started = new Date();
const dir = mkdtempSync(join(tmpdir(), 'logwire-bench-'));
const results = [];
for (const name of Object.keys(benches)) {
  if (only && !only.has(name)) continue;
  process.stderr.write(`bench: ${name}…\n`);
  const result = await runSection(name, dir);
  console.log(`\n${result.text}\n`);
  results.push(result);
}
rmSync(dir, { recursive: true, force: true });

// A benchmark run through external.mjs reports its own failure inside its section ("… failed (exit N)").
for (const r of results) if (/ failed \(exit /.test(r.text)) r.finished = false;
const allFinished = results.every((r) => r.finished);
const partial = results.filter((r) => /partial run/i.test(r.text)).map((r) => r.name);
const goals = [
  '### Goals (met / not met, each a ratio measured in this run)',
  '',
  `Ran on ${m.cpu} (${m.platform}, Node ${m.node}).`,
  '',
  `- ${allFinished ? 'met' : '**not met**'}: every benchmark finished within its ${limitMinutes}-minute limit — ${results.filter((r) => r.finished).length} of ${results.length}${partial.length ? `; partial runs (reported as such) in ${partial.join(', ')}` : ''}`,
  ...results.flatMap((r) => goalLines(r.text).map((line) => line.replace(/^- (met|\*\*not met\*\*):/, `- $1 (${r.name}):`))),
].join('\n');
console.log(`\n${goals}\n`);

const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD']).toString().trim();
  } catch {
    return 'unknown';
  }
})();
// Two parts of the previous file are carried over, not regenerated: the hand-written notes that
// explain figures that moved ("what changed and why"; prose, revised by hand after each full run),
// and sections measured by their own commands outside this run (the query benchmark generates
// 1 GB of data and takes about ten minutes; its section names its command, date and load).
const NOTES_HEADING = '### What changed since the last full run, and why';
const SEPARATE = ['(bench/query.mjs)'];
const docsUrl = new URL('../docs/benchmarks.md', import.meta.url);
const previous = (() => {
  try {
    return readFileSync(docsUrl, 'utf8');
  } catch {
    return '';
  }
})();
const notesAt = previous.indexOf(NOTES_HEADING);
const notes = notesAt === -1 ? '' : `\n${previous.slice(notesAt).trimEnd()}\n`;
const separate = (notesAt === -1 ? previous : previous.slice(0, notesAt))
  .split(/\n(?=### )/)
  .filter((part) => SEPARATE.some((name) => part.split('\n', 1)[0].includes(name)))
  .map((part) => `\n${part.trimEnd()}\n`)
  .join('');
const report = `# Benchmarks

Measured with \`npm run bench\` on ${started.toISOString().slice(0, 10)} at commit \`${commit}\`.
${cpuLine} The machine is shared and noisy (2 cores run
both the server and the load): absolute numbers move ±20–30 % between runs, so every goal is a
ratio against a peer measured in the same run.

${goals}

${results.map((r) => r.text).join('\n\n')}
${separate}${notes}`;
if (!only) writeFileSync(docsUrl, report);
