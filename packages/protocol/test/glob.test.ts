import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compileGlob, globMatches, loggerMatcher, loggerPatternFromInput, MAX_FILTER_STRING } from '../src/index.js';

// The matcher as it was before globs were matched without regular expressions, kept as the
// reference for the semantics (packages/protocol/src/filter.ts before this change). Only short
// patterns are fed to it: it backtracks exponentially on long ones.
function referenceMatcher(patterns: readonly string[]): (logger: string) => boolean {
  const positive: RegExp[] = [];
  const negative: RegExp[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) negative.push(globToRegExp(pattern.slice(1)));
    else positive.push(globToRegExp(pattern));
  }
  if (positive.length === 0 && negative.length === 0) return () => true;
  return (logger) => (positive.length === 0 || positive.some((re) => re.test(logger))) && !negative.some((re) => re.test(logger));
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const char of glob) {
    if (char === '*') source += '.*';
    else if (char === '?') source += '.';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}

/** A small deterministic generator (mulberry32), so a failing case can be reproduced. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function word(next: () => number, alphabet: readonly string[], maxLength: number): string {
  let out = '';
  const length = Math.floor(next() * (maxLength + 1));
  for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
  return out;
}

/**
 * Runs `work` and fails if it has not returned within `deadlineMs`. A backtracking matcher blocks
 * the thread, so neither a test timeout nor a timer could fire: the `vm` watchdog terminates the
 * running code instead. The deadline only catches a hang; nothing here measures speed.
 */
function finishes<T>(work: () => T, deadlineMs = 15_000): T {
  return runInNewContext('work()', { work }, { timeout: deadlineMs }) as T;
}

describe('globMatches', () => {
  it('matches like the regular-expression matcher it replaced, on hand-picked cases', () => {
    const cases: [string, string][] = [
      ['', ''],
      ['', 'a'],
      ['*', ''],
      ['*', 'anything.at.all'],
      ['**', 'a'],
      ['?', ''],
      ['?', 'a'],
      ['?', 'ab'],
      ['a*', 'a'],
      ['a*', 'abc.def'],
      ['*a', 'bba'],
      ['*a', 'bbab'],
      ['a*b*c', 'aXbYc'],
      ['a*b*c', 'aXbYcZ'],
      ['a*b*c', 'abcbc'],
      ['orchestrator.*', 'orchestrator'],
      ['orchestrator.*', 'orchestrator.'],
      ['orchestrator.*', 'orchestrator.tmux.core'],
      ['*.health', 'api.v1.health'],
      ['a?c', 'abc'],
      ['a?c', 'ac'],
      ['a?c', 'a.c'],
      ['a?c', 'a\nc'],
      ['*', 'line\nbreak'],
      ['a+b.(c)[d]$', 'a+b.(c)[d]$'],
      ['a+b.(c)[d]$', 'aab.(c)[d]$'],
      ['^x|y$', '^x|y$'],
      ['a\\b', 'a\\b'],
      ['{1,2}', '{1,2}'],
      ['?', '😀'],
      ['??', '😀'],
      ['😀', '😀'],
      ['*😀*', 'x😀y'],
      ['?\uDE00', '😀'],
      ['\uD83D?', '😀'],
      ['Abc', 'abc'],
      ['!x', '!x'],
      ['*ab*ab*', 'xabyab'],
      ['*aab', 'aaaab'],
      ['*?a', 'ba'],
      ['*?a', 'a'],
    ];
    for (const [pattern, name] of cases) {
      const label = `${JSON.stringify(pattern)} vs ${JSON.stringify(name)}`;
      expect(globMatches(pattern, name), label).toBe(globToRegExp(pattern).test(name));
      expect(compileGlob(pattern)(name), `compiled ${label}`).toBe(globToRegExp(pattern).test(name));
    }
  });

  it('matches like the regular-expression matcher it replaced, on 20,000 generated cases', () => {
    const next = random(12);
    const patternAlphabet = ['a', 'b', '.', '*', '*', '?', '😀', '\uD83D', '\n', '+', '\\', '(', '!'];
    const nameAlphabet = ['a', 'b', '.', '😀', '\uD83D', '\n', '+', '\\', '(', '!'];
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const pattern = word(next, patternAlphabet, 7);
      const name = word(next, nameAlphabet, 9);
      const expected = globToRegExp(pattern).test(name);
      if (expected) matched++;
      if (globMatches(pattern, name) !== expected) expect.fail(`expected ${expected}: ${JSON.stringify([pattern, name])}`);
    }
    // Both outcomes are well represented, so the comparison means something.
    expect(matched).toBeGreaterThan(500);
    expect(matched).toBeLessThan(19_000);
  });
});

