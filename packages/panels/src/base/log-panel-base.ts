import { html, LitElement, nothing, type CSSResultGroup, type PropertyValues, type TemplateResult } from 'lit';
import { ConnectionState, LogStreamClient, type ReplayAttachment } from '@logwire/client';
import type { GapData, LogMessage } from '@logwire/protocol';
import { toCsv } from './csv.js';
import { LogwireClearEvent, LogwireCopyEvent, LogwireExportEvent, LogwireFollowChangeEvent, LogwireHistoryEvent, LogwirePauseChangeEvent } from './events.js';
import { fetchHistory, type HistoryBound, type HistoryFetch, historyUrl, HistoryState, MAX_HISTORY_PAGE } from './history.js';
import { formatIso, formatTime } from './format.js';
import { panelStyles } from './log-panel-base.styles.js';
import { displayValue, safeJson, searchText, visible } from './text.js';

/** Connection state labels shown in the pill. */
const STATE_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  'catching-up': 'Catching up',
  offline: 'Offline',
  closed: 'Closed',
};

/** The levels the panels know; anything else a server sends is shown and filtered as `UNKNOWN`. */
export const PANEL_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'UNKNOWN'] as const;
/** A level as the panels classify it. */
export type PanelLevel = (typeof PANEL_LEVELS)[number];

/** Colour themes. `auto` follows `prefers-color-scheme`. */
export const Theme = { Auto: 'auto', Light: 'light', Dark: 'dark' } as const;
/** One of the themes. */
export type Theme = (typeof Theme)[keyof typeof Theme];

/** How the search text is read. */
export const SearchMode = { Text: 'text', Regex: 'regex' } as const;
/** One of the search modes. */
export type SearchMode = (typeof SearchMode)[keyof typeof SearchMode];

/** What a search does to entries that do not match: hide them, or only highlight the matches. */
export const SearchAction = { Filter: 'filter', Highlight: 'highlight' } as const;
/** One of the search actions. */
export type SearchAction = (typeof SearchAction)[keyof typeof SearchAction];

/** Export formats. */
export const ExportFormat = { Json: 'json', Ndjson: 'ndjson', Csv: 'csv' } as const;
/** One of the export formats. */
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];

/** A log entry as the panel holds it. `seq` orders everything the panel ever received. */
interface LogRow<M extends LogMessage> {
  kind: 'log';
  seq: number;
  message: M;
  level: PanelLevel;
  /** Lower-cased text of every field, built the first time a search needs it. */
  haystack?: string;
  /** Loaded from `historySrc` rather than received live. */
  history?: true;
}

/** An inline marker for messages the server said are missing. */
interface GapRow {
  kind: 'gap';
  seq: number;
  gap: GapData;
}

type Row<M extends LogMessage> = LogRow<M> | GapRow;

/** A compiled search: a test for whole entries and a splitter for highlighting one cell. */
interface Matcher {
  test(haystack: string): boolean;
  /** A global, case-insensitive pattern for highlighting. */
  pattern: RegExp;
}

const MAX_RENDERED_ROWS = 300;
const OVERSCAN = 8;
/** Longest cell text rendered; the detail view shows everything. */
const MAX_CELL_CHARS = 2000;

const levelOf = (level: unknown): PanelLevel => {
  const upper = typeof level === 'string' ? level.toUpperCase() : '';
  return (PANEL_LEVELS as readonly string[]).includes(upper) && upper !== 'UNKNOWN' ? (upper as PanelLevel) : 'UNKNOWN';
};

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const levelsConverter = {
  fromAttribute: (value: string | null): string[] =>
    value === null
      ? [...PANEL_LEVELS]
      : value
          .split(/[\s,]+/)
          .map((level) => level.trim().toUpperCase())
          .filter(Boolean),
  toAttribute: (value: readonly string[]): string => value.join(','),
};

const notFalseConverter = {
  fromAttribute: (value: string | null): boolean => value !== null && value !== 'false',
  toAttribute: (value: boolean): string | null => (value ? '' : 'false'),
};

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

/**
 * Behaviour shared by the system and audit panels: binding to a client (given, or made from
 * `src`), a bounded buffer of one message type with inline gap markers, a virtualised list,
 * filters and search, pause and follow, export, keyboard navigation and announcements. Subclasses
 * add the columns, their filters and the tag.
 */
export abstract class LogPanelBase<M extends LogMessage> extends LitElement {
  static override styles: CSSResultGroup = panelStyles;

  static override properties = {
    src: { type: String },
    client: { attribute: false },
    replay: { attribute: false },
    limit: { type: Number },
    timeZone: { attribute: 'time-zone' },
    theme: { reflect: true },
    levels: { converter: levelsConverter },
    loggerFilter: { attribute: 'logger-filter' },
    search: {},
    searchMode: { attribute: 'search-mode' },
    searchAction: { attribute: 'search-action' },
    paused: { type: Boolean, reflect: true },
    follow: { converter: notFalseConverter },
    clearable: { converter: notFalseConverter },
    announceInterval: { type: Number, attribute: 'announce-interval' },
    rowHeight: { type: Number, attribute: 'row-height' },
    detailHeight: { type: Number, attribute: 'detail-height' },
    historySrc: { attribute: 'history-src' },
    historyFetch: { attribute: false },
    historyPageSize: { type: Number, attribute: 'history-page-size' },
    _connection: { state: true },
    _history: { state: true },
    _revision: { state: true },
    _announcement: { state: true },
  };

