// The facet strip (the most frequent values of chosen fields, with counts over the entries held)
// and the chips of the active exact-value filters. A click on a value shows only it, an Alt-,
// Ctrl- or Cmd-click (or the Delete key on it) hides it; a chip's button removes its filter.
import { html, nothing, type TemplateResult } from 'lit';
import type { LogMessage } from '@logwire/protocol';
import type { FacetCounts } from './facet-counts.js';
import { visible } from './text.js';
import { type ValueFilter, valueState } from './value-filters.js';

/** Values shown per field. */
export const FACET_VALUES = 6;
/** Longest value text shown in the strip. */
const MAX_VALUE_CHARS = 40;

/** What the strip needs of the panel. */
export interface FacetContext<M extends LogMessage> {
  counts: FacetCounts<M>;
  filters: readonly ValueFilter[];
  /** Filter to a value, or (`exclude`) hide it. */
  choose(field: string, value: string, exclude: boolean): void;
  /** Remove one filter. */
  remove(filter: ValueFilter): void;
}

/** Whether a click or key asks to exclude rather than to filter to. */
export const wantsExclude = (event: MouseEvent | KeyboardEvent): boolean => event.altKey || event.ctrlKey || event.metaKey;

/** The strip: one group per counted field, then the active filters (nothing when neither). */
export function renderFacets<M extends LogMessage>(context: FacetContext<M>): TemplateResult | typeof nothing {
  const { counts, filters } = context;
  if (counts.fields.length === 0 && filters.length === 0) return nothing;
  return html`<div class="facets" part="facets" role="group" aria-label="Field values">
    ${counts.fields.map((field) => {
      const { values, distinct } = counts.top(field, FACET_VALUES);
      return html`<span class="facet" role="group" aria-label="${field} values" data-field=${field}>
        <span class="facet-name">${field}</span>
        ${values.map(([value, count]) => {
          const state = valueState(filters, field, value);
          const shown = visible(value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value) || '(none)';
          return html`<button
            class="facet-value ${state ?? ''}"
            part="facet-value"
            data-value=${value}
            aria-pressed=${state === 'include' ? 'true' : 'false'}
            title="Show only ${field} = ${shown} (Alt-click or Delete: hide it)"
            @click=${(event: MouseEvent) => context.choose(field, value, wantsExclude(event))}
            @keydown=${(event: KeyboardEvent) => {
              if (event.key !== 'Delete') return;
              event.preventDefault();
              context.choose(field, value, true);
            }}
            >${shown} <span class="facet-count">${count}</span></button
          >`;
        })}
        ${distinct > values.length ? html`<span class="facet-more">+${distinct - values.length}</span>` : nothing}
      </span>`;
    })}
    ${filters.map(
      (filter) =>
        html`<span class="value-filter ${filter.exclude === true ? 'exclude' : ''}" part="value-filter"
          >${filter.field} ${filter.exclude === true ? '≠' : '='} ${visible(filter.value)}<button
            class="remove-filter"
            aria-label="Remove filter ${filter.field} ${filter.exclude === true ? 'not' : ''} ${visible(filter.value)}"
            @click=${() => context.remove(filter)}
            >×</button
          ></span
        >`,
    )}
  </div>`;
}

/** The buttons next to a value of the detail view: show only entries with it, or hide them. */
export function renderValueFilterButtons(
  path: string,
  value: string,
  choose: (field: string, value: string, exclude: boolean) => void,
): TemplateResult {
  const label = `${path} = ${visible(value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value)}`;
  return html`<span class="value-actions"
    ><button
      class="filter-to"
      part="value-filter-button"
      aria-label="Show only ${label}"
      title="Show only this value"
      @click=${() => choose(path, value, false)}
    >
      =</button
    ><button
      class="filter-out"
      part="value-filter-button"
      aria-label="Hide ${label}"
      title="Hide this value"
      @click=${() => choose(path, value, true)}
    >
      ≠</button
    ></span
  >`;
}
