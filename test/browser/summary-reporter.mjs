// Writes the browser run's pass/fail counts, and which tests failed, to a JSON file so `npm test`
// can print one summary.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export function summaryReporter(file) {
  return {
    onTestRunFinished({ sessions }) {
      let passed = 0;
      let failed = 0;
      let skipped = 0;
      const failures = [];
      const walk = (suite, path, session) => {
        for (const test of suite.tests ?? []) {
          if (test.skipped) skipped++;
          else if (test.passed) passed++;
          else {
            failed++;
            failures.push(`${session.testFile} › ${[...path, test.name].join(' › ')}: ${test.error?.message ?? 'failed'}`);
          }
        }
        for (const child of suite.suites ?? []) walk(child, [...path, child.name], session);
      };
      for (const session of sessions) {
        if (session.testResults) walk(session.testResults, [], session);
        // A file that failed to load or threw outside a test has errors but no failed test.
        if (!session.passed && (session.errors?.length ?? 0) > 0) {
          failed++;
          failures.push(`${session.testFile}: ${session.errors[0]?.message ?? 'failed'}`);
        }
      }
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify({ passed, failed, skipped, failures }));
    },
  };
}