  /** WebSocket URL of a log stream; the panel opens its own connection. Ignored when `client` is set. */
  declare src: string | undefined;
  /** A shared client (e.g. one for both panels, one socket); takes precedence over `src`. */
  declare client: LogStreamClient | undefined;
  /**
   * Replay buffer for the panel's own client (from `src`): `panel.replay = replay()` (from
   * `@logwire/client`) paints what the last visit received before the socket opens, resumes from
   * the stored cursor and shares one socket among tabs. Set it before `src`; ignored with `client`.
   */
  declare replay: ReplayAttachment | undefined;
  /** Most entries held (gap markers included); the oldest go first. */
  declare limit: number;
  /** Show times in `local` time or `utc`. */
  declare timeZone: 'local' | 'utc';
  /** `auto` (follows `prefers-color-scheme`), `light` or `dark`. */
  declare theme: 'auto' | 'light' | 'dark';
  /** Levels shown (attribute: comma-separated, e.g. `levels="WARNING,ERROR,CRITICAL"`); `UNKNOWN` covers levels outside the six. */
  declare levels: readonly string[];
  /** Shows only entries whose logger contains this text (case-insensitive). */
  declare loggerFilter: string;
  /** Search text, matched against every field including metadata keys and values. */
  declare search: string;
  /** `text` (case-insensitive substring) or `regex` (case-insensitive regular expression). */
  declare searchMode: 'text' | 'regex';
  /** `filter` hides entries that do not match; `highlight` keeps them and marks the matches. */
  declare searchAction: 'filter' | 'highlight';
  /** While paused, new entries are buffered (never dropped) and counted as "N new". */
  declare paused: boolean;
  /** Keep the newest entry in view. Turns off when the user scrolls up, on again at the bottom. */
  declare follow: boolean;
  /** Show the Clear button (attribute `clearable="false"` hides it). */
  declare clearable: boolean;
  /** Least time between screen-reader announcements of new entries, in ms. */
  declare announceInterval: number;
  /** Height of one row in px (rows are virtualised at a fixed height). */
  declare rowHeight: number;
  /** Height of an expanded entry's detail view in px. */
  declare detailHeight: number;
  /**
   * Base URL of the query API (e.g. `https://host/logs`, or `/logs` on the page's origin). When set,
   * a "Load older" button above the list fetches the entries older than the oldest one held from
   * `<history-src>/system` (system panel) or `<history-src>/audit` (audit panel).
   */
  declare historySrc: string | undefined;
  /** The `fetch` used for history requests, e.g. one that adds an `Authorization` header. Default: the global `fetch`. */
  declare historyFetch: HistoryFetch | undefined;
  /** Entries fetched per "Load older" (1 … 1000). */
  declare historyPageSize: number;
  declare protected _connection: ConnectionState;
  declare protected _history: { state: HistoryState; message: string };
  declare protected _revision: number;
  declare protected _announcement: string;

  /** The message type this panel shows. */
  protected abstract readonly messageType: M['type'];
  /** Panel title. */
  protected abstract readonly heading: string;
  /** The columns, in order. */
  protected abstract readonly columns: readonly PanelColumn<M>[];
  /** Header names and values of one entry in CSV exports. */
  protected abstract csvColumns(): readonly [string, (message: M) => string][];
  /** The subclass's own field filters (module, action, …) on top of level, logger and search. */
  protected abstract matchesFieldFilters(message: M): boolean;
  /** The inputs of the subclass's own field filters. */
  protected abstract renderFieldFilters(): TemplateResult | typeof nothing;

  #rows: Row<M>[] = [];
  #view: Row<M>[] = [];
  #incoming: Row<M>[] = [];
  #pausedBuffer: Row<M>[] = [];
  #bufferedLogs = 0;
  #nextSeq = 1;
  /** Entries shown below the viewport since following stopped. */
  #unseen = 0;
  /** Whether a level outside the six arrived (only then is the UNKNOWN toggle shown). */
  #sawUnknown = false;
  #totalLogs = 0;
  #viewLogs = 0;
  #matcher: Matcher | undefined;
  #searchError = false;
  #flushTimer: ReturnType<typeof setTimeout> | undefined;
  #flushFrame: number | undefined;
  #bound: LogStreamClient | undefined;
  #ownClient: LogStreamClient | undefined;
  #ownClientSrc: string | undefined;
  #ownClientReplay: ReplayAttachment | undefined;
  #unbind: (() => void)[] = [];
  #scrollTop = 0;
  #viewportHeight = 0;
  #resizeObserver: ResizeObserver | undefined;
  #anchor: { seq: number; delta: number } | undefined;
  #pendingScroll: number | undefined;
  #expandedSeq: number | undefined;
  #activeSeq: number | undefined;
  #focusActive = false;
  #programmaticScroll = -1;
  /** Where the panel last scrolled the list itself (-1: never). */
  #lastSetTop = -1;
  #unannounced = 0;
  #unannouncedErrors = 0;
  #lastAnnounce = 0;
  #announceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Lowest `seq` given out; rows loaded from history get lower ones, so the buffer stays ordered by seq. */
  #minSeq = 1;
  /** Rows loaded from history that are still held. */
  #historyHeld = 0;
  /** Ids of those rows, so the live stream does not add them a second time. */
  #historyIds = new Set<string>();
  #historyAbort: AbortController | undefined;
  /** The last page's cursor, and the oldest held id it was asked after (to page on past duplicates). */
  #historyCursor: { after: string | undefined; cursor: string } | undefined;
  /** Values seen for the filter suggestions, per field. */
  protected readonly seenValues = new Map<string, Set<string>>();

  constructor() {
    super();
    this.src = undefined;
    this.client = undefined;
    this.limit = 10_000;
    this.timeZone = 'local';
    this.theme = 'auto';
    this.levels = [...PANEL_LEVELS];
    this.loggerFilter = '';
    this.search = '';
    this.searchMode = 'text';
    this.searchAction = 'filter';
    this.paused = false;
    this.follow = true;
    this.clearable = true;
    this.announceInterval = 2000;
    this.rowHeight = 20;
    this.detailHeight = 200;
    this.historySrc = undefined;
    this.historyFetch = undefined;
    this.historyPageSize = 100;
    this._connection = ConnectionState.Offline;
    this._history = { state: HistoryState.Idle, message: '' };
    this._revision = 0;
    this._announcement = '';
  }

