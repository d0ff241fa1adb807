// The column header: the titles of the columns shown, a separator on each resizable edge (dragged
// with the pointer, or focused and moved with the arrow keys: the WAI-ARIA window splitter
// pattern) and the menu that shows or hides columns.
import { html, nothing, type TemplateResult } from 'lit';
import type { LogMessage } from '@logwire/protocol';
import type { ColumnController } from './column-controller.js';
import { COLUMN_MAX_WIDTH, COLUMN_MIN_WIDTH, type ColumnLayout, MESSAGE, type PanelColumn } from './column-layout.js';

/** The header row of the list, laid out on the same grid as the rows. */
export function renderColumnHeader<M extends LogMessage>(
  layout: ColumnLayout<M>,
  chosen: readonly PanelColumn<M>[],
  controller: ColumnController,
): TemplateResult {
  const messageAt = layout.shown.findIndex((column) => column.name === MESSAGE);
  return html`<div
    class="columns"
    part="column-header"
    role="group"
    aria-label="Columns"
    @pointermove=${(event: PointerEvent) => controller.onPointerMove(event)}
    @pointerup=${() => controller.onPointerUp()}
    @pointercancel=${() => controller.onPointerUp()}
  >
    ${layout.shown.map((column, index) => {
      const width = layout.widths[column.name];
      // Columns left of the message are resized at their right edge, those right of it at their left edge.
      const sign = messageAt < 0 || index < messageAt ? 1 : -1;
      return html`<span class="column-title ${column.name === MESSAGE ? 'message-title' : ''}" data-column=${column.name}
        ><span class="title">${column.title}</span>${width === undefined ? nothing : renderSeparator(column, width, sign, controller)}</span
      >`;
    })}
    ${renderColumnMenu(chosen, layout, controller)}
  </div>`;
}

function renderSeparator<M extends LogMessage>(
  column: PanelColumn<M>,
  width: number,
  sign: number,
  controller: ColumnController,
): TemplateResult {
  return html`<span
    class="resizer ${sign > 0 ? 'end' : 'start'}"
    part="column-resizer"
    role="separator"
    aria-orientation="vertical"
    aria-label="Resize ${column.title} column"
    aria-valuemin=${COLUMN_MIN_WIDTH}
    aria-valuemax=${COLUMN_MAX_WIDTH}
    aria-valuenow=${width}
    tabindex="0"
    @keydown=${(event: KeyboardEvent) => controller.onKey(event, column.name, width, sign)}
    @pointerdown=${(event: PointerEvent) => controller.onPointerDown(event, column.name, width, sign)}
  ></span>`;
}

// A disclosure with a checkbox per chosen column; the message column is always shown.
function renderColumnMenu<M extends LogMessage>(
  chosen: readonly PanelColumn<M>[],
  layout: ColumnLayout<M>,
  controller: ColumnController,
): TemplateResult {
  const collapsed = layout.collapsed.length;
  return html`<details class="column-menu" part="column-menu">
    <summary aria-label=${collapsed > 0 ? `Columns (${collapsed} collapsed for width)` : 'Columns'} title="Show or hide columns">⋮</summary>
    <div class="column-menu-list" role="group" aria-label="Shown columns">
      ${chosen.map(
        (column) =>
          html`<label
            ><input
              type="checkbox"
              data-column=${column.name}
              .checked=${!controller.hidden(column.name)}
              ?disabled=${column.name === MESSAGE}
              @change=${(event: Event) => controller.setHidden(column.name, !(event.target as HTMLInputElement).checked)}
            />
            ${column.title}${layout.collapsed.includes(column) ? html` <span class="collapsed-note">(no room)</span>` : nothing}</label
          >`,
      )}
    </div>
  </details>`;
}
