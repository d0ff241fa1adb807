import { describe, expect, it } from 'vitest';
import { summarize, type Stage } from '../../scripts/test-summary.mjs';

const stage = (name: string, ok: boolean): Stage => ({ name, ok, seconds: 1 });

describe('npm test summary', () => {
  it('ends with the totals line, counting each test once', () => {
    const { lines } = summarize([stage('typecheck', true), stage('lint', true), stage('node tests', true)], {
      'node tests': { passed: 5, failed: 0, skipped: 1 },
    });
    expect(lines.at(-1)).toBe('5 passed, 0 failed, 1 skipped');
    expect(lines).toContain('node: 5 passed, 0 failed');
  });

  it('counts a failing lint or format stage as a failure', () => {
    const { lines, failed } = summarize(
      [stage('typecheck', true), stage('lint', false), stage('format check', false), stage('node tests', true)],
      {
        'node tests': { passed: 5, failed: 0, skipped: 0 },
      },
    );
    expect(failed).toBe(2);
    expect(lines).toContain('FAIL lint (1.0 s)');
    expect(lines.at(-1)).toBe('5 passed, 2 failed');
  });

  it('does not count a test stage twice when its failing tests are counted', () => {
    const { lines } = summarize([stage('node tests', false), stage('browser tests', false)], {
      'node tests': { passed: 3, failed: 2, skipped: 0 },
      'browser tests': undefined,
    });
    // The browser stage crashed without a report: one failure for it.
    expect(lines.at(-1)).toBe('3 passed, 3 failed');
  });

  it('names the failed tests above the totals, one line each, at most ten per stage', () => {
    const failures = Array.from({ length: 12 }, (_, i) => `a.test.ts › suite › case ${i}: expected 1 to be 2\n  at stack`);
    const { lines } = summarize([stage('node tests', false)], { 'node tests': { passed: 1, failed: 12, skipped: 0, failures } });
    expect(lines).toContain('  ✗ a.test.ts › suite › case 0: expected 1 to be 2');
    expect(lines).not.toContain('  ✗ a.test.ts › suite › case 10: expected 1 to be 2');
    expect(lines).toContain('  … and 2 more');
    expect(lines.at(-1)).toBe('1 passed, 12 failed');
  });
});
