import { html, LitElement, type CSSResultGroup, type PropertyValues, type TemplateResult } from 'lit';
import { ConnectionState, type LogStreamClient, type ReplayAttachment } from '@logwire/client';
import type { GapData, LogMessage } from '@logwire/protocol';
import { AnnouncerController } from './announcer-controller.js';
import { coerceLevels, levelsConverter, notFalseConverter } from './properties.js';
import { ClientBinding } from './client-binding.js';
import { LogwireClearEvent, LogwireExportEvent, LogwireFollowChangeEvent, LogwirePauseChangeEvent } from './events.js';
import { type CsvColumn, downloadText, exportRows } from './export.js';
import { type FieldFilter, LoggerFilter, passesFilters, Suggestions } from './filters.js';
import { FlushScheduler } from './flush-scheduler.js';
import { renderRange } from './fixed-row-geometry.js';
import { FollowController } from './follow-controller.js';
import { formatTime } from './format.js';
import { HistoryLoader } from './history-loader.js';
import type { HistoryFetch } from './history.js';
import type { PanelExtras } from './panel-extras.js';
import { EntryLinks, linkStyles } from './entry-link.js';
import { KeyboardController } from './keyboard-controller.js';
import { PANEL_LEVELS } from './levels.js';
import { panelStyles } from './log-panel-base.styles.js';
import { type GapRow, type LogRow, RowStore } from './row-store.js';
import { copyEntry, gapRowText, type PanelColumn, renderList } from './row-templates.js';
import { SelectionController } from './selection-controller.js';
import { renderHistoryBar, renderNewButton, renderState, renderToolbar, type ToolbarContext } from './toolbar-templates.js';
import { type CompiledSearch, compileSearch } from './search.js';
import { searchText, visible } from './text.js';

export { PANEL_LEVELS, type PanelLevel } from './levels.js';
export { SearchAction, SearchMode } from './search.js';
export { ExportFormat } from './export.js';
export { Theme } from './properties.js';
export type { PanelColumn } from './row-templates.js';

/** The logger filter every panel has, rendered like the panels' own field filters. */
const LOGGER_FILTER: FieldFilter = { field: 'logger', label: 'Logger', property: 'loggerFilter' };
/** The properties that change which rows are shown (besides the panels' field filters). */
const FILTER_PROPERTIES = ['levels', 'loggerFilter', 'search', 'searchMode', 'searchAction'];
const MAX_RENDERED_ROWS = 300;
const OVERSCAN = 8;

