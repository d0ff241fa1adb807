// Follow and scroll: keeps the newest entry in view while following, stops following when the user
// scrolls or wheels up (even between two frames at thousands of lines per second), follows again at
// the bottom, and otherwise keeps the entry at the top of the viewport where it is while rows above
// it are evicted, filtered or loaded (anchoring by `seq`). Watches the viewport's height.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { type Anchor, captureAnchor, type Geometry, offsetOf, resolveAnchor, scrollIntoView, totalHeight } from './fixed-row-geometry.js';

/** What the controller needs of its panel. */
export interface FollowHost extends ReactiveControllerHost {
  follow: boolean;
  paused: boolean;
  rowHeight: number;
  readonly hasUpdated: boolean;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** The list as the controller sees it. */
export interface FollowList {
  geometry(): Geometry;
  /** `seq` of the row at an index of the view. */
  seqAt(index: number): number | undefined;
  /** Index of the first row of the view with `seq` ≥ the given one. */
  indexOfSeq(seq: number): number;
}

/** Viewport height assumed before the first layout. */
const DEFAULT_VIEWPORT_HEIGHT = 400;

/** Follow, scroll position and anchoring of one panel's list; see the module comment. */
export class FollowController implements ReactiveController {
  readonly #host: FollowHost;
  readonly #list: FollowList;
  #scrollTop = 0;
  #viewportHeight = 0;
  #resizeObserver: ResizeObserver | undefined;
  #anchor: Anchor | undefined;
  #pendingScroll: number | undefined;
  #programmaticScroll = -1;
  /** Where the panel last scrolled the list itself (-1: never). */
  #lastSetTop = -1;
  /** Entries shown below the viewport since following stopped. */
  unseen = 0;

  constructor(host: FollowHost, list: FollowList) {
    this.#host = host;
    this.#list = list;
    host.addController(this);
  }

  /** The list's scroll position as the panel last saw or set it. */
  get scrollTop(): number {
    return this.#scrollTop;
  }

  /** The viewport's height (400 before the first layout). */
  get viewportHeight(): number {
    return this.#viewportHeight || DEFAULT_VIEWPORT_HEIGHT;
  }

  /** Whether the newest entry is kept in view right now. */
  get live(): boolean {
    return this.#host.follow && !this.#host.paused;
  }

  hostConnected(): void {
    // Moved in the document: the shadow DOM is still there, only the observer needs renewing.
    if (this.#host.hasUpdated) this.#observe();
  }

  hostDisconnected(): void {
    this.#resizeObserver?.disconnect();
    this.#resizeObserver = undefined;
  }

  hostUpdated(): void {
    const viewport = this.#viewport();
    if (viewport === null) return;
    this.#observe();
    let target = this.#pendingScroll;
    this.#pendingScroll = undefined;
    if (this.live) {
      // From the model, not scrollHeight, so layout is not forced twice.
      const bottom = Math.max(0, totalHeight(this.#list.geometry()) - (this.#viewportHeight || viewport.clientHeight));
      const current = viewport.scrollTop;
      // The user scrolled up after our last jump to the bottom and before the scroll event arrived
      // (at thousands of lines per second that is most scrolls): stop following instead of
      // snapping back.
      if (this.#lastSetTop >= 0 && current < this.#lastSetTop - 1 && current < bottom - 1) {
        this.#scrollTop = current;
        this.#host.follow = false;
        return;
      }
      target = bottom;
    }
    if (target !== undefined && Math.abs(viewport.scrollTop - target) >= 1) {
      this.#programmaticScroll = target;
      viewport.scrollTop = target;
      this.#scrollTop = viewport.scrollTop;
    }
    if (this.live) {
      this.#lastSetTop = viewport.scrollTop;
      // The list can get shorter under the bottom (a detail view measured smaller than first
      // assumed): the browser clamps scrollTop itself, and a hidden page gets no scroll event.
      this.#scrollTop = viewport.scrollTop;
    }
  }

  /** The scroll position to render at: the bottom while following, else where the user is (clamped). */
  renderTop(): number {
    const max = Math.max(0, totalHeight(this.#list.geometry()) - this.viewportHeight);
    return this.live ? max : Math.min(this.#scrollTop, max);
  }

  /** Following was turned on: the list's position now is not a user's scroll away from it. */
  followed(): void {
    this.unseen = 0;
    this.#lastSetTop = -1;
  }

  /** Remembers the entry at the top of the viewport (unless following), before rows above it change. */
  captureAnchor(): void {
    if (this.live || this.#anchor !== undefined) return;
    this.#anchor = captureAnchor(this.#list.geometry(), this.#scrollTop, (index) => this.#list.seqAt(index));
  }

  /** Turns the remembered entry into the scroll position that keeps it where it was. */
  resolveAnchor(): void {
    if (this.#anchor === undefined) return;
    const index = this.#list.indexOfSeq(this.#anchor.seq);
    this.#scrollTop = resolveAnchor(this.#list.geometry(), this.#anchor, index, this.viewportHeight);
    this.#pendingScroll = this.#scrollTop;
    this.#anchor = undefined;
  }

  /** Scrolls (at the next update) so that the row at `index` is inside the viewport, and keeps it there. */
  reveal(index: number, seq: number): void {
    const geometry = this.#list.geometry();
    this.#scrollTop = scrollIntoView(geometry, index, this.#scrollTop, this.viewportHeight);
    this.#anchor = { seq, delta: this.#scrollTop - offsetOf(geometry, index) };
  }

  /**
   * Keeps the row at `index` (`seq`) where it is on screen through the next update (e.g. while the
   * filters around it change); following stops.
   */
  hold(index: number, seq: number): void {
    this.#host.follow = false;
    this.#anchor = { seq, delta: this.#scrollTop - offsetOf(this.#list.geometry(), index) };
  }

  /** Forgets the scroll position (after a clear). */
  reset(): void {
    this.#scrollTop = 0;
  }

  readonly onScroll = (event: Event): void => {
    const viewport = event.currentTarget as HTMLElement;
    const top = viewport.scrollTop;
    const programmatic = Math.abs(top - this.#programmaticScroll) < 1;
    this.#programmaticScroll = -1;
    if (top === this.#scrollTop && programmatic) return;
    this.#scrollTop = top;
    if (!programmatic) {
      this.#lastSetTop = top;
      const atBottom = viewport.scrollHeight - top - viewport.clientHeight < Math.max(4, this.#host.rowHeight / 2);
      if (atBottom !== this.#host.follow) this.#host.follow = atBottom;
    }
    this.#host.requestUpdate();
  };

  // Scrolling up with a wheel or touchpad means "stop following", even before the scroll happens.
  readonly onWheel = {
    handleEvent: (event: WheelEvent): void => {
      if (event.deltaY < 0 && this.#host.follow) this.#host.follow = false;
    },
    passive: true,
  };

  #viewport(): HTMLElement | null {
    return this.#host.renderRoot.querySelector<HTMLElement>('.viewport');
  }

  #observe(): void {
    const viewport = this.#viewport();
    if (viewport === null || this.#resizeObserver !== undefined) return;
    this.#resizeObserver = new ResizeObserver(() => {
      const height = viewport.clientHeight;
      if (height !== this.#viewportHeight) {
        this.#viewportHeight = height;
        this.#host.requestUpdate();
      }
    });
    this.#resizeObserver.observe(viewport);
    this.#viewportHeight = viewport.clientHeight;
  }
}
