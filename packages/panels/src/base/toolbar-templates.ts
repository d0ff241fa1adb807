// The templates above the list: the connection state and the "N new" button of the header, the toolbar (level toggles,
// filter inputs with suggestions, search, pause, follow, clear, export) and the history bar.
import { html, nothing, type TemplateResult } from 'lit';
import type { ConnectionState } from '@logwire/client';
import { ExportFormat } from './export.js';
import { type FieldFilter, filterText, type Suggestions } from './filters.js';
import { HistoryState } from './history.js';
import type { HistoryStatus } from './history-loader.js';
import { PANEL_LEVELS } from './levels.js';

/** The panel's properties the toolbar shows and sets. */
export interface ToolbarHost {
  levels: readonly string[];
  search: string;
  searchMode: 'text' | 'regex';
  searchAction: 'filter' | 'highlight';
  paused: boolean;
  follow: boolean;
  wrap: boolean;
  readonly clearable: boolean;
  clear(): void;
  download(format: ExportFormat): void;
}

/** What else the toolbar needs of the panel. */
export interface ToolbarContext {
  /** Whether an entry with a level outside the six arrived (only then is the UNKNOWN toggle shown). */
  sawUnknown: boolean;
  searchError: boolean;
  /** The filter inputs, in order: logger first, then the panel's own. */
  filters: readonly FieldFilter[];
  /** The field filter input (field-filter-input.ts), after the filters. */
  fieldFilter?: TemplateResult;
  /** Values seen per field, for the filters' suggestions. */
  suggestions: Suggestions;
  setFollow(follow: boolean): void;
  /** With a search: how many entries match and the current one (1-based, 0 for none). */
  matches: { count: number; position: number } | undefined;
  /** Moves to the next (1) or previous (-1) match. */
  findNext(direction: 1 | -1): void;
}

/** Connection state labels shown in the pill. */
const STATE_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  'catching-up': 'Catching up',
  offline: 'Offline',
  closed: 'Closed',
};

/** The connection state pill; `unreachable` (the stream's URL) once the panel failed to reach it a few times. */
export function renderState(state: ConnectionState, unreachable?: string): TemplateResult {
  const label = unreachable ? `Cannot reach ${unreachable}: check the URL, authentication and allowed origins` : STATE_LABELS[state];
  return html`<span class="state" part="state" data-state=${state}>${label}</span>`;
}

/** The header's "N new" button: entries buffered while paused, or shown below while not following. */
export function renderNewButton(
  host: ToolbarHost & { resume(): void; scrollToBottom(): void },
  buffered: number,
  dropped: number,
  unseen: number,
): TemplateResult | typeof nothing {
  if (host.paused && buffered > 0) {
    const label = dropped > 0 ? `${buffered} new, ${dropped} dropped` : `${buffered} new`;
    return html`<button class="new" part="new-button" @click=${() => host.resume()} aria-label=${`${label}, resume`}>${label}</button>`;
  }
  if (host.paused || host.follow || unseen === 0) return nothing;
  const label = `${unseen} new below, jump to the newest`;
  return html`<button class="new" part="new-button" @click=${() => host.scrollToBottom()} aria-label=${label}>${unseen} new ↓</button>`;
}

