// The closing summary of `npm test` (scripts/test.mjs): one line per stage, then the totals as the
// last line, `N passed, N failed` (`, N skipped` when some were). Tests count one each; a stage
// that failed without a failing test of its own (type errors, lint findings, unformatted files, a
// crash, a skipped stage) counts as one failure, so a red run never closes with `0 failed`. The
// failed tests are named just above the totals (first line of their error, at most ten per stage), so
// the last lines of a CI log say what broke without scrolling back through the runners' output.

/**
 * @typedef {{ name: string, ok: boolean, seconds: number, note?: string }} Stage
 * @typedef {{ passed: number, failed: number, skipped: number, failures?: string[] }} Counts
 * @param {Stage[]} stages every stage, in the order run
 * @param {Record<string, Counts | undefined>} counts test counts of the stages that run tests, by stage name
 * @returns {{ passed: number, failed: number, skipped: number, lines: string[] }}
 */
export function summarize(stages, counts) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const c of Object.values(counts)) {
    if (!c) continue;
    passed += c.passed;
    failed += c.failed;
    skipped += c.skipped;
  }
  for (const stage of stages) {
    const c = counts[stage.name];
    if (!stage.ok && (!c || c.failed === 0)) failed++;
  }
  const lines = stages.map(
    (stage) => `${stage.ok ? 'ok  ' : 'FAIL'} ${stage.name} (${stage.seconds.toFixed(1)} s)${stage.note ? ` ${stage.note}` : ''}`,
  );
  for (const [name, c] of Object.entries(counts)) {
    if (!c || !name.endsWith(' tests')) continue;
    lines.push(`${name.slice(0, -' tests'.length)}: ${c.passed} passed, ${c.failed} failed`);
    const failures = c.failures ?? [];
    for (const failure of failures.slice(0, 10)) lines.push(`  ✗ ${firstLine(failure)}`);
    if (failures.length > 10) lines.push(`  … and ${failures.length - 10} more`);
  }
  lines.push(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return { passed, failed, skipped, lines };
}

/** @param {string} text */
function firstLine(text) {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}
