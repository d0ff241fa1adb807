// The user's side of the columns: the panel's width (watched), the widths the user dragged or
// keyed columns to, the columns hidden from the header menu, and keeping both per `persist-key`
// in localStorage. column-layout.ts decides what fits; column-templates.ts renders the header.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { LogMessage } from '@logwire/protocol';
import { clampWidth, type ColumnLayout, layoutColumns, MESSAGE, type PanelColumn } from './column-layout.js';

/** What the controller needs of its panel. */
export interface ColumnHost extends ReactiveControllerHost, HTMLElement {
  persistKey: string | undefined;
}

/** What is kept per `persist-key`. */
interface Persisted {
  widths: Record<string, number>;
  hidden: string[];
}

/** Prefix of the localStorage keys. */
const STORAGE_PREFIX = 'logwire-columns:';
/** Px a key press moves a column edge (ten times with Shift). */
const KEY_STEP = 10;

/** Widths, hidden columns and the panel's width for one panel; see the module comment. */
export class ColumnController implements ReactiveController {
  readonly #host: ColumnHost;
  #width = 0;
  #observer: ResizeObserver | undefined;
  #widths: Record<string, number> = {};
  #hidden = new Set<string>();
  #loadedKey: string | undefined;
  #drag: { name: string; sign: number; startX: number; startWidth: number } | undefined;

  constructor(host: ColumnHost) {
    this.#host = host;
    host.addController(this);
  }

  hostConnected(): void {
    this.#observer = new ResizeObserver(() => {
      const width = this.#host.clientWidth;
      if (width !== this.#width) {
        this.#width = width;
        this.#host.requestUpdate();
      }
    });
    this.#observer.observe(this.#host);
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
  }

  /** The panel's inner width in px (0 before the first layout). */
  get width(): number {
    return this.#width;
  }

  /** The widths the user set, by column name. */
  get widths(): Readonly<Record<string, number>> {
    return this.#widths;
  }

  /** Whether the user hid a column. */
  hidden(name: string): boolean {
    return this.#hidden.has(name);
  }

  /** What to show of the chosen columns at the panel's width. */
  layout<M extends LogMessage>(chosen: readonly PanelColumn<M>[]): ColumnLayout<M> {
    this.#load();
    return layoutColumns(chosen, this.#hidden, this.#widths, this.#width || this.#host.clientWidth);
  }

  /** Sets a column's width (clamped to 40 … 1200 px) and keeps it. */
  resize(name: string, width: number): void {
    this.#widths = { ...this.#widths, [name]: clampWidth(width) };
    this.#save();
    this.#host.requestUpdate();
  }

  /** Shows or hides a column (never the message) and keeps it. */
  setHidden(name: string, hidden: boolean): void {
    if (name === MESSAGE) return;
    if (hidden) this.#hidden.add(name);
    else this.#hidden.delete(name);
    this.#save();
    this.#host.requestUpdate();
  }

  /**
   * Keys on a column's separator (`sign` 1: the edge is the column's right one, -1: its left one):
   * the arrows move the edge, Home and End give the least and most width.
   */
  onKey(event: KeyboardEvent, name: string, width: number, sign: number): void {
    const step = (event.shiftKey ? 10 : 1) * KEY_STEP;
    const moves: Record<string, number> = { ArrowRight: width + sign * step, ArrowLeft: width - sign * step, Home: 0, End: Infinity };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    event.stopPropagation();
    this.resize(name, target);
  }

  /** Starts dragging a column's edge. */
  onPointerDown(event: PointerEvent, name: string, width: number, sign: number): void {
    if (event.button !== 0) return;
    (event.currentTarget as Element).setPointerCapture?.(event.pointerId);
    this.#drag = { name, sign, startX: event.clientX, startWidth: width };
    event.preventDefault();
  }

  onPointerMove(event: PointerEvent): void {
    const drag = this.#drag;
    if (drag === undefined) return;
    this.resize(drag.name, drag.startWidth + drag.sign * (event.clientX - drag.startX));
  }

  onPointerUp(): void {
    this.#drag = undefined;
  }

  #storageKey(): string | undefined {
    const key = this.#host.persistKey;
    return key === undefined || key === null || key === '' ? undefined : `${STORAGE_PREFIX}${key}`;
  }

  // Reads what was kept for the current persist-key once (again when the key changes).
  #load(): void {
    const key = this.#storageKey();
    if (key === this.#loadedKey) return;
    this.#loadedKey = key;
    if (key === undefined) return;
    try {
      const kept = JSON.parse(localStorage.getItem(key) ?? 'null') as Partial<Persisted> | null;
      const widths: Record<string, number> = {};
      for (const [name, width] of Object.entries(kept?.widths ?? {})) if (typeof width === 'number') widths[name] = clampWidth(width);
      this.#widths = widths;
      this.#hidden = new Set((Array.isArray(kept?.hidden) ? kept.hidden : []).filter((name) => typeof name === 'string'));
    } catch {
      // Storage blocked or a damaged value: start from the defaults.
    }
  }

  #save(): void {
    const key = this.#storageKey();
    if (key === undefined) return;
    const kept: Persisted = { widths: this.#widths, hidden: [...this.#hidden] };
    try {
      localStorage.setItem(key, JSON.stringify(kept));
    } catch {
      // Storage full or blocked: the widths hold for this page only.
    }
  }
}
