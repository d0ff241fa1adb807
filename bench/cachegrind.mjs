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
 * V8's compilers and parser, by function name: how often and when V8 optimises a function again
 * (after a deoptimisation, say) differs between identical runs by up to ~150 M instructions, which
 * LOW vs HIGH does not cancel; steady costs are counted without them.
 */
const COMPILING =
  /v8::internal::(compiler|maglev|baseline)::|v8::internal::(Parser|PreParser|Scanner|Ast[A-Z]\w*|Compiler|Pipeline\w*|OptimizedCompilationJob|TurbofanCompilationJob|Zone\w*)\b|compiler::/;

/** Instructions in all (`Ir`) and outside V8's compilers and parser (`steady`), from a cachegrind output file's text. */
export function counts(text, what) {
  const summary = text.match(/^summary:\s+(\d+)/m);
  if (summary === null) throw new Error(`${what}: no summary in the cachegrind output`);
  let compiling = 0;
  let inCompiler = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) inCompiler = COMPILING.test(line);
    else if (inCompiler && line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57) compiling += Number(line.split(' ')[1]);
  }
  const all = Number(summary[1]);
  return { all, steady: all - compiling };
}

/**
 * Instructions of one run of `node nodeFlags… args…` that `drive(child)` steers while it runs
 * (the child's stdin and stdout are pipes), as {@link counts} gives them; resolves
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
    return counts(readFileSync(out, 'utf8'), label);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
