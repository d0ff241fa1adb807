// The height index of the list while messages wrap: rows have heights of their own, so offsets
// come from prefix sums over the view. A row's height is estimated from its message (lines at the
// message column's width in characters) until it is rendered, then measured; both are kept on the
// row with the key of the layout they hold for (width, columns, font), so a changed layout makes
// every row estimate again, lazily. Only the rendered rows are ever measured: 100,000 entries
// still mean at most the rendered few in the DOM.
import type { LogMessage } from '@logwire/protocol';
import type { PanelColumn } from './column-layout.js';
import type { RowHeights } from './fixed-row-geometry.js';
import type { Row } from './row-store.js';
import { visible } from './text.js';

/** A row's height, and the layout key it holds for. */
interface Sized {
  wrapHeight?: number;
  wrapKey?: string;
}

/** Prefix sums of the rows' heights over one view; see the module comment. */
export class WrapHeights<M extends LogMessage> implements RowHeights {
  #tops = new Float64Array(1024);
  #count = 0;
  #view: readonly Row<M>[] = [];
  #first: number | undefined;
  #last: number | undefined;
  #key = '';
  #stale = true;

  /**
   * Brings the index up to date with `view` under the layout `key`; `estimate` gives the height of a
   * row not measured under this key. One pass over the view, skipped when nothing changed.
   */
  sync(view: readonly Row<M>[], key: string, estimate: (row: Row<M>) => number): void {
    const first = view[0]?.seq;
    const last = view[view.length - 1]?.seq;
    if (
      !this.#stale &&
      view === this.#view &&
      view.length === this.#count &&
      first === this.#first &&
      last === this.#last &&
      key === this.#key
    ) {
      return;
    }
    if (this.#tops.length < view.length + 1) this.#tops = new Float64Array(Math.max(view.length + 1, this.#tops.length * 2));
    const tops = this.#tops;
    let top = 0;
    for (let index = 0; index < view.length; index++) {
      tops[index] = top;
      const row = view[index]! as Sized & Row<M>;
      if (row.wrapKey !== key) {
        row.wrapKey = key;
        row.wrapHeight = estimate(row);
      }
      top += row.wrapHeight!;
    }
    tops[view.length] = top;
    this.#view = view;
    this.#count = view.length;
    this.#first = first;
    this.#last = last;
    this.#key = key;
    this.#stale = false;
  }

  /**
   * Records the heights of rendered rows (by seq); returns true when one differs from what the index
   * held (the index then rebuilds at the next sync). `before` runs once before the first change.
   */
  measured(
    heights: ReadonlyMap<number, number>,
    view: readonly Row<M>[],
    indexOfSeq: (seq: number) => number,
    before: () => void,
  ): boolean {
    let changed = false;
    for (const [seq, height] of heights) {
      const row: (Sized & Row<M>) | undefined = view[indexOfSeq(seq)];
      if (row?.seq !== seq || height <= 0) continue;
      if (row.wrapKey === this.#key && row.wrapHeight === height) continue;
      if (!changed) before();
      row.wrapKey = this.#key;
      row.wrapHeight = height;
      changed = true;
    }
    if (changed) this.#stale = true;
    return changed;
  }

  top(index: number): number {
    return this.#tops[Math.max(0, Math.min(index, this.#count))] ?? 0;
  }

  height(index: number): number {
    if (index < 0 || index >= this.#count) return 0;
    return this.#tops[index + 1]! - this.#tops[index]!;
  }

  indexAt(offset: number): number {
    let low = 0;
    let high = this.#count - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.#tops[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return Math.max(0, low);
  }
}

/** Lines a text takes at `perLine` characters a line (each line break starts a new one). */
export function wrappedLines(text: string, perLine: number): number {
  const width = Math.max(1, Math.floor(perLine));
  let lines = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf('\n', start);
    const length = (end < 0 ? text.length : end) - start;
    lines += Math.max(1, Math.ceil(length / width));
    if (end < 0) return lines;
    start = end + 1;
  }
}

/** The estimated height of a row: its message's lines at `perLine` characters (gap markers: one line). */
export function rowEstimate<M extends LogMessage>(
  message: PanelColumn<M> | undefined,
  perLine: number,
  rowHeight: number,
): (row: Row<M>) => number {
  return (row) =>
    row.kind === 'gap' || message === undefined ? rowHeight : rowHeight * wrappedLines(visible(message.text(row.message)), perLine);
}

/** Width of one character of an element's font (monospace by default), for estimating wrapped lines. */
export function measureCharWidth(element: Element): number {
  const context = document.createElement('canvas').getContext('2d');
  if (context === null) return 7.2;
  context.font = getComputedStyle(element).font;
  const width = context.measureText('0123456789abcdefghij').width / 20;
  return width > 0 ? width : 7.2;
}
