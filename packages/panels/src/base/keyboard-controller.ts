// Keyboard use of a panel, following the WAI-ARIA Authoring Practices for a list of focusable
// rows (a roving tabindex: one row is in the tab order, the arrow keys move it). The controller
// knows keys, not rows: what a key does is given as callbacks.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Where a navigation key moves the active row. */
export const Move = { Next: 'next', Previous: 'previous', PageDown: 'page-down', PageUp: 'page-up', First: 'first', Last: 'last' } as const;
/** One of the moves. */
export type Move = (typeof Move)[keyof typeof Move];

/** What the keys do, as callbacks into the panel. */
export interface KeyboardActions {
  /** Moves focus to the search input. */
  focusSearch(): void;
  /** Moves focus back to the list (from an input). */
  focusList(): void;
  /** Pauses or resumes. */
  togglePause(): void;
  /** Moves the active row; returns false when there is no row to move to (the key then does nothing). */
  move(move: Move): boolean;
  /** Expands or collapses the active row; returns false when the list is empty (the key then does nothing). */
  toggleActive(): boolean;
  /** Moves to the next (1) or previous (-1) search match; returns false without a search. */
  findNext(direction: 1 | -1): boolean;
}

// The navigation keys of a list (WAI-ARIA APG, "Keyboard Navigation Inside Components"):
const MOVES: Record<string, Move> = {
  // Down Arrow: focus moves to the next row.
  ArrowDown: Move.Next,
  // Up Arrow: focus moves to the previous row.
  ArrowUp: Move.Previous,
  // Page Down: focus moves a viewport further down.
  PageDown: Move.PageDown,
  // Page Up: focus moves a viewport further up.
  PageUp: Move.PageUp,
  // Home: focus moves to the first row.
  Home: Move.First,
  // End: focus moves to the last row, and the list follows the newest entry again.
  End: Move.Last,
};

/** Keyboard handling of one panel; bind `onKeyDown` to the panel's root element. */
export class KeyboardController implements ReactiveController {
  readonly #actions: KeyboardActions;

  constructor(host: ReactiveControllerHost, actions: KeyboardActions) {
    this.#actions = actions;
    host.addController(this);
  }

  hostConnected(): void {
    // Nothing to set up: the handler is bound in the panel's template.
  }

  readonly onKeyDown = (event: KeyboardEvent): void => {
    const target = event.composedPath()[0] as HTMLElement | undefined;
    const tag = target?.tagName ?? '';
    // F3 / Shift+F3 anywhere, Enter / Shift+Enter in the search input: next / previous match.
    const inSearch = tag === 'INPUT' && target?.classList.contains('search') === true;
    if (event.key === 'F3' || (inSearch && event.key === 'Enter')) {
      // Without a search the key keeps its usual meaning (the browser's find next, the input's Enter).
      if (this.#actions.findNext(event.shiftKey ? -1 : 1)) event.preventDefault();
      return;
    }
    if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT') {
      // Escape in an input returns to the list (the keys of the input itself stay the input's).
      if (event.key === 'Escape' && target !== undefined) this.#actions.focusList();
      return;
    }
    // `/` moves to the search input, as in many log and code viewers (a page-level shortcut).
    if (event.key === '/') {
      event.preventDefault();
      this.#actions.focusSearch();
      return;
    }
    // Space pauses or resumes anywhere but on buttons and summaries, where it activates them.
    if (event.key === ' ' && tag !== 'BUTTON' && tag !== 'SUMMARY') {
      event.preventDefault();
      this.#actions.togglePause();
      return;
    }
    if (target?.closest?.('.viewport') == null) return;
    // Enter: activates the focused row, which is a button (role="button"): it expands or collapses.
    if (event.key === 'Enter') {
      if (this.#actions.toggleActive()) event.preventDefault();
      return;
    }
    const move = MOVES[event.key];
    if (move === undefined) return;
    if (this.#actions.move(move)) event.preventDefault();
  };
}
