// Geometry of the virtualised list: every row has one fixed height, and at most one row is expanded
// with a detail view below it (its height measured), so offsets and indexes are arithmetic. While
// messages wrap, rows have heights of their own, given by a height index (wrap-heights.ts), and the
// same functions read it instead. The view is anchored to an entry's `seq` (which eviction never
// changes), not to an index.
//
// Written here rather than with @lit-labs/virtualizer: under constant appends plus FIFO eviction
// at the top, that virtualizer has leaked ResizeObservers, overlapped rows and drifted the
// viewport (Clever Cloud's cc-logs hit each of these and moved away from it).

/** Rows of heights of their own: the top of a row (the detail view left out), its height, the row at an offset. */
export interface RowHeights {
  top(index: number): number;
  height(index: number): number;
  indexAt(offset: number): number;
}

/** The list's shape: how many rows, their height, and the expanded row (index, or -1). */
export interface Geometry {
  count: number;
  rowHeight: number;
  detailHeight: number;
  /** Index of the expanded row, or -1. */
  expanded: number;
  /** The rows' own heights (while messages wrap); without it every row is `rowHeight` high. */
  heights?: RowHeights | undefined;
}

const rowTop = (geometry: Geometry, index: number): number => geometry.heights?.top(index) ?? index * geometry.rowHeight;
const heightOf = (geometry: Geometry, index: number): number => geometry.heights?.height(index) ?? geometry.rowHeight;

/** An entry and how far the top of the viewport is below the top of its row. */
export interface Anchor {
  seq: number;
  delta: number;
}

/** Height of the whole list. */
export function totalHeight(geometry: Geometry): number {
  return rowTop(geometry, geometry.count) + (geometry.expanded >= 0 ? geometry.detailHeight : 0);
}

/** Offset of the top of the row at `index`. */
export function offsetOf(geometry: Geometry, index: number): number {
  return rowTop(geometry, index) + (geometry.expanded >= 0 && index > geometry.expanded ? geometry.detailHeight : 0);
}

/** Index of the row at `offset` (clamped to the list). */
export function indexAt(geometry: Geometry, offset: number): number {
  const { rowHeight: height, expanded, detailHeight, heights } = geometry;
  const below = expanded < 0 ? Infinity : rowTop(geometry, expanded + 1);
  let index: number;
  if (offset >= below && offset < below + detailHeight) index = expanded;
  else {
    const rowsOffset = offset >= below ? offset - detailHeight : offset;
    index = heights === undefined ? Math.floor(rowsOffset / height) : heights.indexAt(rowsOffset);
  }
  return Math.max(0, Math.min(index, geometry.count - 1));
}

/** The rows to render around `scrollTop`: `overscan` rows above and below, at most `maxRows`. */
export function renderRange(
  geometry: Geometry,
  scrollTop: number,
  viewportHeight: number,
  overscan: number,
  maxRows: number,
): [first: number, last: number] {
  const first = Math.max(0, indexAt(geometry, scrollTop) - overscan);
  if (geometry.heights !== undefined) {
    const last = indexAt(geometry, scrollTop + viewportHeight) + overscan + 1;
    return [first, Math.min(geometry.count, first + maxRows, last)];
  }
  const count = Math.min(maxRows, Math.ceil(viewportHeight / geometry.rowHeight) + 2 * overscan + 1);
  return [first, Math.min(geometry.count, first + count)];
}

/** The entry at the top of the viewport, to keep in place when rows above it come or go. */
export function captureAnchor(geometry: Geometry, scrollTop: number, seqAt: (index: number) => number | undefined): Anchor | undefined {
  if (geometry.count === 0) return undefined;
  const index = indexAt(geometry, scrollTop);
  const seq = seqAt(index);
  return seq === undefined ? undefined : { seq, delta: scrollTop - offsetOf(geometry, index) };
}

/** The scroll position that puts the anchor's entry (or the next one after it) back where it was. */
export function resolveAnchor(geometry: Geometry, anchor: Anchor, index: number, viewportHeight: number): number {
  const max = Math.max(0, totalHeight(geometry) - viewportHeight);
  return Math.min(max, Math.max(0, offsetOf(geometry, index) + anchor.delta));
}

/** The scroll position that keeps the row at `index` inside the viewport, moving as little as possible. */
export function scrollIntoView(geometry: Geometry, index: number, scrollTop: number, viewportHeight: number): number {
  const top = offsetOf(geometry, index);
  if (top < scrollTop) return top;
  const height = heightOf(geometry, index);
  // A row taller than the viewport shows its top.
  if (top + height > scrollTop + viewportHeight) return Math.min(top, top + height - viewportHeight);
  return scrollTop;
}
