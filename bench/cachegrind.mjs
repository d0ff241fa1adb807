// Instruction counts under valgrind's cachegrind, which do not depend on the machine's load: the
// in-process instruction benches (log call, request logging) run their own script as a child
// (`script --child <variant> <count>`) at two counts and take the difference per unit, so start-up
// and imports cancel out. bench/live-turn-instructions.mjs drives its child from outside while it
// runs (sockets, stdin): `drivenInstructions`.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** valgrind's command line: cachegrind counting instructions only, into `out`, around `node nodeFlags… args…`. */
function valgrindArgs(out, nodeFlags, args) {
  return [
    '--tool=cachegrind',
    '--cache-sim=no',
    '--smc-check=all-non-file',
    `--cachegrind-out-file=${out}`,
    process.execPath,
    ...nodeFlags,
    ...args,
  ];
}

/** The total instruction count (`summary:` line) of a cachegrind output file. */
function summaryOf(out, label) {
  const summary = readFileSync(out, 'utf8').match(/^summary:\s+(\d+)/m);
  if (summary === null) throw new Error(`${label}: no summary in the cachegrind output`);
  return Number(summary[1]);
}

/**
 * Instructions (cachegrind's `Ir`) of one child run of `script`; its stdout goes to /dev/null.
 * `nodeFlags` go to node before the script (e.g. `--single-threaded`).
 */
export function instructions(script, variant, count, nodeFlags = ['--single-threaded']) {
  const dir = mkdtempSync(join(tmpdir(), 'logwire-cg-'));
  const out = join(dir, 'cachegrind.out');
  const devNull = openSync('/dev/null', 'w');
  try {
    const run = spawnSync('valgrind', valgrindArgs(out, nodeFlags, [script, '--child', variant, String(count)]), {
      stdio: ['ignore', devNull, 'pipe'],
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`${variant} ×${count}: valgrind exited ${run.status}: ${run.stderr.slice(-500)}`);
    return summaryOf(out, `${variant} ×${count}`);
  } finally {
    closeSync(devNull);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Instructions per unit of each variant: (count at `high` − count at `low`) ÷ (high − low). */
export function perUnit(script, variants, low, high, nodeFlags) {
  const result = {};
  for (const variant of variants)
    result[variant] = (instructions(script, variant, high, nodeFlags) - instructions(script, variant, low, nodeFlags)) / (high - low);
  return result;
}

/**
 * The instructions of a cachegrind output file in total and in V8's optimizing compiler (TurboFan,
 * the `v8::internal::compiler::` functions). With `--single-threaded` TurboFan compiles on the
 * main thread, whenever a function turns hot: a few long runs of it land in one count and not in
 * another, so a steady per-unit figure leaves them out (node normally compiles on another thread).
 */
function partsOf(out, label) {
  const total = summaryOf(out, label);
  let optimizing = 0;
  let inCompiler = false;
  for (const line of readFileSync(out, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) inCompiler = line.includes('compiler::');
    else if (inCompiler && line.length > 0 && line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57)
      optimizing += Number(line.slice(line.indexOf(' ') + 1));
  }
  return { total, optimizing };
}

/**
 * Instructions of one run of `node nodeFlags… args…` that `drive(child)` steers while it runs
 * (the child's stdin and stdout are pipes), as `{ total, optimizing }` (see partsOf); resolves
 * once `drive` has resolved and the child has exited with status 0. `keep` names a file to keep
 * the cachegrind output in (for cg_annotate).
 */
export async function drivenInstructions(args, nodeFlags, drive, { label = args.join(' '), keep } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'logwire-cg-'));
  const out = keep ?? join(dir, 'cachegrind.out');
  try {
    const child = spawn('valgrind', valgrindArgs(out, nodeFlags, args), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    try {
      await drive(child);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    const status = await exited;
    if (status !== 0) throw new Error(`${label}: valgrind exited ${status}: ${stderr.slice(-500)}`);
    return partsOf(out, label);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