/**
 * Behaviour shared by the system and audit panels: binding to a client (given, or made from
 * `src`), a bounded buffer of one message type with inline gap markers, a virtualised list,
 * filters and search, pause and follow, export, keyboard navigation and announcements. Subclasses
 * add the columns, their field filters and the tag. Each behaviour has a module of its own (see
 * the imports); this class holds the properties, wires the modules together and renders.
 *
 * @fires logwire-follow-change - Following the newest entry turned on or off ({@link LogwireFollowChangeEvent}).
 * @fires logwire-pause-change - The panel was paused or resumed ({@link LogwirePauseChangeEvent}).
 * @fires logwire-clear - The entries were cleared ({@link LogwireClearEvent}).
 * @fires logwire-export - An export is about to download; cancelable ({@link LogwireExportEvent}).
 * @fires logwire-copy - An entry was copied as JSON ({@link LogwireCopyEvent}).
 * @fires logwire-history - A "Load older" finished: entries added, start of history reached, or an error ({@link LogwireHistoryEvent}).
 *
 * @csspart base - The wrapper of everything inside the panel.
 * @csspart header - The title bar.
 * @csspart title - The panel title.
 * @csspart count - The count of entries shown / held.
 * @csspart new-button - The "N new" button shown while paused.
 * @csspart state - The connection state pill.
 * @csspart toolbar - The filters and actions bar.
 * @csspart levels - The group of level toggles.
 * @csspart level-toggle - One level toggle button.
 * @csspart filter - A filter input (logger, and the panel's own fields: module or action).
 * @csspart search - The search input.
 * @csspart regex-toggle - The regular-expression toggle.
 * @csspart highlight-toggle - The highlight-instead-of-filter toggle.
 * @csspart pause-button - The pause / resume button.
 * @csspart follow-button - The follow toggle.
 * @csspart clear-button - The clear button.
 * @csspart export - The group of export buttons.
 * @csspart export-button - One export button (JSON, NDJSON, CSV).
 * @csspart column-header - The row of column titles.
 * @csspart history - The bar above the list with the "Load older" button (only with `history-src`).
 * @csspart history-button - The "Load older" button.
 * @csspart history-status - The history load's status: loading, loaded, no older entries, or the error.
 * @csspart list - The scrolling list (`role="log"`).
 * @csspart row - One log entry.
 * @csspart gap - An inline marker for missing messages.
 * @csspart match - A search match inside a cell.
 * @csspart detail - The expanded view of one entry.
 * @csspart copy-button - The copy button in the expanded view.
 * @csspart empty - The message shown while no entry is shown.
 * @csspart announcer - The visually hidden live region for screen readers.
 *
 * @cssprop --logwire-font - Font of the panel.
 * @cssprop --logwire-color - Text colour.
 * @cssprop --logwire-background - Background colour.
 * @cssprop --logwire-border-color - Border and separator colour.
 * @cssprop --logwire-header-background - Background of the title bar, toolbar and detail view.
 * @cssprop --logwire-muted-color - Colour of secondary text (time, module, debug levels).
 * @cssprop --logwire-warning-color - Colour of WARNING levels.
 * @cssprop --logwire-error-color - Colour of ERROR and CRITICAL levels.
 * @cssprop --logwire-accent-color - Focus rings, pressed toggles, the "N new" button.
 * @cssprop --logwire-live-background - Background of the state pill when live.
 * @cssprop --logwire-live-color - Text of the state pill when live.
 * @cssprop --logwire-offline-background - Background of the state pill when offline.
 * @cssprop --logwire-offline-color - Text of the state pill when offline.
 * @cssprop --logwire-pending-background - Background of the state pill while connecting or catching up.
 * @cssprop --logwire-pending-color - Text of the state pill while connecting or catching up.
 * @cssprop --logwire-match-background - Background of search matches.
 * @cssprop --logwire-match-color - Text of search matches.
 * @cssprop --logwire-row-hover-background - Background of the row under the pointer.
 * @cssprop --logwire-row-active-background - Background of the focused or expanded row.
 * @cssprop --logwire-gap-background - Background of gap markers.
 * @cssprop --logwire-gap-color - Text of gap markers.
 * @cssprop --logwire-control-background - Background of inputs and buttons.
 * @cssprop --logwire-radius - Corner radius of the panel.
 */
export abstract class LogPanelBase<M extends LogMessage> extends LitElement {
  static override styles: CSSResultGroup = [panelStyles, linkStyles];

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
    _revision: { state: true },
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
  /** Most entries held (gap markers included); the oldest go first. Also bounds what is buffered while paused. */
  declare limit: number;
  /** Show times in `local` time or `utc`. */
  declare timeZone: 'local' | 'utc';
  /** `auto` (follows `prefers-color-scheme`), `light` or `dark`. */
  declare theme: 'auto' | 'light' | 'dark';
  /** Levels shown (attribute: comma-separated, e.g. `levels="WARNING,ERROR,CRITICAL"`); `UNKNOWN` covers levels outside the six. */
  declare levels: readonly string[];
  /**
   * Shows only entries whose logger matches these patterns (space- or comma-separated; `*` any run of
   * characters, `?` one, case-sensitive; `!` excludes). A term without `*` or `?` matches anywhere in
   * the name: `db` is read as `*db*`.
   */
  declare loggerFilter: string;
  /** Search text, matched against every field including metadata keys and values. */
  declare search: string;
  /** `text` (case-insensitive substring) or `regex` (case-insensitive regular expression). */
  declare searchMode: 'text' | 'regex';
  /** `filter` hides entries that do not match; `highlight` keeps them and marks the matches. */
  declare searchAction: 'filter' | 'highlight';
  /**
   * While paused, new entries are buffered and counted as "N new". The buffer holds at most `limit`
   * entries: beyond that the oldest buffered ones are dropped, and a gap marker says how many.
   */
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
  declare protected _revision: number;
  /** What a subclass adds (see PanelExtras). */ declare protected extras?: PanelExtras<M>;

