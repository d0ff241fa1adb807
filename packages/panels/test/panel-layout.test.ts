// The pure parts behind columns, wrap, facets and value filters: how columns share a width, the
// wrap height index and its geometry, facet counts and exact-value filters.
import { describe, expect, it } from 'vitest';
import type { SystemLogMessage } from '@logwire/protocol';
import { chooseColumns, fieldText, layoutColumns, type PanelColumn } from '../src/base/column-layout.js';
import { FacetCounts } from '../src/base/facet-counts.js';
import { indexAt, offsetOf, renderRange, scrollIntoView, totalHeight } from '../src/base/fixed-row-geometry.js';
import type { LogRow, Row } from '../src/base/row-store.js';
import { chooseValue, passesValueFilters } from '../src/base/value-filters.js';
import { WrapHeights, wrappedLines } from '../src/base/wrap-heights.js';

type M = SystemLogMessage;
const column = (name: string, width: number, primary = false): PanelColumn<M> => ({
  name,
  title: name,
  width,
  primary,
  text: () => '',
  csv: [],
});
const builtin = [column('time', 96, true), column('level', 72, true), column('logger', 180), column('module', 100), column('message', 0)];
const message = (data: Record<string, unknown>): M =>
  ({ type: 'system_log', data: { timestamp: '', level: 'INFO', logger: 'a', message: 'm', ...data } }) as unknown as M;
const row = (seq: number, data: Record<string, unknown> = {}): LogRow<M> => ({ kind: 'log', seq, message: message(data), level: 'INFO' });

describe('column layout', () => {
  it('gives the message what the others leave, collapses secondary columns below 600 px and drops them from the right', () => {
    const wide = layoutColumns(builtin, new Set(), {}, 1600);
    expect(wide.shown.map((c) => c.name)).toEqual(['time', 'level', 'logger', 'module', 'message']);
    expect(wide.template).toBe('96px 72px 180px 100px minmax(100px, 1fr)');
    const narrow = layoutColumns(builtin, new Set(), {}, 450);
    expect(narrow.shown.map((c) => c.name)).toEqual(['time', 'level', 'message']);
    expect(narrow.collapsed.map((c) => c.name)).toEqual(['logger', 'module']);
    // 650 px: logger + module leave the message less than a quarter, so module goes first.
    expect(layoutColumns(builtin, new Set(), {}, 650).shown.map((c) => c.name)).toEqual(['time', 'level', 'logger', 'message']);
    // Very narrow: even a primary column goes (from the right) before the message gets under 100 px.
    expect(layoutColumns(builtin, new Set(), { level: 200 }, 320).shown.map((c) => c.name)).toEqual(['time', 'message']);
  });

  it('applies user widths (clamped) and hidden columns, never hiding the message', () => {
    const layout = layoutColumns(builtin, new Set(['module', 'message']), { logger: 5000, time: 1 }, 3000);
    expect(layout.shown.map((c) => c.name)).toEqual(['time', 'level', 'logger', 'message']);
    expect(layout.widths).toEqual({ time: 40, level: 72, logger: 1200 });
  });

  it('chooses built-in and field columns by name, reads dotted paths and a fallback field', () => {
    const chosen = chooseColumns(['time', 'user_id', 'request.ip'], builtin, 'metadata');
    expect(chosen.map((c) => c.name)).toEqual(['time', 'user_id', 'request.ip', 'message']);
    const entry = message({ request: { ip: '10.0.0.1' }, metadata: { user_id: 'u1' } });
    expect(chosen[1]!.text(entry)).toBe('u1');
    expect(chosen[2]!.text(entry)).toBe('10.0.0.1');
    expect(fieldText(entry, 'missing.path')).toBe('');
    expect(fieldText(message({ n: { a: 1 } }), 'n')).toBe('{"a":1}');
  });
});

