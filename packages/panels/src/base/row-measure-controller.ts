// Measuring what the list renders: the expanded entry's detail view (it sizes to its content, up
// to `detail-height` and the list's height, and scrolls inside beyond that) and, while messages
// wrap, the rows rendered (their heights go into the height index, wrap-heights.ts). When a
// measured height differs from what the geometry assumed, the entry at the top of the viewport
// is kept where it is and the list renders again with the right offsets.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LogMessage } from '@logwire/protocol';
import { CELL_GAP, type ColumnLayout, MESSAGE, ROW_PADDING } from './column-layout.js';
import type { RowHeights } from './fixed-row-geometry.js';
import type { Row } from './row-store.js';
import { measureCharWidth, rowEstimate, WrapHeights } from './wrap-heights.js';

/** What the controller needs of its panel. */
export interface MeasureHost extends ReactiveControllerHost, Element {
  readonly wrap: boolean;
  readonly rowHeight: number;
  readonly detailHeight: number;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** The list as the controller sees it. */
export interface MeasureList<M extends LogMessage> {
  view(): readonly Row<M>[];
  indexOfSeq(seq: number): number;
  /** Remembers the entry at the top of the viewport before heights change. */
  captureAnchor(): void;
}

/** Detail height assumed before the detail view was first measured. */
const FIRST_DETAIL_HEIGHT = 200;

/** The measured heights of one panel's list; see the module comment. */
export class RowMeasureController<M extends LogMessage> implements ReactiveController {
  readonly #host: MeasureHost;
  readonly #list: MeasureList<M>;
  readonly #heights = new WrapHeights<M>();
  #detail = 0;
  #charWidth = 0;

  constructor(host: MeasureHost, list: MeasureList<M>) {
    this.#host = host;
    this.#list = list;
    host.addController(this);
  }

  /** Height of the detail view: as last measured, else a first guess within `detail-height`. */
  get detailHeight(): number {
    return this.#detail > 0 ? this.#detail : Math.min(FIRST_DETAIL_HEIGHT, this.#host.detailHeight);
  }

  /**
   * The detail view's height and, while messages wrap, the rows' own heights, estimated from the
   * message column's width in characters (`available`: the panel's width) until measured.
   */
  shape(layout: ColumnLayout<M>, available: number): { detailHeight: number; heights: RowHeights | undefined } {
    const detailHeight = this.detailHeight;
    if (!this.#host.wrap) return { detailHeight, heights: undefined };
    let used = ROW_PADDING + CELL_GAP * Math.max(0, layout.shown.length - 1);
    for (const width of Object.values(layout.widths)) used += width;
    const messageWidth = Math.max(40, available - used);
    const perLine = messageWidth / (this.#charWidth ||= measureCharWidth(this.#host));
    const rowHeight = this.#host.rowHeight;
    const estimate = rowEstimate(
      layout.shown.find((column) => column.name === MESSAGE),
      perLine,
      rowHeight,
    );
    return { detailHeight, heights: this.heights(`${Math.round(messageWidth)}|${rowHeight}|${perLine}`, estimate) };
  }

  /**
   * The rows' own heights while messages wrap (brought up to date with the view under the layout
   * `key`; `estimate` for rows not measured under it), or undefined without wrap.
   */
  heights(key: string, estimate: (row: Row<M>) => number): RowHeights | undefined {
    if (!this.#host.wrap) return undefined;
    this.#heights.sync(this.#list.view(), key, estimate);
    return this.#heights;
  }

  hostUpdated(): void {
    const root = this.#host.renderRoot;
    const detail = root.querySelector<HTMLElement>('.rows > .detail');
    const detailHeight = detail?.offsetHeight ?? 0;
    const rows = new Map<number, number>();
    if (this.#host.wrap) {
      for (const row of root.querySelectorAll<HTMLElement>('.rows > .row')) rows.set(Number(row.dataset['seq']), row.offsetHeight);
    }
    const detailChanged = detail !== null && detailHeight > 0 && detailHeight !== this.#detail;
    let anchored = false;
    const anchor = (): void => {
      if (anchored) return;
      anchored = true;
      this.#list.captureAnchor();
    };
    if (detailChanged) anchor();
    const rowsChanged = rows.size > 0 && this.#heights.measured(rows, this.#list.view(), (seq) => this.#list.indexOfSeq(seq), anchor);
    if (detailChanged) this.#detail = detailHeight;
    if (detailChanged || rowsChanged) this.#host.requestUpdate();
  }
}
