// Stepping through search matches: how many entries of the view match the search, which one is
// current (kept by `seq`, so eviction never moves it), and moving to the next or previous one
// (Enter / Shift+Enter in the search box, F3 / Shift+F3, the arrow buttons), which scrolls it into
// view. Whether an entry matches is cached on the row per search, so counting is one pass over the
// view reading a flag, done only when the view or the search changed.
import type { LogMessage } from '@logwire/protocol';
import type { LogRow, Row } from './row-store.js';

/** What navigation needs of the panel. */
export interface MatchList<M extends LogMessage> {
  /** The rows shown. */
  view(): readonly Row<M>[];
  /** Index of the first row of the view with `seq` ≥ the given one. */
  indexOfSeq(seq: number): number;
  /** Whether the search matches an entry (false without a search). */
  hit(row: LogRow<M>): boolean;
  /** Index of the row at the top of the viewport (where stepping starts without a current match). */
  topIndex(): number;
  /** Scrolls the row into view (following stops) and renders. */
  reveal(index: number, seq: number): void;
}

/** The count of matches and the current one; see the module comment. */
export class SearchNavigation<M extends LogMessage> {
  readonly #list: MatchList<M>;
  #current: number | undefined;
  #cached: { view: readonly Row<M>[]; length: number; first?: number; last?: number; key: number; current?: number } | undefined;
  #count = 0;
  #position = 0;

  constructor(list: MatchList<M>) {
    this.#list = list;
  }

  /** `seq` of the current match, if any. */
  get current(): number | undefined {
    return this.#current;
  }

  /** Forgets the current match (the search changed, the entries were cleared). */
  reset(): void {
    this.#current = undefined;
  }

  /** The number of matching entries in the view, and the current one's position among them (1-based; 0 for none). */
  count(key: number): { count: number; position: number } {
    const view = this.#list.view();
    const cached = this.#cached;
    const first = view[0]?.seq;
    const last = view[view.length - 1]?.seq;
    if (
      cached?.view !== view ||
      cached.length !== view.length ||
      cached.first !== first ||
      cached.last !== last ||
      cached.key !== key ||
      cached.current !== this.#current
    ) {
      let count = 0;
      let position = 0;
      for (const row of view) {
        if (row.kind !== 'log' || !this.#list.hit(row)) continue;
        count++;
        if (row.seq === this.#current) position = count;
      }
      this.#count = count;
      this.#position = position;
      this.#cached = { view, length: view.length, first, last, key, current: this.#current };
    }
    return { count: this.#count, position: this.#position };
  }

  /** Moves to the next (`1`) or previous (`-1`) match, wrapping around; false when nothing matches. */
  step(direction: 1 | -1): boolean {
    const view = this.#list.view();
    if (view.length === 0) return false;
    const at = this.#current === undefined ? -1 : this.#list.indexOfSeq(this.#current);
    const hasCurrent = at >= 0 && view[at]?.seq === this.#current;
    // Without a current match, start at the top of the viewport (inclusive going down).
    let index = hasCurrent ? at : direction > 0 ? this.#list.topIndex() - 1 : this.#list.topIndex();
    for (let tried = 0; tried < view.length; tried++) {
      index = (index + direction + view.length) % view.length;
      const row = view[index]!;
      if (row.kind === 'log' && this.#list.hit(row)) {
        this.#current = row.seq;
        this.#list.reveal(index, row.seq);
        return true;
      }
    }
    return false;
  }
}
