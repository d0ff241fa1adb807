// The templates of the list's rows: a log row with its cells, a gap marker, and an expanded row's
// detail view (every field as a tree). All text goes through `visible` (control and bidi
// characters shown, never applied) and is bound as text, never as HTML.
import { html, nothing, type TemplateResult } from 'lit';
import type { GapData, LogMessage } from '@logwire/protocol';
import { LogwireCopyEvent } from './events.js';
import { type Geometry, offsetOf, totalHeight } from './fixed-row-geometry.js';
import type { FollowController } from './follow-controller.js';
import { formatIso } from './format.js';
import type { LogPanelBase } from './log-panel-base.js';
import type { GapRow, LogRow, Row } from './row-store.js';
import { highlight, type Matcher } from './search.js';
import { displayValue, safeJson, visible } from './text.js';

/** Longest cell text rendered; the detail view shows everything. */
export const MAX_CELL_CHARS = 2000;
/** Deepest level of the detail tree. */
const MAX_TREE_DEPTH = 8;

/** A column of a panel: its title, its CSV header and value, and how its cell renders. */
export interface PanelColumn<M extends LogMessage> {
  /** Column title. */
  title: string;
  /** CSS grid track. */
  width: string;
  /** Class of the cell (also its name in the DOM). */
  name: string;
  /** The plain text of the cell. */
  text(message: M, panel: LogPanelBase<M>): string;
}

/** What rendering a row needs of the panel. */
export interface RowContext<M extends LogMessage> {
  panel: LogPanelBase<M>;
  columns: readonly PanelColumn<M>[];
  zone: 'local' | 'utc';
  matcher: Matcher | undefined;
  activeSeq: number | undefined;
  expandedSeq: number | undefined;
  gapText(row: GapRow): string;
  detailFields(message: M): Record<string, unknown>;
  toggle(seq: number): void;
  copy(row: LogRow<M>): void;
  /** A subclass's mark on the row (see PanelExtras.mark). */
  mark?(row: LogRow<M>): string | undefined;
  /** Copies a link to the entry (only with `url-state` and `history-src`, see entry-link.ts). */
  link?: ((row: LogRow<M>) => void) | undefined;
}

/**
 * The virtualised list (`label` is its accessible name): a scroller holding a sizer as tall as
 * every row of `view`, with only the rows `first` up to `last` rendered, moved to their offset.
 * `held` is how many log entries the panel holds (for what an empty list says).
 */
export function renderList<M extends LogMessage>(
  label: string,
  view: readonly Row<M>[],
  held: number,
  geometry: Geometry,
  [first, last]: readonly [first: number, last: number],
  follow: Pick<FollowController, 'onScroll' | 'onWheel'>,
  context: RowContext<M>,
): TemplateResult {
  const rows = view.slice(first, last).map((row) => renderRow(row, context));
  return html`<div
    class="viewport"
    part="list"
    role="log"
    aria-live="off"
    aria-label=${label}
    tabindex="0"
    @scroll=${follow.onScroll}
    @wheel=${follow.onWheel}
  >
    ${renderEmpty(view.length, held)}
    <div class="sizer" style="height: ${totalHeight(geometry)}px">
      <div class="rows" style="transform: translateY(${offsetOf(geometry, first)}px)">${rows}</div>
    </div>
  </div>`;
}

/** What an empty list says: nothing arrived yet, or the filters hide everything. */
export function renderEmpty(shown: number, held: number): TemplateResult | typeof nothing {
  if (shown > 0) return nothing;
  return html`<div class="empty" part="empty">${held === 0 ? 'No logs yet' : 'No entries match the filters'}</div>`;
}

/** One row of the list (and its detail view when expanded). */
export function renderRow<M extends LogMessage>(row: Row<M>, context: RowContext<M>): TemplateResult {
  const active = row.seq === context.activeSeq;
  if (row.kind === 'gap') {
    return html`<div class="row gap ${active ? 'active' : ''}" part="gap" data-seq=${row.seq} tabindex=${active ? '0' : '-1'}
      >${context.gapText(row)}</div
    >`;
  }
  const expanded = row.seq === context.expandedSeq;
  const mark = context.mark?.(row);
  // eslint-disable-next-line lit-a11y/click-events-have-key-events -- Enter and the arrows are handled by the list's keyboard controller
  return html`<div
      class="row ${active ? 'active' : ''}"
      part=${mark === undefined ? 'row' : 'row row-marked'}
      role="button"
      data-seq=${row.seq}
      data-mark=${mark ?? nothing}
      data-level=${row.level}
      tabindex=${active ? '0' : '-1'}
      aria-expanded=${expanded ? 'true' : 'false'}
      @click=${() => context.toggle(row.seq)}
    >
      ${context.columns.map((column) => {
        const text = column.text(row.message, context.panel);
        const title = column.name === 'time' ? formatIso(row.message.data.timestamp, context.zone) : nothing;
        const shown = visible(text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS)}…` : text);
        return html`<span class=${column.name} data-level=${column.name === 'level' ? row.level : nothing} title=${title}
          >${highlight(shown, context.matcher)}</span
        >`;
      })}
    </div>
    ${expanded ? renderDetail(row, context) : nothing}`;
}

function renderDetail<M extends LogMessage>(row: LogRow<M>, context: RowContext<M>): TemplateResult {
  return html`<div class="detail" part="detail">
    <button class="copy" part="copy-button" @click=${() => context.copy(row)}>Copy JSON</button>
    ${
      context.link === undefined || row.message.id === undefined
        ? nothing
        : html`<button class="copy" part="link-button" @click=${() => context.link?.(row)}>Copy link</button>`
    }
    ${renderTree(context.detailFields(row.message), context.matcher)}
  </div>`;
}

/** A record as a tree of keys and values (objects and arrays as `<details>`, 8 levels deep). */
export function renderTree(value: Record<string, unknown> | unknown[], matcher: Matcher | undefined, depth = 0): TemplateResult {
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
  // eslint-disable-next-line lit-a11y/no-redundant-role -- Safari drops the list role of a <ul> styled `list-style: none`
  return html`<ul role="list">
    ${entries.map(([key, item]) =>
      item !== null && typeof item === 'object' && depth < MAX_TREE_DEPTH
        ? html`<li>
            <details open>
              <summary>
                <span class="key">${visible(key)}</span> ${Array.isArray(item) ? `[${item.length}]` : `{${Object.keys(item).length}}`}
              </summary>
              ${renderTree(item as Record<string, unknown>, matcher, depth + 1)}
            </details>
          </li>`
        : html`<li>
            <span class="key">${visible(key)}</span>: <span class="value">${highlight(visible(displayValue(item)), matcher)}</span>
          </li>`,
    )}
  </ul>`;
}

/** A gap marker's text: `gapText` for the server's gaps, the count for entries dropped while paused. */
export function gapRowText(row: GapRow, gapText: (gap: GapData) => string): string {
  if (row.whilePaused !== true) return gapText(row.gap);
  const count = row.gap.count ?? 0;
  return `${count} ${count === 1 ? 'message' : 'messages'} dropped while paused, ${String(row.gap.reason)}`;
}

/** Copies an entry as pretty JSON (control and bidi characters escaped) and fires `logwire-copy`. */
export async function copyEntry(target: EventTarget, message: LogMessage): Promise<void> {
  const text = safeJson(message, 2);
  target.dispatchEvent(new LogwireCopyEvent(text));
  try {
    await navigator.clipboard?.writeText(text);
  } catch {
    // No clipboard permission (an insecure page, a test browser): the event still carries the text.
  }
}
