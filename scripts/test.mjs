// `npm test`: type-check, lint (ESLint, no warnings allowed), format check (Prettier), build, Node
// tests (vitest), browser tests (@web/test-runner in headless Chromium). Every stage runs even if an
// earlier one failed, then one summary line is printed and the exit code is non-zero if anything
// failed. A failed stage without failing tests of its own (type errors, lint findings, unformatted
// files, a crash) counts as one failure in the closing `N passed, N failed` line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { relative as relativeTo } from 'node:path';
import { ensureChromium } from './ensure-chromium.mjs';
import { ensureRedis } from './ensure-redis.mjs';
import { summarize } from './test-summary.mjs';

const results = '.test-results';
rmSync(results, { recursive: true, force: true });

const stages = [];
function run(name, command, args, env = {}) {
  console.log(`\n━━ ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const { status } = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const stage = { name, ok: status === 0, seconds: (Date.now() - started) / 1000 };
  stages.push(stage);
  return stage;
}

function counts(file, read) {
  if (!existsSync(file)) return undefined;
  try {
    return read(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

const relative = (file) => relativeTo(process.cwd(), file);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
run('typecheck', npx, ['tsc', '-p', 'tsconfig.json', '--noEmit']);
run('lint', npx, ['eslint', '.', '--max-warnings', '0']);
run('format check', npx, ['prettier', '--check', '.', '--log-level', 'warn']);
const build = run('build', npx, ['rollup', '-c', 'rollup.config.mjs', '--silent']);
// Byte budgets (.size-limit.json), measured on the fresh build.
let sizes;
if (build.ok) {
  console.log('\n━━ bundle sizes: size-limit');
  const started = Date.now();
  const out = spawnSync(npx, ['size-limit', '--json'], { encoding: 'utf8' });
  try {
    sizes = JSON.parse(out.stdout);
    for (const check of sizes)
      console.log(
        `${check.passed ? 'ok  ' : 'FAIL'} ${check.name}: ${(check.size / 1000).toFixed(2)} kB gzip (limit ${(check.sizeLimit / 1000).toFixed(2)} kB)`,
      );
  } catch {
    console.log(out.stdout, out.stderr);
  }
  stages.push({ name: 'bundle sizes', ok: out.status === 0 && sizes !== undefined, seconds: (Date.now() - started) / 1000 });
}

// The @logwire/redis tests need a real Redis on 127.0.0.1:6379.
console.log(`Redis: ${await ensureRedis()}`);

// The demo's acceptance test drives Chromium from Node too.
const chromium = build.ok ? ensureChromium() : undefined;
run('node tests', npx, ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${results}/node.json`]);
if (build.ok) {
  console.log(`Chromium: ${chromium}`);
  run('browser tests', npx, ['web-test-runner']);
} else {
  stages.push({ name: 'browser tests', ok: false, seconds: 0, note: 'skipped: the build failed' });
}

const node = counts(`${results}/node.json`, (r) => ({
  passed: r.numPassedTests,
  failed: r.numFailedTests,
  skipped: r.numPendingTests + (r.numTodoTests ?? 0),
  failures: r.testResults.flatMap((file) => [
    ...file.assertionResults
      .filter((test) => test.status === 'failed')
      .map((test) => `${relative(file.name)} › ${test.fullName}: ${test.failureMessages?.[0] ?? 'failed'}`),
    // A file that failed to load has a message but no failed test.
    ...(file.status === 'failed' && file.assertionResults.every((test) => test.status !== 'failed') && file.message
      ? [`${relative(file.name)}: ${file.message}`]
      : []),
  ]),
}));
const browser = counts(`${results}/browser.json`, (r) => r);
const size = sizes && { passed: sizes.filter((c) => c.passed).length, failed: sizes.filter((c) => !c.passed).length, skipped: 0 };
const summary = summarize(stages, { 'node tests': node, 'browser tests': browser, 'bundle sizes': size });
console.log('\n━━ summary');
for (const line of summary.lines) console.log(line);
process.exit(stages.every((stage) => stage.ok) ? 0 : 1);
