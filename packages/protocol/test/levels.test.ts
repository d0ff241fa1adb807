import { describe, expect, it } from 'vitest';
import { isLevelName, Level, LEVEL_NAMES, levelValue, toLevelName } from '../src/index.js';

describe('levels', () => {
  it('orders the six levels with TRACE at 5', () => {
    expect(LEVEL_NAMES.map((name) => Level[name])).toEqual([5, 10, 20, 30, 40, 50]);
  });

  it('recognises exact names only in isLevelName', () => {
    expect(isLevelName('WARNING')).toBe(true);
    expect(isLevelName('warning')).toBe(false);
    expect(isLevelName('toString')).toBe(false);
    expect(isLevelName('__proto__')).toBe(false);
  });

  it('maps case variants and aliases in levelValue and toLevelName', () => {
    expect(levelValue('warn')).toBe(30);
    expect(levelValue('Fatal')).toBe(50);
    expect(levelValue('trace')).toBe(5);
    expect(levelValue('verbose')).toBeUndefined();
    expect(toLevelName('err')).toBe('ERROR');
    expect(toLevelName('constructor')).toBeUndefined();
  });
});
