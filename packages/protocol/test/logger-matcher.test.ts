import { describe, expect, it } from 'vitest';
import { loggerMatcher } from '../src/index.js';

describe('loggerMatcher', () => {
  it('passes everything without patterns', () => {
    expect(loggerMatcher([])('anything.at.all')).toBe(true);
  });

  it('matches globs: * across dots, ? one character, the rest literally', () => {
    const matches = loggerMatcher(['orchestrator.*', 'a?c', 'x.y']);
    expect(['orchestrator.server', 'orchestrator.tmux.core', 'abc', 'x.y'].map(matches)).toEqual([true, true, true, true]);
    expect(['orchestrator', 'ac', 'abbc', 'xzy', 'other'].map(matches)).toEqual([false, false, false, false, false]);
  });

  it('excludes with ! and needs a positive match when there is one', () => {
    const matches = loggerMatcher(['orchestrator.*', '!orchestrator.health*']);
    expect(['orchestrator.server', 'orchestrator.health', 'orchestrator.healthcheck', 'api'].map(matches)).toEqual([
      true,
      false,
      false,
      false,
    ]);
    const onlyNegative = loggerMatcher(['!noisy.*']);
    expect(['noisy.x', 'quiet.x'].map(onlyNegative)).toEqual([false, true]);
  });

  it('treats regular-expression characters in patterns literally', () => {
    const matches = loggerMatcher(['a+b.(c)[d]$']);
    expect(matches('a+b.(c)[d]$')).toBe(true);
    expect(matches('aab.(c)[d]$')).toBe(false);
  });
});