  /** The message type this panel shows. */
  protected abstract readonly messageType: M['type'];
  /** Panel title. */
  protected abstract readonly heading: string;
  /** The columns, in order. */
  protected abstract readonly columns: readonly PanelColumn<M>[];
  /** Header names and values of one entry in CSV exports. */
  protected abstract csvColumns(): readonly CsvColumn<M>[];
  /** The panel's own field filters (module, action, …), rendered after the logger filter. */
  protected readonly fieldFilters: readonly FieldFilter[] = [];

  readonly #store = new RowStore<M>({
    matches: (row) => this.#matches(row),
    readingHistory: () => !this.follow || this.paused,
    loadingHistory: () => this.#history.loading,
    added: (message) => this.#noteValues(message),
    evicted: () => this.#history.evicted(),
  });
  readonly #follow = new FollowController(this, {
    geometry: () => this.#selection.geometry(),
    seqAt: (index) => this.#store.view[index]?.seq,
    indexOfSeq: (seq) => this.#store.indexOfSeq(seq),
  });
  readonly #announcer = new AnnouncerController(this, () => this.announceInterval);
  readonly #history: HistoryLoader<M> = new HistoryLoader<M>(this, {
    type: () => this.messageType,
    store: this.#store,
    flush: () => this.#flush(),
    prepend: (messages, disjoint) => this.#prepend(messages, disjoint),
  });
  readonly #links = new EntryLinks<M>(this, this.#store, this.#prepend.bind(this), () => this.messageType);
  readonly #binding = new ClientBinding(this, {
    message: (message) => {
      if (message.type !== this.messageType) return;
      this.#syncPause();
      if (this.#store.push(message as M)) this.#flusher.schedule();
    },
    gap: (gap) => {
      this.#syncPause();
      this.#store.pushGap(gap);
      if (!this.paused) this.#flusher.schedule();
    },
    state: (state) => {
      this._connection = state;
    },
  });
  readonly #selection: SelectionController<M> = new SelectionController<M>(this, this.#store, this.#follow);
  readonly #keyboard = new KeyboardController(this, {
    focusSearch: () => this.renderRoot.querySelector<HTMLInputElement>('.search')?.focus(),
    focusList: () => this.renderRoot.querySelector<HTMLElement>('.viewport')?.focus(),
    togglePause: () => (this.paused = !this.paused),
    move: (move) => this.#selection.move(move),
    toggleActive: () => this.#selection.toggleActive(),
  });
  readonly #flusher = new FlushScheduler(
    this,
    () => this.#flush(),
    () => this.#store.hasIncoming,
  );
  #search: CompiledSearch = { matcher: undefined, error: false };
  readonly #suggestions = new Suggestions();
  readonly #loggerFilter = new LoggerFilter();

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
    this._revision = 0;
  }

  /** The log messages held, oldest first (not the ones buffered while paused). */
  get entries(): readonly M[] {
    return this.#store.entries();
  }

  /** The log messages that pass the filters, oldest first (what an export contains). */
  get filteredEntries(): readonly M[] {
    return this.#store.filteredEntries();
  }

  /** Entries received while paused and not yet shown (at most `limit`). */
  get bufferedCount(): number {
    return this.#store.bufferedLogs;
  }

  /** Entries dropped while paused because more than `limit` arrived (0 when not paused). */
  get droppedWhilePaused(): number {
    return this.#store.droppedWhilePaused;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.isConnected && (changed.has('client') || changed.has('src') || changed.has('replay'))) this.#binding.bind();
    // A string set from script (`panel.levels = 'ERROR,CRITICAL'`) is read like the attribute.
    if (changed.has('levels') && !Array.isArray(this.levels)) this.levels = coerceLevels(this.levels);
    if (changed.has('search') || changed.has('searchMode')) this.#search = compileSearch(this.search, this.searchMode);
    // Another source: its start of history is not the old one's.
    if (changed.has('historySrc') && changed.get('historySrc') !== undefined) this.#history.reset();
    if (changed.has('limit')) {
      this.#store.limit = this.limit;
      if (this.#store.overCap()) {
        this.#follow.captureAnchor();
        this.#store.evict();
      }
    }
    const filters = [...FILTER_PROPERTIES, ...this.fieldFilters.map((filter) => filter.property)];
    if (filters.some((name) => (changed as Map<PropertyKey, unknown>).has(name))) {
      this.#follow.captureAnchor();
      this.#store.refilter();
    }
    if (changed.has('paused') && changed.get('paused') !== undefined) {
      this.#syncPause();
      this.dispatchEvent(new LogwirePauseChangeEvent(this.paused, this.bufferedCount));
    }
    if (changed.has('follow') && this.follow) {
      this.#follow.followed();
      // Back at the newest entries: the history allowance ends and the buffer returns to `limit`.
      this.#store.evict();
    }
    if (changed.has('follow') && changed.get('follow') !== undefined) this.dispatchEvent(new LogwireFollowChangeEvent(this.follow));
    this.#follow.resolveAnchor();
  }

  protected override render(): TemplateResult {
    const view = this.#store.view;
    const geometry = this.#selection.geometry();
    const [first, last] = renderRange(geometry, this.#follow.renderTop(), this.#follow.viewportHeight, OVERSCAN, MAX_RENDERED_ROWS);
    const columns = this.columns.map((column) => column.width).join(' ');
    const titles = this.columns.map((column) => html`<span>${column.title}</span>`);
    const style = `--columns: ${columns}; --row-height: ${this.rowHeight}px; --detail-height: ${this.detailHeight}px`;
    const total = this.#store.totalLogs;
    const rowContext = {
      panel: this,
      columns: this.columns,
      zone: this.timeZone === 'utc' ? ('utc' as const) : ('local' as const),
      matcher: this.#search.matcher,
      activeSeq: this.#selection.activeSeq,
      expandedSeq: this.#selection.expandedSeq,
      gapText: (row: GapRow) => gapRowText(row, (gap) => this.gapText(gap)),
      detailFields: (message: M) => this.detailFields(message),
      toggle: (seq: number) => this.#selection.toggle(seq),
      copy: (row: LogRow<M>) => void copyEntry(this, row.message),
      mark: (row: LogRow<M>) => this.extras?.mark(row.message) ?? this.#links.mark(row.message),
      link: this.#links.available ? (row: LogRow<M>) => void this.#links.copy(row.message) : undefined,
    };
    const list = renderList(this.heading, view, total, geometry, [first, last], this.#follow, rowContext);
    return html`
      <div class="base" part="base" style=${style} @keydown=${this.#keyboard.onKeyDown}>
        <header part="header">
          <h2 part="title">${this.heading}</h2>
          <span class="count" part="count" title="shown / held">${this.#store.viewLogs} / ${total}</span>
          ${renderNewButton(this, this.bufferedCount, this.droppedWhilePaused, this.#follow.unseen)} ${this.extras?.header()}
          ${this.#links.notice()} ${renderState(this._connection, this.#binding.unreachable)}
        </header>
        ${renderToolbar(this, this.#toolbarContext())}
        <div class="columns" part="column-header" aria-hidden="true">${titles}</div>
        ${renderHistoryBar(this.historySrc, this.#history.status, () => void this.loadOlder())} ${list}
        <div class="sr-only" part="announcer" role="status" aria-live="polite">${this.#announcer.text}</div>
      </div>
    `;
  }

  /** What the detail view shows: every field of the entry (extra fields, metadata). */
  protected detailFields(message: M): Record<string, unknown> {
    return { ...message.data, ...(message.id === undefined ? {} : { id: message.id }) };
  }

  /** The text of a gap marker. */
  protected gapText(gap: GapData): string {
    const count = typeof gap.count === 'number' ? `~${gap.count} messages missing` : 'Messages missing';
    return visible(`${count}, ${String(gap.reason)}`);
  }

  /** Time cell text in the panel's time zone. */
  protected formatTime(timestamp: string): string {
    return formatTime(timestamp, this.timeZone === 'utc' ? 'utc' : 'local');
  }

  /** Removes every entry (and what is buffered while paused). */
  clear(): void {
    const removed = this.#store.clear();
    this.#selection.clear();
    this.#follow.reset();
    this.#history.reset();
    this._revision++;
    this.dispatchEvent(new LogwireClearEvent(removed));
  }

  /** Stops showing new entries; they are buffered (up to `limit`) until `resume()`. */
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

  /**
   * Loads the page of entries older than the oldest one held from `historySrc` and puts them above
   * the others. Resolves when done; never rejects (failures show in the panel and in the
   * `logwire-history` event). Does nothing without `historySrc` or while a load is under way.
   */
  loadOlder(): Promise<void> {
    return this.#history.load();
  }

  /** The entries that pass the filters, with gap markers, as `json`, `ndjson` or `csv` text. */
  exportAs(format: 'json' | 'ndjson' | 'csv'): string {
    this.#flush();
    const gapText = (row: GapRow): string => gapRowText(row, (gap) => this.gapText(gap));
    return exportRows(this.#store.view, format, { csvColumns: this.csvColumns(), gapText });
  }

  /** Exports the filtered view and downloads it as a file, unless a `logwire-export` listener cancels. */
  download(format: 'json' | 'ndjson' | 'csv'): void {
    const content = this.exportAs(format);
    if (!this.dispatchEvent(new LogwireExportEvent(format, content, this.#store.viewLogs))) return;
    downloadText(content, format, `${this.messageType.replace('_', '-')}s`);
  }

  // The store follows `paused` as soon as anything arrives, so entries received between setting it
  // and the next render go where the user expects.
  #syncPause(): void {
    if (this.paused === this.#store.paused) return;
    if (this.paused) this.#store.pause();
    else if (this.#store.resume()) this.#flusher.schedule();
  }

  #flush(): void {
    this.#store.limit = this.limit; // set from script since the last update (e.g. right before loadOlder())
    if (!this.#store.hasIncoming) {
      if (this.paused) this._revision++;
      return;
    }
    this.#follow.captureAnchor();
    const { shown, errors } = this.#store.flush()!;
    if (!this.follow) this.#follow.unseen += shown;
    this._revision++;
    this.#announcer.announce(shown, errors);
  }

  #prepend(messages: readonly M[], disjoint: boolean): [added: number, shown: number] {
    const result = this.#store.prepend(messages, disjoint, () => {
      // The user is reading history now: keep the entry at the top of the viewport where it is.
      if (this.#store.view.length > 0 && this.follow) this.follow = false;
      this.#follow.captureAnchor();
    });
    if (result[0] > 0) this._revision++;
    return result;
  }

  #noteValues(message: M): void {
    this.extras?.added(message);
    const data = message.data as Record<string, unknown>;
    for (const { field } of [LOGGER_FILTER, ...this.fieldFilters]) this.#suggestions.remember(field, data[field]);
  }

  #toolbarContext(): ToolbarContext {
    return {
      sawUnknown: this.#store.sawUnknown,
      searchError: this.#search.error,
      filters: [LOGGER_FILTER, ...this.fieldFilters],
      suggestions: this.#suggestions,
      setFollow: (follow) => this.#setFollow(follow),
    };
  }

  #matches(row: LogRow<M>): boolean {
    if (!passesFilters(this, this.#loggerFilter, this.fieldFilters, row.level, row.message.data as Record<string, unknown>)) return false;
    const matcher = this.#search.matcher;
    if (matcher === undefined || this.searchAction !== 'filter') return true;
    row.haystack ??= `${searchText(row.message.data)}\n${this.formatTime(row.message.data.timestamp).toLowerCase()}`;
    return matcher.test(row.haystack);
  }

  #setFollow(follow: boolean): void {
    this.follow = follow;
    if (follow) this.paused = false;
  }
}