/** The toolbar. */
export function renderToolbar(host: ToolbarHost, context: ToolbarContext): TemplateResult {
  const levels = PANEL_LEVELS.filter((level) => level !== 'UNKNOWN' || context.sawUnknown || !host.levels.includes('UNKNOWN'));
  const toggleLevel = (level: string): void => {
    host.levels = host.levels.includes(level) ? host.levels.filter((item) => item !== level) : [...host.levels, level];
  };
  return html`<div class="toolbar" part="toolbar" role="toolbar" aria-label="Filters and actions">
    <span class="levels" part="levels" role="group" aria-label="Levels">
      ${levels.map((level) => {
        const on = host.levels.includes(level);
        return html`<button
          class="level-toggle"
          part="level-toggle"
          data-level=${level}
          aria-pressed=${on ? 'true' : 'false'}
          @click=${() => toggleLevel(level)}
          >${level}</button
        >`;
      })}
    </span>
    ${context.filters.map((filter) => renderFilter(host, filter, context.suggestions))} ${context.fieldFilter ?? nothing}
    <input
      class="search"
      part="search"
      type="search"
      placeholder="Search ( / )"
      aria-label="Search all fields"
      aria-invalid=${context.searchError ? 'true' : 'false'}
      .value=${host.search}
      @input=${(event: Event) => (host.search = (event.target as HTMLInputElement).value)}
    />
    <button
      class="regex"
      part="regex-toggle"
      aria-pressed=${host.searchMode === 'regex' ? 'true' : 'false'}
      title="Regular expression"
      @click=${() => (host.searchMode = host.searchMode === 'regex' ? 'text' : 'regex')}
      >.*</button
    >
    <button
      class="highlight"
      part="highlight-toggle"
      aria-pressed=${host.searchAction === 'highlight' ? 'true' : 'false'}
      title="Highlight matches instead of hiding the rest"
      @click=${() => (host.searchAction = host.searchAction === 'highlight' ? 'filter' : 'highlight')}
    >
      Highlight
    </button>
    ${renderMatches(context)}
    <span class="spacer-flex"></span>
    <button class="wrap-toggle" part="wrap-toggle" aria-pressed=${host.wrap ? 'true' : 'false'} @click=${() => (host.wrap = !host.wrap)}
      >Wrap</button
    >
    <button class="pause" part="pause-button" aria-pressed=${host.paused ? 'true' : 'false'} @click=${() => (host.paused = !host.paused)}
      >${host.paused ? 'Resume' : 'Pause'}</button
    >
    <button
      class="follow"
      part="follow-button"
      aria-pressed=${host.follow ? 'true' : 'false'}
      @click=${() => context.setFollow(!host.follow)}
      >Follow</button
    >
    ${host.clearable ? html`<button class="clear" part="clear-button" @click=${() => host.clear()}>Clear</button>` : nothing}
    <span class="export" part="export" role="group" aria-label="Export shown entries">
      ${Object.values(ExportFormat).map(
        (format) =>
          html`<button class="export-${format}" part="export-button" @click=${() => host.download(format)}
            >${format.toUpperCase()}</button
          >`,
      )}
    </span>
  </div>`;
}

// The number of matches and the buttons that step through them (with a search only).
function renderMatches(context: ToolbarContext): TemplateResult | typeof nothing {
  const matches = context.matches;
  if (matches === undefined) return nothing;
  const text =
    matches.position > 0 ? `${matches.position} / ${matches.count}` : `${matches.count} ${matches.count === 1 ? 'match' : 'matches'}`;
  return html`<span class="matches" role="group" aria-label="Search matches">
    <span class="match-count" part="match-count">${text}</span>
    <button class="previous-match" part="match-button" aria-label="Previous match (Shift+Enter)" @click=${() => context.findNext(-1)}
      >↑</button
    >
    <button class="next-match" part="match-button" aria-label="Next match (Enter)" @click=${() => context.findNext(1)}>↓</button>
  </span>`;
}

// One text input per filter, with the values seen so far as suggestions.
function renderFilter(host: ToolbarHost, { field, label, property }: FieldFilter, suggestions: Suggestions): TemplateResult {
  return html`<input
      class="filter ${field}-filter"
      part="filter"
      type="text"
      list="${field}-values"
      placeholder=${label}
      aria-label="${label} filter"
      .value=${filterText(host, property)}
      @input=${(event: Event) => ((host as unknown as Record<string, unknown>)[property] = (event.target as HTMLInputElement).value)}
    /><datalist id="${field}-values">${suggestions.of(field).map((value) => html`<option value=${value}></option>`)}</datalist>`;
}

/** The bar with "Load older" and the load's status (only with `history-src`). */
export function renderHistoryBar(src: string | undefined, status: HistoryStatus, load: () => void): TemplateResult | typeof nothing {
  if (src === undefined || src === null || src === '') return nothing;
  const { state, message } = status;
  const unavailable = state === HistoryState.Loading || state === HistoryState.End || state === HistoryState.Full;
  // aria-disabled rather than disabled, so a keyboard user's focus stays on the button.
  return html`<div class="history" part="history">
    <button
      class="load-older"
      part="history-button"
      aria-disabled=${unavailable ? 'true' : 'false'}
      @click=${() => {
        if (state !== HistoryState.End) load();
      }}
    >
      ${state === HistoryState.Loading ? 'Loading…' : 'Load older'}
    </button>
    <span class="history-status" part="history-status" role="status" data-state=${state}>${message}</span>
  </div>`;
}