  /** The log messages held, oldest first (not the ones buffered while paused). */
  get entries(): readonly M[] {
    const out: M[] = [];
    for (const row of this.#rows) if (row.kind === 'log') out.push(row.message);
    return out;
  }

  /** The log messages that pass the filters, oldest first (what an export contains). */
  get filteredEntries(): readonly M[] {
    const out: M[] = [];
    for (const row of this.#view) if (row.kind === 'log') out.push(row.message);
    return out;
  }

  /** Entries received while paused and not yet shown. */
  get bufferedCount(): number {
    return this.#bufferedLogs;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#bind();
    // Moved in the document: the shadow DOM is still there, only the observer needs renewing.
    if (this.hasUpdated) this.#observeViewport();
    // Whatever arrived but was not rendered before the panel was removed is shown now.
    if (this.#incoming.length > 0) this.#scheduleFlush();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unbindClient();
    this.#resizeObserver?.disconnect();
    this.#resizeObserver = undefined;
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#announceTimer);
    if (this.#flushFrame !== undefined) cancelAnimationFrame(this.#flushFrame);
    this.#flushTimer = undefined;
    this.#flushFrame = undefined;
    this.#announceTimer = undefined;
    this.#cancelHistory();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.isConnected && (changed.has('client') || changed.has('src') || changed.has('replay'))) this.#bind();
    // A string set from script (`panel.levels = 'ERROR,CRITICAL'`) is read like the attribute.
    if (changed.has('levels') && !Array.isArray(this.levels)) this.levels = levelsConverter.fromAttribute(typeof this.levels === 'string' ? this.levels : null);
    if (changed.has('search') || changed.has('searchMode')) this.#compileSearch();
    if (changed.has('historySrc') && changed.get('historySrc') !== undefined) {
      // Another source: its start of history is not the old one's.
      this.#cancelHistory();
      this.#historyCursor = undefined;
      this._history = { state: HistoryState.Idle, message: '' };
    }
    if (changed.has('limit') && this.#rows.length > this.#cap()) {
      this.#captureAnchor();
      this.#evict();
    }
    if (
      changed.has('levels') ||
      changed.has('loggerFilter') ||
      changed.has('search') ||
      changed.has('searchMode') ||
      changed.has('searchAction') ||
      this.filtersChanged(changed)
    ) {
      this.#captureAnchor();
      this.#refilter();
    }
    if (changed.has('paused') && changed.get('paused') !== undefined) {
      if (!this.paused && this.#pausedBuffer.length > 0) {
        this.#incoming.push(...this.#pausedBuffer);
        this.#pausedBuffer = [];
        this.#bufferedLogs = 0;
        this.#scheduleFlush();
      }
      this.dispatchEvent(new LogwirePauseChangeEvent(this.paused, this.bufferedCount));
    }
    if (changed.has('follow') && this.follow) {
      this.#unseen = 0;
      // Following was just turned on: where the list is now is not a user's scroll away from it.
      this.#lastSetTop = -1;
      // Back at the newest entries: the history allowance ends and the buffer returns to `limit`.
      this.#evict();
    }
    if (changed.has('follow') && changed.get('follow') !== undefined) this.dispatchEvent(new LogwireFollowChangeEvent(this.follow));
    this.#resolveAnchor();
  }

  /** True when one of the subclass's filter properties changed (the view is then recomputed). */
  protected filtersChanged(_changed: PropertyValues<this>): boolean {
    return false;
  }

  protected override firstUpdated(): void {
    this.#observeViewport();
  }

  #observeViewport(): void {
    const viewport = this.#viewport();
    if (viewport === null || this.#resizeObserver !== undefined) return;
    this.#resizeObserver = new ResizeObserver(() => {
      const height = viewport.clientHeight;
      if (height !== this.#viewportHeight) {
        this.#viewportHeight = height;
        this.requestUpdate();
      }
    });
    this.#resizeObserver.observe(viewport);
    this.#viewportHeight = viewport.clientHeight;
  }

  protected override updated(): void {
    const viewport = this.#viewport();
    if (viewport === null) return;
    let target = this.#pendingScroll;
    this.#pendingScroll = undefined;
    if (this.follow && !this.paused) {
      // From the model, not scrollHeight, so layout is not forced twice.
      const bottom = Math.max(0, this.#totalHeight() - (this.#viewportHeight || viewport.clientHeight));
      const current = viewport.scrollTop;
      // The user scrolled up after our last jump to the bottom and before the scroll event arrived
      // (at thousands of lines per second that is most scrolls): stop following instead of
      // snapping back.
      if (this.#lastSetTop >= 0 && current < this.#lastSetTop - 1 && current < bottom - 1) {
        this.#scrollTop = current;
        this.follow = false;
        return;
      }
      target = bottom;
    }
    if (target !== undefined && Math.abs(viewport.scrollTop - target) >= 1) {
      this.#programmaticScroll = target;
      viewport.scrollTop = target;
      this.#scrollTop = viewport.scrollTop;
    }
    if (this.follow && !this.paused) this.#lastSetTop = viewport.scrollTop;
    if (this.#focusActive) {
      this.#focusActive = false;
      const row = this.renderRoot.querySelector<HTMLElement>(`.row[data-seq="${this.#activeSeq}"]`);
      row?.focus({ preventScroll: true });
    }
  }

  // Turns the remembered anchor entry into the scroll position that keeps it where it was.
  #resolveAnchor(): void {
    if (this.#anchor === undefined) return;
    const index = this.#indexOfSeq(this.#anchor.seq);
    const max = Math.max(0, this.#totalHeight() - (this.#viewportHeight || 400));
    this.#scrollTop = Math.min(max, Math.max(0, this.#offsetOf(index) + this.#anchor.delta));
    this.#pendingScroll = this.#scrollTop;
    this.#anchor = undefined;
  }

  protected override render(): TemplateResult {
    const height = this.rowHeight;
    const total = this.#view.length;
    const viewportHeight = this.#viewportHeight || 400;
    const totalHeight = this.#totalHeight();
    const scrollTop = this.follow && !this.paused ? Math.max(0, totalHeight - viewportHeight) : Math.min(this.#scrollTop, Math.max(0, totalHeight - viewportHeight));
    const first = Math.max(0, this.#indexAt(scrollTop) - OVERSCAN);
    const count = Math.min(MAX_RENDERED_ROWS, Math.ceil(viewportHeight / height) + 2 * OVERSCAN + 1);
    const last = Math.min(total, first + count);
    const slice = this.#view.slice(first, last);
    const columns = this.columns.map((column) => column.width).join(' ');
    const buffered = this.bufferedCount;
    return html`
      <div class="base" part="base" style="--columns: ${columns}; --row-height: ${height}px; --detail-height: ${this.detailHeight}px" @keydown=${this.#onKeyDown}>
        <header part="header">
          <h2 part="title">${this.heading}</h2>
          <span class="count" part="count" title="shown / held">${this.#viewLogs} / ${this.#totalLogs}</span>
          ${this.paused && buffered > 0
            ? html`<button class="new" part="new-button" @click=${this.resume} aria-label=${`${buffered} new, resume`}>${buffered} new</button>`
            : !this.paused && !this.follow && this.#unseen > 0
              ? html`<button class="new" part="new-button" @click=${() => this.scrollToBottom()} aria-label=${`${this.#unseen} new below, jump to the newest`}>${this.#unseen} new ↓</button>`
              : nothing}
          <span class="state" part="state" data-state=${this._connection}>${STATE_LABELS[this._connection]}</span>
        </header>
        <div class="toolbar" part="toolbar" role="toolbar" aria-label="Filters and actions">
          <span class="levels" part="levels" role="group" aria-label="Levels">
            ${PANEL_LEVELS.filter((level) => level !== 'UNKNOWN' || this.#sawUnknown || !this.levels.includes('UNKNOWN')).map((level) => {
              const on = this.levels.includes(level);
              return html`<button class="level-toggle" part="level-toggle" data-level=${level} aria-pressed=${on ? 'true' : 'false'} @click=${() => this.#toggleLevel(level)}>${level}</button>`;
            })}
          </span>
          <input
            class="filter logger-filter"
            part="filter"
            type="text"
            list="logger-values"
            placeholder="Logger"
            aria-label="Logger filter"
            .value=${this.loggerFilter}
            @input=${(event: Event) => (this.loggerFilter = (event.target as HTMLInputElement).value)}
          />
          ${this.#datalist('logger-values', 'logger')} ${this.renderFieldFilters()}
          <input
            class="search"
            part="search"
            type="search"
            placeholder="Search ( / )"
            aria-label="Search all fields"
            aria-invalid=${this.#searchError ? 'true' : 'false'}
            .value=${this.search}
            @input=${(event: Event) => (this.search = (event.target as HTMLInputElement).value)}
          />
          <button class="regex" part="regex-toggle" aria-pressed=${this.searchMode === 'regex' ? 'true' : 'false'} title="Regular expression" @click=${() => (this.searchMode = this.searchMode === 'regex' ? 'text' : 'regex')}>.*</button>
          <button
            class="highlight"
            part="highlight-toggle"
            aria-pressed=${this.searchAction === 'highlight' ? 'true' : 'false'}
            title="Highlight matches instead of hiding the rest"
            @click=${() => (this.searchAction = this.searchAction === 'highlight' ? 'filter' : 'highlight')}
          >
            Highlight
          </button>
          <span class="spacer-flex"></span>
          <button class="pause" part="pause-button" aria-pressed=${this.paused ? 'true' : 'false'} @click=${() => (this.paused = !this.paused)}>${this.paused ? 'Resume' : 'Pause'}</button>
          <button class="follow" part="follow-button" aria-pressed=${this.follow ? 'true' : 'false'} @click=${() => this.#setFollow(!this.follow)}>Follow</button>
          ${this.clearable ? html`<button class="clear" part="clear-button" @click=${() => this.clear()}>Clear</button>` : nothing}
          <span class="export" part="export" role="group" aria-label="Export shown entries">
            ${Object.values(ExportFormat).map((format) => html`<button class="export-${format}" part="export-button" @click=${() => this.download(format)}>${format.toUpperCase()}</button>`)}
          </span>
        </div>
        <div class="columns" part="column-header" aria-hidden="true">${this.columns.map((column) => html`<span>${column.title}</span>`)}</div>
        ${this.#renderHistoryBar()}
        <div class="viewport" part="list" role="log" aria-live="off" aria-label=${this.heading} tabindex="0" @scroll=${this.#onScroll} @wheel=${this.#onWheel}>
          ${total === 0 ? html`<div class="empty" part="empty">${this.#totalLogs === 0 ? 'No logs yet' : 'No entries match the filters'}</div>` : nothing}
          <div class="sizer" style="height: ${totalHeight}px">
            <div class="rows" style="transform: translateY(${this.#offsetOf(first)}px)">${slice.map((row) => this.#renderRow(row))}</div>
          </div>
        </div>
        <div class="sr-only" part="announcer" role="status" aria-live="polite">${this._announcement}</div>
      </div>
    `;
  }

  #renderHistoryBar(): TemplateResult | typeof nothing {
    if (this.historySrc === undefined || this.historySrc === null || this.historySrc === '') return nothing;
    const { state, message } = this._history;
    const unavailable = state === HistoryState.Loading || state === HistoryState.End || state === HistoryState.Full;
    // aria-disabled rather than disabled, so a keyboard user's focus stays on the button.
    return html`<div class="history" part="history">
      <button class="load-older" part="history-button" aria-disabled=${unavailable ? 'true' : 'false'} @click=${() => {
        if (state !== HistoryState.End) void this.loadOlder();
      }}>
        ${state === HistoryState.Loading ? 'Loading…' : 'Load older'}
      </button>
      <span class="history-status" part="history-status" role="status" data-state=${state}>${message}</span>
    </div>`;
  }

  #renderRow(row: Row<M>): TemplateResult {
    const active = row.seq === this.#activeSeq;
    if (row.kind === 'gap') {
      return html`<div class="row gap ${active ? 'active' : ''}" part="gap" data-seq=${row.seq} tabindex=${active ? '0' : '-1'}>${this.gapText(row.gap)}</div>`;
    }
    const expanded = row.seq === this.#expandedSeq;
    return html`<div
        class="row ${active ? 'active' : ''}"
        part="row"
        role="button"
        data-seq=${row.seq}
        data-level=${row.level}
        tabindex=${active ? '0' : '-1'}
        aria-expanded=${expanded ? 'true' : 'false'}
        @click=${() => this.#toggleExpanded(row.seq)}
      >
        ${this.columns.map((column) => {
          const text = column.text(row.message, this);
          return html`<span class=${column.name} data-level=${column.name === 'level' ? row.level : nothing} title=${column.name === 'time' ? formatIso(row.message.data.timestamp, this.#zone()) : nothing}
            >${this.#highlight(visible(text.length > MAX_CELL_CHARS ? `${text.slice(0, MAX_CELL_CHARS)}…` : text))}</span
          >`;
        })}
      </div>
      ${expanded ? this.#renderDetail(row) : nothing}`;
  }

  #renderDetail(row: LogRow<M>): TemplateResult {
    return html`<div class="detail" part="detail">
      <button class="copy" part="copy-button" @click=${() => this.#copy(row)}>Copy JSON</button>
      ${this.#tree(this.detailFields(row.message))}
    </div>`;
  }

  /** What the detail view shows: every field of the entry (extra fields, metadata). */
  protected detailFields(message: M): Record<string, unknown> {
    return { ...message.data, ...(message.id === undefined ? {} : { id: message.id }) };
  }

  #tree(value: Record<string, unknown> | unknown[], depth = 0): TemplateResult {
    const entries = Array.isArray(value) ? value.map((item, index) => [String(index), item] as const) : Object.entries(value);
    return html`<ul role="list">
      ${entries.map(([key, item]) =>
        item !== null && typeof item === 'object' && depth < 8
          ? html`<li>
              <details open>
                <summary><span class="key">${visible(key)}</span> ${Array.isArray(item) ? `[${item.length}]` : `{${Object.keys(item).length}}`}</summary>
                ${this.#tree(item as Record<string, unknown>, depth + 1)}
              </details>
            </li>`
          : html`<li><span class="key">${visible(key)}</span>: <span class="value">${this.#highlight(visible(displayValue(item)))}</span></li>`,
      )}
    </ul>`;
  }

  /** The text of a gap marker. */
  protected gapText(gap: GapData): string {
    const count = typeof gap.count === 'number' ? `~${gap.count} messages missing` : 'Messages missing';
    return visible(`${count}, ${String(gap.reason)}`);
  }

  #highlight(text: string): string | (string | TemplateResult)[] {
    const matcher = this.#matcher;
    if (matcher === undefined) return text;
    const parts: (string | TemplateResult)[] = [];
    const pattern = matcher.pattern;
    pattern.lastIndex = 0;
    let last = 0;
    let found: RegExpExecArray | null;
    let guard = 0;
    while ((found = pattern.exec(text)) !== null && guard++ < 200) {
      if (found[0].length === 0) {
        pattern.lastIndex++;
        continue;
      }
      if (found.index > last) parts.push(text.slice(last, found.index));
      parts.push(html`<mark part="match">${found[0]}</mark>`);
      last = found.index + found[0].length;
    }
    if (parts.length === 0) return text;
    if (last < text.length) parts.push(text.slice(last));
    return parts;
  }

  #datalist(id: string, field: string): TemplateResult {
    const values = [...(this.seenValues.get(field) ?? [])].sort();
    return html`<datalist id=${id}>${values.map((value) => html`<option value=${value}></option>`)}</datalist>`;
  }

  /** Remembers a value for a filter's suggestions (at most 200 per field). */
  protected rememberValue(field: string, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    let set = this.seenValues.get(field);
    if (set === undefined) this.seenValues.set(field, (set = new Set()));
    if (set.size < 200) set.add(value);
  }

  /** Time cell text in the panel's time zone. */
  protected formatTime(timestamp: string): string {
    return formatTime(timestamp, this.#zone());
  }

  #zone(): 'local' | 'utc' {
    return this.timeZone === 'utc' ? 'utc' : 'local';
  }

  /** Removes every entry (and what is buffered while paused). */
  clear(): void {
    const removed = this.#totalLogs + this.bufferedCount;
    this.#rows = [];
    this.#view = [];
    this.#incoming = [];
    this.#pausedBuffer = [];
    this.#bufferedLogs = 0;
    this.#totalLogs = 0;
    this.#viewLogs = 0;
    this.#expandedSeq = undefined;
    this.#activeSeq = undefined;
    this.#scrollTop = 0;
    this.#historyHeld = 0;
    this.#historyIds.clear();
    this.#historyCursor = undefined;
    this.#cancelHistory();
    this._history = { state: HistoryState.Idle, message: '' };
    this._revision++;
    this.dispatchEvent(new LogwireClearEvent(removed));
  }

  /** Stops showing new entries; they are buffered until `resume()`. */
  pause(): void {
    this.paused = true;
  }

  /** Shows the entries buffered while paused and continues live. */
  resume(): void {
    this.paused = false;
  }

  /** Scrolls to the newest entry and follows again. */
  scrollToBottom(): void {
    this.#setFollow(true);
  }

  // ── history ───────────────────────────────────────────────────────────────────────────────

  /**
   * Loads the page of entries older than the oldest one held from `historySrc` and puts them above
   * the others. Resolves when done; never rejects (failures show in the panel and in the
   * `logwire-history` event). Does nothing without `historySrc` or while a load is under way.
   */
  async loadOlder(): Promise<void> {
    const base = this.historySrc;
    if (base === undefined || base === null || base === '' || this._history.state === HistoryState.Loading) return;
    // Entries received but not rendered yet may be the oldest held (e.g. the first replay).
    this.#flush();
    // Loads stop at 1.5 × limit, so live entries have limit / 2 of room before the cap of
    // 2 × limit (see #cap) evicts the oldest rows, which are the loaded ones.
    const limit = this.#limit();
    const room = Math.floor(1.5 * limit) - this.#rows.length;
    if (room <= 0) {
      this._history = { state: HistoryState.Full, message: `Holding ${this.#rows.length} entries (limit ${limit}): raise limit to load older ones.` };
      this.dispatchEvent(new LogwireHistoryEvent(0, HistoryState.Full, this._history.message));
      return;
    }
    const requested = Number.isFinite(this.historyPageSize) ? Math.floor(this.historyPageSize) : 100;
    const size = Math.min(Math.max(1, Math.min(MAX_HISTORY_PAGE, requested)), room);
    const oldest = this.#oldestLog();
    const bound = this.#historyBound(oldest);
    const route = this.messageType === 'audit_log' ? 'audit' : 'system';
    const url = historyUrl(base, route, size, bound, document.baseURI);
    if (url === undefined) {
      this._history = { state: HistoryState.Error, message: 'history-src is not a valid http(s) URL.' };
      this.dispatchEvent(new LogwireHistoryEvent(0, HistoryState.Error, this._history.message));
      return;
    }
    const controller = new AbortController();
    this.#historyAbort = controller;
    this._history = { state: HistoryState.Loading, message: 'Loading older entries…' };
    // The user is reading history from now on: the view stops moving, and live entries stop
    // evicting the oldest rows (the cap rises, see #cap) while the page is on its way.
    if (this.#view.length > 0 && this.follow) this.follow = false;
    const fetcher = this.historyFetch ?? ((input: string, init: RequestInit) => fetch(input, init));
    const result = await fetchHistory<M>(fetcher, url, this.messageType, controller.signal);
    // Cleared, moved, or pointed elsewhere meanwhile: this answer belongs to nothing shown.
    if (this.#historyAbort !== controller) return;
    this.#historyAbort = undefined;
    if (!result.ok) {
      this._history = { state: HistoryState.Error, message: result.message };
      this.dispatchEvent(new LogwireHistoryEvent(0, HistoryState.Error, result.message, result.status));
      return;
    }
    // At a high rate the entry the page was asked before can still be evicted meanwhile; the rows
    // between it and the page are then not held, and a marker says so.
    const evicted = oldest !== undefined && (this.#rows[0] === undefined || this.#rows[0].seq > oldest.seq);
    const [added, shown] = this.#prepend(result.messages, evicted);
    // With filters on, say how many of the loaded entries they let through.
    const loaded = `Loaded ${added} older ${added === 1 ? 'entry' : 'entries'}${shown < added ? `, ${shown} shown` : ''}.`;
    if (result.cursor === null) {
      this.#historyCursor = undefined;
      this._history = { state: HistoryState.End, message: added === 0 ? 'No older entries.' : `${loaded} No older entries.` };
    } else {
      this.#historyCursor = { after: this.#oldestLog()?.message.id, cursor: result.cursor };
      this._history = { state: HistoryState.Idle, message: loaded };
    }
    this.dispatchEvent(new LogwireHistoryEvent(added, this._history.state, this._history.message));
  }

  #cancelHistory(): void {
    this.#historyAbort?.abort();
    this.#historyAbort = undefined;
    if (this._history.state === HistoryState.Loading) this._history = { state: HistoryState.Idle, message: '' };
  }

  #oldestLog(): LogRow<M> | undefined {
    for (const row of this.#rows) if (row.kind === 'log') return row;
    return undefined;
  }

  // The stream id of the oldest entry held is the API's cursor: the page is strictly older. A
  // stream without ids (a legacy server) falls back to the entry's time, inclusive, and relies on
  // de-duplication for entries of that same millisecond.
  #historyBound(oldest: LogRow<M> | undefined): HistoryBound {
    if (oldest === undefined) return {};
    const id = oldest.message.id;
    if (id !== undefined) {
      const last = this.#historyCursor;
      return { cursor: last !== undefined && last.after === id ? last.cursor : id };
    }
    const time = Date.parse(oldest.message.data.timestamp);
    return Number.isFinite(time) ? { until: time } : {};
  }

  /** Puts older messages (oldest first) above the rows held, leaving out ones already held. Returns how many were added and how many of those pass the filters. */
  #prepend(messages: readonly M[], disjoint: boolean): [added: number, shown: number] {
    const ids = new Set<string>();
    let contents: Set<string> | undefined;
    const held = [this.#rows, this.#incoming, this.#pausedBuffer];
    for (const rows of held) for (const row of rows) if (row.kind === 'log' && row.message.id !== undefined) ids.add(row.message.id);
    const fresh: M[] = [];
    for (const message of messages) {
      if (message.id !== undefined) {
        if (ids.has(message.id)) continue;
        ids.add(message.id);
      } else {
        if (contents === undefined) {
          contents = new Set();
          for (const rows of held) for (const row of rows) if (row.kind === 'log' && row.message.id === undefined) contents.add(safeJson(row.message.data));
        }
        const key = safeJson(message.data);
        if (contents.has(key)) continue;
        contents.add(key);
      }
      fresh.push(message);
    }
    if (fresh.length === 0) return [0, 0];
    // The user is reading history now: keep the entry at the top of the viewport where it is.
    if (this.#view.length > 0 && this.follow) this.follow = false;
    this.#captureAnchor();
    let seq = this.#minSeq - fresh.length - (disjoint ? 1 : 0);
    this.#minSeq = seq;
    const rows: Row<M>[] = [];
    const shown: Row<M>[] = [];
    let shownLogs = 0;
    for (const message of fresh) {
      const row: LogRow<M> = { kind: 'log', seq: seq++, message, level: levelOf(message.data.level), history: true };
      rows.push(row);
      this.#totalLogs++;
      this.#historyHeld++;
      if (message.id !== undefined) this.#historyIds.add(message.id);
      if (row.level === 'UNKNOWN') this.#sawUnknown = true;
      this.noteValues(message);
      if (this.#matches(row)) {
        shown.push(row);
        shownLogs++;
      }
    }
    this.#viewLogs += shownLogs;
    if (disjoint) {
      const gap: GapRow = { kind: 'gap', seq: seq++, gap: { from: fresh[fresh.length - 1]!.id ?? null, to: null, reason: 'limit' } };
      rows.push(gap);
      shown.push(gap);
    }
    this.#rows = [...rows, ...this.#rows];
    this.#view = [...shown, ...this.#view];
    this._revision++;
    return [fresh.length, shownLogs];
  }

  /** The entries that pass the filters, with gap markers, as `json`, `ndjson` or `csv` text. */
  exportAs(format: 'json' | 'ndjson' | 'csv'): string {
    this.#flush();
    const rows = this.#view;
    if (format === 'csv') {
      const columns = this.csvColumns();
      return toCsv(
        ['type', ...columns.map(([name]) => name)],
        rows.map((row) =>
          row.kind === 'gap'
            ? ['gap', ...columns.map(([name]) => (name === 'message' ? this.gapText(row.gap) : ''))]
            : [row.message.type, ...columns.map(([, value]) => value(row.message))],
        ),
      );
    }
    const items = rows.map((row) => (row.kind === 'gap' ? { type: 'gap', data: row.gap } : row.message));
    if (format === 'ndjson') return items.map((item) => `${safeJson(item)}\n`).join('');
    return `${safeJson(items, 2)}\n`;
  }

  /** Exports the filtered view and downloads it as a file, unless a `logwire-export` listener cancels. */
  download(format: 'json' | 'ndjson' | 'csv'): void {
    const content = this.exportAs(format);
    const event = new LogwireExportEvent(format, content, this.#viewLogs);
    if (!this.dispatchEvent(event)) return;
    const type = format === 'csv' ? 'text/csv' : format === 'ndjson' ? 'application/x-ndjson' : 'application/json';
    const url = URL.createObjectURL(new Blob([content], { type }));
    const link = document.createElement('a');
    link.href = url;
    link.download = `${this.messageType.replace('_', '-')}s-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  // ── ingest ────────────────────────────────────────────────────────────────────────────────

  #bind(): void {
    const target = this.client ?? this.#ownClientFor(this.src);
    if (target === this.#bound) return;
    this.#unbindClient();
    if (target === undefined) return;
    this.#bound = target;
    this._connection = target.state;
    this.#unbind = [
      target.on('message', (message) => {
        if (message.type !== this.messageType) return;
        // Already shown, loaded from history before the stream delivered it.
        if (message.id !== undefined && this.#historyIds.has(message.id)) return;
        this.#receive({ kind: 'log', seq: this.#nextSeq++, message: message as M, level: levelOf(message.data.level) });
      }),
      target.on('gap', (gap) => this.#receive({ kind: 'gap', seq: this.#nextSeq++, gap })),
      target.on('state', (state) => {
        this._connection = state;
      }),
    ];
  }

  #receive(row: Row<M>): void {
    if (this.paused) {
      this.#pausedBuffer.push(row);
      if (row.kind === 'log') {
        this.#bufferedLogs++;
        this.#scheduleFlush();
      }
      return;
    }
    this.#incoming.push(row);
    this.#scheduleFlush();
  }

  // Batches renders to one per frame (or per 100 ms when frames do not run, e.g. a hidden tab).
  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined) return;
    const run = (): void => {
      clearTimeout(this.#flushTimer);
      if (this.#flushFrame !== undefined) cancelAnimationFrame(this.#flushFrame);
      this.#flushTimer = undefined;
      this.#flushFrame = undefined;
      this.#flush();
    };
    this.#flushTimer = setTimeout(run, 100);
    this.#flushFrame = requestAnimationFrame(run);
  }

  #flush(): void {
    if (this.#incoming.length === 0) {
      if (this.paused) this._revision++;
      return;
    }
    this.#captureAnchor();
    const added = this.#incoming;
    this.#incoming = [];
    let errors = 0;
    let shown = 0;
    for (const row of added) {
      this.#rows.push(row);
      if (row.kind === 'log') {
        this.#totalLogs++;
        if (row.level === 'UNKNOWN') this.#sawUnknown = true;
        this.noteValues(row.message);
      }
      if (this.#matches(row)) {
        this.#view.push(row);
        if (row.kind === 'log') {
          this.#viewLogs++;
          shown++;
          if (!this.follow) this.#unseen++;
          if (row.level === 'ERROR' || row.level === 'CRITICAL') errors++;
        }
      }
    }
    this.#evict();
    this._revision++;
    this.#announce(shown, errors);
  }

  /** Records a message's filterable values for suggestions. */
  protected noteValues(message: M): void {
    this.rememberValue('logger', message.data.logger);
  }

  #limit(): number {
    return Number.isFinite(this.limit) && this.limit > 0 ? Math.floor(this.limit) : 10_000;
  }

  // While the user reads loaded history (not following, or paused), the buffer may grow to twice
  // `limit` so live entries do not evict the rows just loaded; otherwise it holds `limit`.
  #cap(): number {
    const limit = this.#limit();
    return (this.#historyHeld > 0 || this.#historyAbort !== undefined) && (!this.follow || this.paused) ? 2 * limit : limit;
  }

  #evict(): void {
    const excess = this.#rows.length - this.#cap();
    if (excess <= 0) return;
    const removed = this.#rows.splice(0, excess);
    const lastRemoved = removed[removed.length - 1]!.seq;
    for (const row of removed) {
      if (row.kind !== 'log') continue;
      this.#totalLogs--;
      if (row.history) {
        this.#historyHeld--;
        if (row.message.id !== undefined) this.#historyIds.delete(row.message.id);
      }
    }
    // The oldest entries are gone, so the start of history is no longer what the panel shows.
    if (this._history.state === HistoryState.End || this._history.state === HistoryState.Full) this._history = { state: HistoryState.Idle, message: '' };
    let cut = 0;
    while (cut < this.#view.length && this.#view[cut]!.seq <= lastRemoved) {
      if (this.#view[cut]!.kind === 'log') this.#viewLogs--;
      cut++;
    }
    if (cut > 0) this.#view.splice(0, cut);
  }

  #refilter(): void {
    const view: Row<M>[] = [];
    let logs = 0;
    for (const row of this.#rows) {
      if (!this.#matches(row)) continue;
      view.push(row);
      if (row.kind === 'log') logs++;
    }
    this.#view = view;
    this.#viewLogs = logs;
  }

  #matches(row: Row<M>): boolean {
    if (row.kind === 'gap') return true;
    if (!this.levels.includes(row.level)) return false;
    const logger = this.loggerFilter.trim().toLowerCase();
    if (logger !== '' && !displayValue(row.message.data.logger).toLowerCase().includes(logger)) return false;
    if (!this.matchesFieldFilters(row.message)) return false;
    if (this.#matcher !== undefined && this.searchAction === 'filter') {
      row.haystack ??= this.#haystack(row.message);
      if (!this.#matcher.test(row.haystack)) return false;
    }
    return true;
  }

  #haystack(message: M): string {
    return `${searchText(message.data)}\n${this.formatTime(message.data.timestamp).toLowerCase()}`;
  }

  /** Case-insensitive substring test on a field, for the subclasses' filters. */
  protected static fieldContains(value: unknown, filter: string): boolean {
    const needle = filter.trim().toLowerCase();
    return needle === '' || (typeof value === 'string' && value.toLowerCase().includes(needle));
  }

  #compileSearch(): void {
    this.#searchError = false;
    const query = this.search ?? '';
    if (query === '') {
      this.#matcher = undefined;
      return;
    }
    if (this.searchMode === 'regex') {
      try {
        // Multiline, so ^ and $ anchor at each field of the entry.
        const test = new RegExp(query, 'im');
        this.#matcher = { test: (text) => test.test(text), pattern: new RegExp(query, 'gim') };
      } catch {
        // An unfinished expression while typing: flag the input and keep showing everything.
        this.#searchError = true;
        this.#matcher = undefined;
      }
      return;
    }
    const needle = query.toLowerCase();
    this.#matcher = { test: (text) => text.includes(needle), pattern: new RegExp(escapeRegExp(query), 'gi') };
  }

  // ── announcements ─────────────────────────────────────────────────────────────────────────

  // Screen readers hear at most one summary per `announceInterval`, not every row.
  #announce(shown: number, errors: number): void {
    this.#unannounced += shown;
    this.#unannouncedErrors += errors;
    if (this.#unannounced === 0 || this.#announceTimer !== undefined) return;
    const wait = Math.max(0, this.#lastAnnounce + this.announceInterval - performance.now());
    this.#announceTimer = setTimeout(() => {
      this.#announceTimer = undefined;
      this.#lastAnnounce = performance.now();
      const count = this.#unannounced;
      const errorCount = this.#unannouncedErrors;
      this.#unannounced = 0;
      this.#unannouncedErrors = 0;
      if (count === 0) return;
      this._announcement = `${count} new ${count === 1 ? 'entry' : 'entries'}${errorCount > 0 ? `, ${errorCount} ${errorCount === 1 ? 'error' : 'errors'}` : ''}`;
    }, wait);
  }

  // ── virtual list geometry ─────────────────────────────────────────────────────────────────
  // Written here rather than with @lit-labs/virtualizer: under constant appends plus FIFO eviction
  // at the top, that virtualizer has leaked ResizeObservers, overlapped rows and drifted the
  // viewport (Clever Cloud's cc-logs hit each of these and moved away from it). Rows here have one
  // fixed height (plus one expanded detail), so the geometry is arithmetic and the view can be
  // anchored to an entry's sequence number, which eviction never changes.

  #viewport(): HTMLElement | null {
    return this.renderRoot.querySelector<HTMLElement>('.viewport');
  }

  #expandedIndex(): number {
    if (this.#expandedSeq === undefined) return -1;
    const index = this.#indexOfSeq(this.#expandedSeq);
    return this.#view[index]?.seq === this.#expandedSeq ? index : -1;
  }

  #totalHeight(): number {
    return this.#view.length * this.rowHeight + (this.#expandedIndex() >= 0 ? this.detailHeight : 0);
  }

  #offsetOf(index: number): number {
    const expanded = this.#expandedIndex();
    return index * this.rowHeight + (expanded >= 0 && index > expanded ? this.detailHeight : 0);
  }

  #indexAt(offset: number): number {
    const height = this.rowHeight;
    const expanded = this.#expandedIndex();
    let index: number;
    if (expanded < 0 || offset < (expanded + 1) * height) index = Math.floor(offset / height);
    else if (offset < (expanded + 1) * height + this.detailHeight) index = expanded;
    else index = Math.floor((offset - this.detailHeight) / height);
    return Math.max(0, Math.min(index, this.#view.length - 1));
  }

  /** Index of the first row in the view with `seq` ≥ the given one (the view is ordered by seq). */
  #indexOfSeq(seq: number): number {
    let low = 0;
    let high = this.#view.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.#view[mid]!.seq < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  // Remembers which entry is at the top of the viewport so the view stays put when rows above it
  // are evicted or filtered (anchoring by entry, not by index).
  #captureAnchor(): void {
    if (this.follow && !this.paused) return;
    if (this.#anchor !== undefined || this.#view.length === 0) return;
    const index = this.#indexAt(this.#scrollTop);
    const row = this.#view[index];
    if (row === undefined) return;
    this.#anchor = { seq: row.seq, delta: this.#scrollTop - this.#offsetOf(index) };
  }

  #onScroll = (event: Event): void => {
    const viewport = event.currentTarget as HTMLElement;
    const top = viewport.scrollTop;
    const programmatic = Math.abs(top - this.#programmaticScroll) < 1;
    this.#programmaticScroll = -1;
    if (top === this.#scrollTop && programmatic) return;
    this.#scrollTop = top;
    if (!programmatic) {
      this.#lastSetTop = top;
      const atBottom = viewport.scrollHeight - top - viewport.clientHeight < Math.max(4, this.rowHeight / 2);
      if (atBottom !== this.follow) this.follow = atBottom;
    }
    this.requestUpdate();
  };

  // Scrolling up with a wheel or touchpad means "stop following", even before the scroll happens.
  #onWheel = {
    handleEvent: (event: WheelEvent): void => {
      if (event.deltaY < 0 && this.follow) this.follow = false;
    },
    passive: true,
  };

  #setFollow(follow: boolean): void {
    this.follow = follow;
    if (follow) this.paused = false;
  }

  #toggleLevel(level: string): void {
    this.levels = this.levels.includes(level) ? this.levels.filter((item) => item !== level) : [...this.levels, level];
  }

  #toggleExpanded(seq: number): void {
    this.#captureAnchor();
    this.#expandedSeq = this.#expandedSeq === seq ? undefined : seq;
    this.#activeSeq = seq;
    this._revision++;
  }

  async #copy(row: LogRow<M>): Promise<void> {
    const text = safeJson(row.message, 2);
    this.dispatchEvent(new LogwireCopyEvent(text));
    try {
      await navigator.clipboard?.writeText(text);
    } catch {
      // No clipboard permission (an insecure page, a test browser): the event still carries the text.
    }
  }

  // ── keyboard ──────────────────────────────────────────────────────────────────────────────

  #onKeyDown = (event: KeyboardEvent): void => {
    const target = event.composedPath()[0] as HTMLElement | undefined;
    const tag = target?.tagName ?? '';
    const typing = tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT';
    if (typing) {
      if (event.key === 'Escape' && target !== undefined) this.#viewport()?.focus();
      return;
    }
    if (event.key === '/') {
      event.preventDefault();
      this.renderRoot.querySelector<HTMLInputElement>('.search')?.focus();
      return;
    }
    const inList = target?.closest?.('.viewport') != null;
    if (event.key === ' ' && tag !== 'BUTTON' && tag !== 'SUMMARY') {
      event.preventDefault();
      this.paused = !this.paused;
      return;
    }
    if (!inList) return;
    const length = this.#view.length;
    if (length === 0) return;
    const current = this.#activeSeq === undefined ? -1 : this.#indexOfSeq(this.#activeSeq);
    const valid = current >= 0 && current < length && this.#view[current]!.seq === this.#activeSeq;
    const page = Math.max(1, Math.floor((this.#viewportHeight || 400) / this.rowHeight) - 1);
    let next: number;
    switch (event.key) {
      case 'ArrowDown':
        next = valid ? Math.min(length - 1, current + 1) : this.#indexAt(this.#scrollTop);
        break;
      case 'ArrowUp':
        next = valid ? Math.max(0, current - 1) : this.#indexAt(this.#scrollTop);
        break;
      case 'PageDown':
        next = valid ? Math.min(length - 1, current + page) : this.#indexAt(this.#scrollTop);
        break;
      case 'PageUp':
        next = valid ? Math.max(0, current - page) : this.#indexAt(this.#scrollTop);
        break;
      case 'Home':
        next = 0;
        break;
      case 'End':
        next = length - 1;
        break;
      case 'Enter':
        if (valid) this.#toggleExpanded(this.#activeSeq!);
        event.preventDefault();
        return;
      default:
        return;
    }
    event.preventDefault();
    this.#activate(next);
  };

  #activate(index: number): void {
    const row = this.#view[index];
    if (row === undefined) return;
    this.#activeSeq = row.seq;
    this.#focusActive = true;
    const last = index === this.#view.length - 1;
    if (last) {
      this.follow = true;
    } else {
      // Navigating into history stops following; keep the active row inside the viewport.
      this.follow = false;
      const top = this.#offsetOf(index);
      const height = this.#viewportHeight || 400;
      if (top < this.#scrollTop) this.#scrollTop = top;
      else if (top + this.rowHeight > this.#scrollTop + height) this.#scrollTop = top + this.rowHeight - height;
      this.#anchor = { seq: row.seq, delta: this.#scrollTop - top };
    }
    this._revision++;
  }

  #ownClientFor(src: string | undefined): LogStreamClient | undefined {
    if (src === undefined || src === null || src === '') return undefined;
    if (this.#ownClient === undefined || this.#ownClientSrc !== src || this.#ownClientReplay !== this.replay) {
      this.#ownClient?.close();
      this.#ownClientReplay = this.replay;
      try {
        this.#ownClient = new LogStreamClient(src, this.replay === undefined ? {} : { replay: this.replay });
      } catch {
        // A malformed URL: show the panel offline rather than throw from an attribute change.
        this.#ownClient = undefined;
        this.#ownClientSrc = undefined;
        return undefined;
      }
      this.#ownClientSrc = src;
    }
    return this.#ownClient;
  }

  #unbindClient(): void {
    for (const unbind of this.#unbind) unbind();
    this.#unbind = [];
    this.#bound = undefined;
    if (!this.isConnected) {
      this.#ownClient?.close();
      this.#ownClient = undefined;
      this.#ownClientSrc = undefined;
    }
  }
}