describe('wrap heights', () => {
  it('counts wrapped lines, line breaks included', () => {
    expect(wrappedLines('', 10)).toBe(1);
    expect(wrappedLines('x'.repeat(25), 10)).toBe(3);
    expect(wrappedLines('ab\ncd\n', 10)).toBe(3);
  });

  it('indexes estimated and measured heights, and the geometry reads them', () => {
    const view: Row<M>[] = Array.from({ length: 10 }, (_, i) => row(i + 1));
    const heights = new WrapHeights<M>();
    heights.sync(view, 'k', (r) => (r.seq % 2 === 0 ? 40 : 20));
    expect(heights.top(2)).toBe(60);
    expect(heights.height(1)).toBe(40);
    expect(heights.indexAt(59)).toBe(1);
    expect(heights.indexAt(60)).toBe(2);
    const calls: string[] = [];
    expect(
      heights.measured(
        new Map([[3, 100]]),
        view,
        (seq) => seq - 1,
        () => calls.push('before'),
      ),
    ).toBe(true);
    expect(calls).toEqual(['before']);
    // Measured under the same key: no change.
    expect(
      heights.measured(
        new Map([[3, 100]]),
        view,
        (seq) => seq - 1,
        () => calls.push('again'),
      ),
    ).toBe(false);
    heights.sync(view, 'k', () => 20);
    expect(heights.height(2)).toBe(100);
    const geometry = { count: 10, rowHeight: 20, detailHeight: 50, expanded: 2, heights };
    expect(offsetOf(geometry, 3)).toBe(20 + 40 + 100 + 50);
    expect(totalHeight(geometry)).toBe(300 + 80 + 50);
    expect(indexAt(geometry, 170)).toBe(2);
    expect(indexAt(geometry, 211)).toBe(3);
    expect(renderRange(geometry, 0, 60, 0, 300)).toEqual([0, 3]);
    // A row taller than the viewport shows its top.
    expect(scrollIntoView(geometry, 2, 0, 50)).toBe(60);
    // A new layout key estimates again.
    heights.sync(view, 'other', () => 10);
    expect(heights.top(10)).toBe(100);
  });
});

describe('facet counts and value filters', () => {
  it('counts values, keeps the top ones and forgets removed entries', () => {
    const counts = new FacetCounts<M>((r, field) => fieldText(r.message, field));
    const rows = [row(1, { logger: 'a' }), row(2, { logger: 'b' }), row(3, { logger: 'b' }), row(4, { logger: 'c' })];
    counts.setFields(['logger'], rows);
    expect(counts.top('logger', 2)).toEqual({
      values: [
        ['b', 2],
        ['a', 1],
      ],
      distinct: 3,
    });
    counts.remove(rows[1]!);
    counts.remove(rows[2]!);
    expect([...counts.counts('logger')]).toEqual([
      ['a', 1],
      ['c', 1],
    ]);
    counts.add({ kind: 'gap', seq: 9, gap: { from: null, to: null, reason: 'limit' } });
    expect(counts.counts('logger').size).toBe(2);
  });

  it('includes one value per field, excludes several, and toggles a chosen value off', () => {
    let filters = chooseValue([], 'logger', 'a', false);
    filters = chooseValue(filters, 'logger', 'b', false);
    expect(filters).toEqual([{ field: 'logger', value: 'b' }]);
    filters = chooseValue(filters, 'level', 'INFO', true);
    const read = (values: Record<string, string>) => (field: string) => values[field] ?? '';
    expect(passesValueFilters(filters, read({ logger: 'b', level: 'ERROR' }))).toBe(true);
    expect(passesValueFilters(filters, read({ logger: 'b', level: 'INFO' }))).toBe(false);
    expect(passesValueFilters(filters, read({ logger: 'a', level: 'ERROR' }))).toBe(false);
    expect(chooseValue(filters, 'logger', 'b', false)).toEqual([{ field: 'level', value: 'INFO', exclude: true }]);
  });
});
