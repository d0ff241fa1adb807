// The active row (the one in the tab order, moved by the keys: a roving tabindex) and the expanded
// row (at most one, with its detail view). Both are kept by `seq`, so eviction never moves them.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LogMessage } from '@logwire/protocol';
import { indexAt, type Geometry, type RowHeights } from './fixed-row-geometry.js';
import type { FollowController } from './follow-controller.js';
import { Move } from './keyboard-controller.js';
import type { RowStore } from './row-store.js';

/** What the controller needs of its panel. */
export interface SelectionHost extends ReactiveControllerHost {
  follow: boolean;
  readonly rowHeight: number;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** Where a move goes from `current` (-1: no active row, then `fallback`, the row at the top of the viewport). */
export function nextIndex(move: Move, current: number, length: number, page: number, fallback: number): number {
  if (move === Move.First) return 0;
  if (move === Move.Last) return length - 1;
  if (current < 0) return fallback;
  const step = move === Move.Next ? 1 : move === Move.Previous ? -1 : move === Move.PageDown ? page : -page;
  return Math.max(0, Math.min(length - 1, current + step));
}

/** The active and the expanded row of one panel; see the module comment. */
export class SelectionController<M extends LogMessage> implements ReactiveController {
  readonly #host: SelectionHost;
  readonly #store: RowStore<M>;
  readonly #follow: FollowController;
  #activeSeq: number | undefined;
  #expandedSeq: number | undefined;
  readonly #shape: () => { detailHeight: number; heights: RowHeights | undefined };
  /** Focus the active row after the next render (it may not be rendered yet). */
  #focusActive = false;

  /** `shape`: the detail view's height and, while messages wrap, the rows' own heights. */
  constructor(
    host: SelectionHost,
    store: RowStore<M>,
    follow: FollowController,
    shape: () => { detailHeight: number; heights: RowHeights | undefined },
  ) {
    this.#host = host;
    this.#store = store;
    this.#follow = follow;
    this.#shape = shape;
    host.addController(this);
  }

  get activeSeq(): number | undefined {
    return this.#activeSeq;
  }

  get expandedSeq(): number | undefined {
    return this.#expandedSeq;
  }

  hostUpdated(): void {
    if (!this.#focusActive) return;
    this.#focusActive = false;
    const seq = this.#activeSeq;
    if (seq === undefined) return;
    this.#host.renderRoot.querySelector<HTMLElement>(`.row[data-seq="${seq}"]`)?.focus({ preventScroll: true });
  }

  /** The list's geometry: the rows of the view, their heights and the expanded one. */
  geometry(): Geometry {
    const { detailHeight, heights } = this.#shape();
    return {
      count: this.#store.view.length,
      rowHeight: this.#host.rowHeight,
      detailHeight,
      expanded: this.#indexOf(this.#expandedSeq),
      heights,
    };
  }

  /** Expands the row (collapses it if it is the expanded one) and makes it the active one. */
  toggle(seq: number): void {
    this.#follow.captureAnchor();
    this.#expandedSeq = this.#expandedSeq === seq ? undefined : seq;
    this.#activeSeq = seq;
    this.#host.requestUpdate();
  }

  /** Expands or collapses the active row; false when the list is empty. */
  toggleActive(): boolean {
    if (this.#store.view.length === 0) return false;
    if (this.#indexOf(this.#activeSeq) >= 0) this.toggle(this.#activeSeq!);
    return true;
  }

  /** Moves the active row and focuses it; false when the list is empty. */
  move(move: Move): boolean {
    const length = this.#store.view.length;
    if (length === 0) return false;
    const page = Math.max(1, Math.floor(this.#follow.viewportHeight / this.#host.rowHeight) - 1);
    const fallback = indexAt(this.geometry(), this.#follow.scrollTop);
    this.#activate(nextIndex(move, this.#indexOf(this.#activeSeq), length, page, fallback));
    return true;
  }

  /** Makes the row with `seq` the active one (without focusing it). */
  activate(seq: number): void {
    this.#activeSeq = seq;
  }

  /** Forgets both rows (after a clear). */
  clear(): void {
    this.#activeSeq = undefined;
    this.#expandedSeq = undefined;
  }

  #activate(index: number): void {
    const row = this.#store.view[index];
    if (row === undefined) return;
    this.#activeSeq = row.seq;
    this.#focusActive = true;
    if (index === this.#store.view.length - 1) {
      this.#host.follow = true;
    } else {
      // Navigating into history stops following; keep the active row inside the viewport.
      this.#host.follow = false;
      this.#follow.reveal(index, row.seq);
    }
    this.#host.requestUpdate();
  }

  #indexOf(seq: number | undefined): number {
    if (seq === undefined) return -1;
    const index = this.#store.indexOfSeq(seq);
    return this.#store.view[index]?.seq === seq ? index : -1;
  }
}