describe('loggerMatcher', () => {
  it('decides like the regular-expression matcher it replaced, with positive and negative patterns', () => {
    const next = random(99);
    const patternAlphabet = ['a', 'b', '.', '*', '?'];
    for (let i = 0; i < 5_000; i++) {
      const patterns = Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.3 ? '!' : '') + word(next, patternAlphabet, 5));
      const name = word(next, ['a', 'b', '.'], 7);
      const expected = referenceMatcher(patterns)(name);
      if (loggerMatcher(patterns)(name) !== expected) expect.fail(`expected ${expected}: ${JSON.stringify([patterns, name])}`);
    }
  });

  describe('hostile patterns of the longest allowed length against 10,000 logger names of 256+ characters', () => {
    // Each of these froze the process with the regular-expression matcher (`^.*.*…Z$`); a
    // linear-time matcher answers all of them at once.
    const names = Array.from({ length: 10_000 }, (_, i) => `app.${i}.` + 'a'.repeat(256) + (i % 1000 === 0 ? 'Z' : 'Y'));

    it('"*" × 255 + "Z"', () => {
      const pattern = '*'.repeat(MAX_FILTER_STRING - 1) + 'Z';
      expect(pattern).toHaveLength(256);
      const matches = loggerMatcher([pattern]);
      const passed = finishes(() => names.filter(matches).length);
      expect(passed).toBe(10);
    });

    it('"*a" × 127 + "*b" (never there) and "*a" × 127 + "*Z" (at the end)', () => {
      const absent = '*a'.repeat(127) + '*b';
      const present = '*a'.repeat(127) + '*Z';
      expect(absent).toHaveLength(256);
      const [a, b] = finishes(() => [names.filter(loggerMatcher([absent])).length, names.filter(loggerMatcher([present])).length]);
      expect(a).toBe(0);
      expect(b).toBe(10);
    });

    it('"*?" × 127 + "*Z", "!" + "*a" × 127 + "*b" and "*" + "a" × 254 + "Z"', () => {
      const questions = '*?'.repeat(127) + '*Z';
      const negated = '!' + '*a'.repeat(127) + '*b';
      const long = '*' + 'a'.repeat(254) + 'Z';
      const counts = finishes(() => [questions, negated, long].map((pattern) => names.filter(loggerMatcher([pattern])).length));
      expect(counts).toEqual([10, 10_000, 10]);
    });

    it('"*" + "a?" × 126 + "b*": a middle segment with "?" is searched once, not retried', () => {
      const pattern = '*' + 'a?'.repeat(126) + 'b*';
      expect(pattern).toHaveLength(255);
      expect(finishes(() => names.filter(loggerMatcher([pattern])).length)).toBe(0);
    });
  });
});

describe('loggerPatternFromInput', () => {
  it('wraps a plain term as *term*, keeps patterns and the leading !, and ignores blank input', () => {
    expect(loggerPatternFromInput('db')).toBe('*db*');
    expect(loggerPatternFromInput('  app.db  ')).toBe('*app.db*');
    expect(loggerPatternFromInput('app.*')).toBe('app.*');
    expect(loggerPatternFromInput('a?c')).toBe('a?c');
    expect(loggerPatternFromInput('!health')).toBe('!*health*');
    expect(loggerPatternFromInput('!app.health*')).toBe('!app.health*');
    expect(loggerPatternFromInput('')).toBeUndefined();
    expect(loggerPatternFromInput('   ')).toBeUndefined();
    expect(loggerPatternFromInput('!')).toBeUndefined();
    const matches = loggerMatcher([loggerPatternFromInput('db') as string]);
    expect(['app.db.pool', 'db', 'app.DB', 'app.web'].map(matches)).toEqual([true, true, false, false]);
  });
});
