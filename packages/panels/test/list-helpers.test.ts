// The pure helpers of the list: fixed-row geometry and anchoring, keyboard moves, search.
import { describe, expect, it } from 'vitest';
import { captureAnchor, indexAt, offsetOf, renderRange, resolveAnchor } from '../src/base/fixed-row-geometry.js';
import { scrollIntoView, totalHeight } from '../src/base/fixed-row-geometry.js';
import { Move } from '../src/base/keyboard-controller.js';
import { compileSearch, highlightParts } from '../src/base/search.js';
import { nextIndex } from '../src/base/selection-controller.js';
import { LoggerFilter } from '../src/base/filters.js';

const geometry = { count: 100, rowHeight: 20, detailHeight: 200, expanded: 10 };

describe('fixed-row geometry', () => {
  it('places rows at fixed heights with one expanded detail view', () => {
    expect(totalHeight(geometry)).toBe(100 * 20 + 200);
    expect(totalHeight({ ...geometry, expanded: -1 })).toBe(2000);
    expect(offsetOf(geometry, 10)).toBe(200);
    expect(offsetOf(geometry, 11)).toBe(220 + 200);
    expect(indexAt(geometry, 205)).toBe(10);
    // Inside the detail view: still the expanded row.
    expect(indexAt(geometry, 300)).toBe(10);
    expect(indexAt(geometry, 420)).toBe(11);
    expect(indexAt(geometry, 1e9)).toBe(99);
    expect(indexAt(geometry, -5)).toBe(0);
  });

  it('renders the viewport plus overscan, at most maxRows', () => {
    expect(renderRange({ ...geometry, expanded: -1 }, 1000, 400, 8, 300)).toEqual([42, 42 + 20 + 17]);
    expect(renderRange({ ...geometry, expanded: -1 }, 0, 10_000, 8, 300)).toEqual([0, 100]);
  });

  it('anchors the top of the viewport to an entry, and puts it back after rows above it went', () => {
    const flat = { ...geometry, expanded: -1 };
    const anchor = captureAnchor(flat, 205, (index) => 1000 + index)!;
    expect(anchor).toEqual({ seq: 1010, delta: 5 });
    // Ten rows above were evicted: the entry is now at index 0.
    expect(resolveAnchor({ ...flat, count: 90 }, anchor, 0, 400)).toBe(5);
    expect(captureAnchor({ ...flat, count: 0 }, 0, () => 1)).toBeUndefined();
  });

  it('scrolls as little as possible to reveal a row', () => {
    const flat = { ...geometry, expanded: -1 };
    expect(scrollIntoView(flat, 5, 200, 400)).toBe(100);
    expect(scrollIntoView(flat, 40, 200, 400)).toBe(420);
    expect(scrollIntoView(flat, 15, 200, 400)).toBe(200);
  });
});

describe('keyboard moves', () => {
  it('moves by one, by a page, to the ends, and from the top of the viewport when nothing is active', () => {
    expect(nextIndex(Move.Next, 3, 10, 5, 0)).toBe(4);
    expect(nextIndex(Move.Next, 9, 10, 5, 0)).toBe(9);
    expect(nextIndex(Move.Previous, 0, 10, 5, 0)).toBe(0);
    expect(nextIndex(Move.PageDown, 3, 10, 5, 0)).toBe(8);
    expect(nextIndex(Move.PageUp, 3, 10, 5, 0)).toBe(0);
    expect(nextIndex(Move.First, 3, 10, 5, 0)).toBe(0);
    expect(nextIndex(Move.Last, 3, 10, 5, 0)).toBe(9);
    expect(nextIndex(Move.Next, -1, 10, 5, 6)).toBe(6);
  });
});

describe('search', () => {
  it('compiles text (case-insensitive substring) and regex searches, and flags an unfinished regex', () => {
    const text = compileSearch('Alice', 'text');
    expect(text.matcher!.test('user alice')).toBe(true);
    expect(text.matcher!.test('user bob')).toBe(false);
    expect(compileSearch('a.c', 'text').matcher!.test('abc')).toBe(false);
    expect(compileSearch('^(disk|pay)', 'regex').matcher!.test('x\npayment')).toBe(true);
    expect(compileSearch('(unclosed', 'regex')).toEqual({ matcher: undefined, error: true });
    expect(compileSearch('', 'regex')).toEqual({ matcher: undefined, error: false });
  });

  it('splits a cell into text and matches', () => {
    const parts = highlightParts('payment failed, FAIL', compileSearch('fail', 'text').matcher);
    expect(parts).toEqual(['payment ', { match: 'fail' }, 'ed, ', { match: 'FAIL' }]);
    expect(highlightParts('nothing here', compileSearch('x', 'text').matcher)).toEqual(['nothing here']);
    expect(highlightParts('aaa', compileSearch('a*', 'regex').matcher)).toEqual([{ match: 'aaa' }]);
  });
});

describe('logger filter', () => {
  it('reads what is typed as logger patterns: plain terms anywhere, globs whole-name, ! excludes, case-sensitive', () => {
    const filter = new LoggerFilter();
    expect(filter.matches('app.db.pool', '')).toBe(true);
    expect(filter.matches('app.db.pool', '  ')).toBe(true);
    expect(filter.matches('app.db.pool', 'db')).toBe(true);
    expect(filter.matches('app.db.pool', 'DB')).toBe(false);
    expect(filter.matches('app.db.pool', 'app.*')).toBe(true);
    expect(filter.matches('app', 'app.*')).toBe(false);
    expect(filter.matches('app.health', '!health')).toBe(false);
    expect(filter.matches('app.db', '!health')).toBe(true);
    expect(filter.matches('app.db', 'web.*, app.?b')).toBe(true);
    expect(filter.matches('app.db', 'app.* !app.db')).toBe(false);
    expect(filter.matches(null, 'x')).toBe(false);
    expect(filter.matches(undefined, '')).toBe(true);
  });

  it('matches a 256-character *…*Z pattern against long names in linear time (no regex backtracking)', () => {
    const filter = new LoggerFilter();
    const pattern = `${'*a'.repeat(127)}*Z`;
    const name = 'a'.repeat(5000);
    // A backtracking regex for this pattern would not finish; the glob matcher answers at once.
    expect(filter.matches(name, pattern)).toBe(false);
    expect(filter.matches(`${name}Z`, pattern)).toBe(true);
  });
});
