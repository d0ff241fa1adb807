// The templates of the list's rows: a log row with its cells, a gap marker, and an expanded row's
// detail view (every field as a tree). All text goes through `visible` (control and bidi
// characters shown, never applied) and is bound as text, never as HTML.
import { html, nothing, type TemplateResult } from 'lit';
import type { GapData, LogMessage } from '@logwire/protocol';
import type { PanelColumn } from './column-layout.js';
import { LogwireCopyEvent } from './events.js';
import { renderValueFilterButtons } from './facet-templates.js';
import { type Geometry, offsetOf, totalHeight } from './fixed-row-geometry.js';
import type { FollowController } from './follow-controller.js';
import { formatIso } from './format.js';
import type { GapRow, LogRow, Row } from './row-store.js';
import { highlight, type Matcher } from './search.js';
import { displayValue, safeJson, visible } from './text.js';

/** Longest cell text rendered; the detail view shows everything. */
export const MAX_CELL_CHARS = 2000;
/** Longest message rendered while messages wrap. */
export const MAX_WRAPPED_CHARS = 20_000;
/** Deepest level of the detail tree. */
const MAX_TREE_DEPTH = 8;
/** Longest value the detail view offers to filter by. */
const MAX_FILTER_VALUE_CHARS = 200;

/** What rendering a row needs of the panel. */
export interface RowContext<M extends LogMessage> {
  /** The columns shown. */
  columns: readonly PanelColumn<M>[];
  /** Built-in column names (their cells have their name as class; field columns the class `field`). */
  builtin: ReadonlySet<string>;
  zone: 'local' | 'utc';
  matcher: Matcher | undefined;
  activeSeq: number | undefined;
  expandedSeq: number | undefined;
  /** The current search match. */
  currentSeq: number | undefined;
  /** Messages wrap onto as many lines as they need. */
  wrap: boolean;
  gapText(row: GapRow): string;
  detailFields(message: M): Record<string, unknown>;
  toggle(seq: number): void;
  copy(row: LogRow<M>): void;
  /** Clears the filters keeping this row where it is. */
  showInContext(seq: number): void;
  /** Filter to a value of the detail view, or (`exclude`) hide it. */
  chooseValue(field: string, value: string, exclude: boolean): void;
  /** More buttons of the detail view (after "Copy JSON" and "Show in context"). */
  detailActions?(row: LogRow<M>): readonly TemplateResult[];
  /** A mark shown at the start of a row's message cell (e.g. a verification state). */
  rowMark?(row: LogRow<M>): TemplateResult | typeof nothing;
  /** A subclass's mark on the row as a word (see PanelExtras.mark): the row's `data-mark` and part `row-marked`. */
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
  const wrap = context.wrap ? 'wrap' : '';
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
      <div class="rows ${wrap}" style="transform: translateY(${offsetOf(geometry, first)}px)">${rows}</div>
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
  const current = row.seq === context.currentSeq;
  const mark = context.mark?.(row);
  // eslint-disable-next-line lit-a11y/click-events-have-key-events -- Enter and the arrows are handled by the list's keyboard controller
  return html`<div
      class="row ${active ? 'active' : ''} ${current ? 'current-match' : ''}"
      part=${mark === undefined ? 'row' : 'row row-marked'}
      role="button"
      data-seq=${row.seq}
      data-mark=${mark ?? nothing}
      data-level=${row.level}
      tabindex=${active ? '0' : '-1'}
      aria-expanded=${expanded ? 'true' : 'false'}
      aria-current=${current ? 'true' : nothing}
      @click=${() => context.toggle(row.seq)}
    >
      ${context.columns.map((column) => renderCell(row, column, context))}
    </div>
    ${expanded ? renderDetail(row, context) : nothing}`;
}

function renderCell<M extends LogMessage>(row: LogRow<M>, column: PanelColumn<M>, context: RowContext<M>): TemplateResult {
  const text = column.text(row.message);
  const title = column.name === 'time' ? formatIso(row.message.data.timestamp, context.zone) : nothing;
  const message = column.name === 'message';
  const most = message && context.wrap ? MAX_WRAPPED_CHARS : MAX_CELL_CHARS;
  const shown = visible(text.length > most ? `${text.slice(0, most)}…` : text);
  const mark = message ? context.rowMark?.(row) : undefined;
  return html`<span
    class=${context.builtin.has(column.name) ? column.name : 'field'}
    data-column=${column.name}
    data-level=${column.name === 'level' ? row.level : nothing}
    title=${title}
    >${mark ?? nothing}${highlight(shown, context.matcher)}</span
  >`;
}

function renderDetail<M extends LogMessage>(row: LogRow<M>, context: RowContext<M>): TemplateResult {
  return html`<div class="detail" part="detail">
    <span class="detail-actions">
      <button class="copy" part="copy-button" @click=${() => context.copy(row)}>Copy JSON</button>
      <button class="show-in-context" part="context-button" @click=${() => context.showInContext(row.seq)}>Show in context</button>
      ${
        context.link === undefined || row.message.id === undefined
          ? nothing
          : html`<button class="copy" part="link-button" @click=${() => context.link?.(row)}>Copy link</button>`
      }
      ${context.detailActions?.(row) ?? nothing}
    </span>
    ${renderTree(context.detailFields(row.message), context.matcher, 0, '', context.chooseValue)}
  </div>`;
}

/**
 * A record as a tree of keys and values (objects and arrays as `<details>`, 8 levels deep). With
 * `choose`, each short scalar value offers to filter to it or hide it (by its dotted path).
 */
export function renderTree(
  value: Record<string, unknown> | unknown[],
  matcher: Matcher | undefined,
  depth = 0,
  path = '',
  choose?: (field: string, value: string, exclude: boolean) => void,
): TemplateResult {
  const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
  const filterable = (item: unknown): boolean =>
    choose !== undefined &&
    !Array.isArray(value) &&
    (item === null || typeof item !== 'object') &&
    displayValue(item).length <= MAX_FILTER_VALUE_CHARS;
  // eslint-disable-next-line lit-a11y/no-redundant-role -- Safari drops the list role of a <ul> styled `list-style: none`
  return html`<ul role="list">
    ${entries.map(([key, item]) =>
      item !== null && typeof item === 'object' && depth < MAX_TREE_DEPTH
        ? html`<li>
            <details open>
              <summary>
                <span class="key">${visible(key)}</span> ${Array.isArray(item) ? `[${item.length}]` : `{${Object.keys(item).length}}`}
              </summary>
              ${renderTree(item as Record<string, unknown>, matcher, depth + 1, `${path}${key}.`, Array.isArray(item) ? undefined : choose)}
            </details>
          </li>`
        : html`<li>
            <span class="key">${visible(key)}</span>: <span class="value">${highlight(visible(displayValue(item)), matcher)}</span>${
              filterable(item) ? renderValueFilterButtons(`${path}${key}`, displayValue(item), choose!) : nothing
            }
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
