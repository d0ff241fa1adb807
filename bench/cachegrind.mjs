// Instruction counts under valgrind's cachegrind, which do not depend on the machine's load: the
// in-process instruction benches (log call, request logging) run their own script as a child
// (`script --child <variant> <count>`) at two counts and take the difference per unit, so start-up
// and imports cancel out.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Instructions (cachegrind's `Ir`) of one child run of `script`; its stdout goes to /dev/null.
 * `nodeFlags` go to node before the script (e.g. `--single-threaded`).
 */
export function instructions(script, variant, count, nodeFlags = ['--single-threaded']) {
  const dir = mkdtempSync(join(tmpdir(), 'logwire-cg-'));
  const out = join(dir, 'cachegrind.out');
  const devNull = openSync('/dev/null', 'w');
  try {
    const run = spawnSync(
      'valgrind',
      [
        '--tool=cachegrind',
        '--cache-sim=no',
        '--smc-check=all-non-file',
        `--cachegrind-out-file=${out}`,
        process.execPath,
        ...nodeFlags,
        script,
        '--child',
        variant,
        String(count),
      ],
      { stdio: ['ignore', devNull, 'pipe'], encoding: 'utf8' },
    );
    if (run.status !== 0) throw new Error(`${variant} ×${count}: valgrind exited ${run.status}: ${run.stderr.slice(-500)}`);
    const summary = readFileSync(out, 'utf8').match(/^summary:\s+(\d+)/m);
    if (summary === null) throw new Error(`${variant} ×${count}: no summary in the cachegrind output`);
    return Number(summary[1]);
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
