import { html, nothing, type CSSResultGroup, type PropertyValues, type TemplateResult } from 'lit';
import type { GapData, LogMessage } from '@logwire/protocol';
import { AnnouncerController } from './announcer-controller.js';
import { coerceLevels, coerceNames } from './properties.js';
import { ClientBinding } from './client-binding.js';
import { ColumnController } from './column-controller.js';
import { chooseColumns, type ColumnLayout, fieldText, MESSAGE, type PanelColumn } from './column-layout.js';
import { renderColumnHeader } from './column-templates.js';
import { LogwireClearEvent, LogwireExportEvent, LogwireFollowChangeEvent, LogwirePauseChangeEvent } from './events.js';
import { type CsvColumn, downloadText, exportRows } from './export.js';
import { FacetCounts } from './facet-counts.js';
import { FieldFilterController } from './field-filter-input.js';
import { renderFacets } from './facet-templates.js';
import { type FieldFilter, LoggerFilter, passesFilters, Suggestions } from './filters.js';
import { FlushScheduler } from './flush-scheduler.js';
import { indexAt, renderRange } from './fixed-row-geometry.js';
import { FollowController } from './follow-controller.js';
import { formatTime, zoneOf } from './format.js';
import { HistoryLoader } from './history-loader.js';
import type { PanelExtras } from './panel-extras.js';
import { EntryLinks, linkStyles } from './entry-link.js';
import { KeyboardController } from './keyboard-controller.js';
import { levelOf, PANEL_LEVELS } from './levels.js';
import { panelStyles } from './log-panel-base.styles.js';
import { LogPanelProperties } from './log-panel-properties.js';
import { RowMeasureController } from './row-measure-controller.js';
import { type GapRow, type LogRow, RowStore } from './row-store.js';
import { copyEntry, gapRowText, renderList, type RowContext } from './row-templates.js';
import { SearchNavigation } from './search-navigation.js';
import { SelectionController } from './selection-controller.js';
import { StatsController } from './stats-controller.js';
import { renderHistoryBar, renderNewButton, renderState, renderToolbar, type ToolbarContext } from './toolbar-templates.js';
import { type CompiledSearch, compileSearch } from './search.js';
import { searchText, visible } from './text.js';
import { chooseValue, passesValueFilters } from './value-filters.js';

export { PANEL_LEVELS, type PanelLevel } from './levels.js';
export { SearchAction, SearchMode } from './search.js';
export { ExportFormat } from './export.js';
export { Theme } from './properties.js';
export type { PanelColumn } from './column-layout.js';
export type { ValueFilter } from './value-filters.js';

/** The logger filter every panel has, rendered like the panels' own field filters. */
const LOGGER_FILTER: FieldFilter = { field: 'logger', label: 'Logger', property: 'loggerFilter' };
/** The properties that change which rows are shown (besides the panels' field filters). */
const FILTER_PROPERTIES = ['levels', 'loggerFilter', 'fieldFilter', 'search', 'searchMode', 'searchAction', 'valueFilters'];
const MAX_RENDERED_ROWS = 300;
const OVERSCAN = 8;

/**
 * Behaviour shared by the system and audit panels: binding to a client (given, or made from
 * `src`), a bounded buffer of one message type with inline gap markers, a virtualised list
 * (fixed-height rows, or wrapped messages with measured heights), columns, filters, facets and
 * search, pause and follow, export, keyboard navigation, stats and announcements. Subclasses add
 * the built-in columns, their field filters and the tag. Each behaviour has a module of its own
 * (see the imports); this class wires the modules together and renders. The properties are
 * declared in {@link LogPanelProperties}.
 *
 * @fires logwire-follow-change - Following the newest entry turned on or off ({@link LogwireFollowChangeEvent}).
 * @fires logwire-pause-change - The panel was paused or resumed ({@link LogwirePauseChangeEvent}).
 * @fires logwire-clear - The entries were cleared ({@link LogwireClearEvent}).
 * @fires logwire-export - An export is about to download; cancelable ({@link LogwireExportEvent}).
 * @fires logwire-copy - An entry was copied as JSON ({@link LogwireCopyEvent}).
 * @fires logwire-history - A "Load older" finished: entries added, start of history reached, or an error ({@link LogwireHistoryEvent}).
 */
export abstract class LogPanelBase<M extends LogMessage> extends LogPanelProperties {
  static override styles: CSSResultGroup = [panelStyles, linkStyles];

  /** What a subclass adds (see PanelExtras). */
  declare protected extras?: PanelExtras<M>;

  /** The message type this panel shows. */
  protected abstract readonly messageType: M['type'];
  /** Panel title. */
  protected abstract readonly heading: string;
  /** The built-in columns (`columns` chooses among them by name). */
  protected abstract readonly builtinColumns: readonly PanelColumn<M>[];
  /** The names of the columns shown when `columns` is empty. */
  protected abstract readonly defaultColumns: readonly string[];
  /** A field of the data in which field columns also look (the audit panel's `metadata`). */
  protected readonly fieldFallback: string | undefined = undefined;
  /** The panel's own field filters (module, action, …), rendered after the logger filter. */
  protected readonly fieldFilters: readonly FieldFilter[] = [];

  readonly #store = new RowStore<M>({
    matches: (row) => this.#matches(row),
    readingHistory: () => !this.follow || this.paused,
    loadingHistory: () => this.#history.loading,
    added: (message, row) => this.#noteValues(message, row),
    evicted: (removed) => {
      for (const row of removed) this.#facets.remove(row);
      this.#history.evicted();
    },
  });
  readonly #facets = new FacetCounts<M>((row, field) => this.#fieldText(row, field));
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
    fields: () => this.#fieldFilter.constraints,
  });
  readonly #links = new EntryLinks<M>(this, this.#store, this.#prepend.bind(this), () => this.messageType);
  readonly #binding = new ClientBinding(this, {
    message: (message) => {
      if (message.type !== this.messageType) return;
      this.#stats.note(levelOf(message.data.level));
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
  readonly #fieldFilter = new FieldFilterController(this, this.#binding, this.#history); // field-filter-input.ts
  readonly #measure: RowMeasureController<M> = new RowMeasureController<M>(this, {
    view: () => this.#store.view,
    indexOfSeq: (seq) => this.#store.indexOfSeq(seq),
    captureAnchor: () => this.#follow.captureAnchor(),
  });
  readonly #selection: SelectionController<M> = new SelectionController<M>(this, this.#store, this.#follow, () =>
    this.#measure.shape(
      (this.#layout ??= this.#columnsController.layout(this.#chosenColumns())),
      this.#columnsController.width || this.clientWidth,
    ),
  );
  readonly #columnsController = new ColumnController(this);
  readonly #navigation = new SearchNavigation<M>({
    view: () => this.#store.view,
    indexOfSeq: (seq) => this.#store.indexOfSeq(seq),
    hit: (row) => this.#hit(row),
    topIndex: () => indexAt(this.#selection.geometry(), this.#follow.scrollTop),
    reveal: (index, seq) => {
      this.follow = false;
      this.#selection.activate(seq);
      this.#follow.reveal(index, seq);
      this.requestUpdate();
    },
  });
  readonly #stats = new StatsController(this);
  readonly #keyboard = new KeyboardController(this, {
    focusSearch: () => this.renderRoot.querySelector<HTMLInputElement>('.search')?.focus(),
    focusList: () => this.renderRoot.querySelector<HTMLElement>('.viewport')?.focus(),
    togglePause: () => (this.paused = !this.paused),
    move: (move) => this.#selection.move(move),
    toggleActive: () => this.#selection.toggleActive(),
    findNext: (direction) => this.findNext(direction),
  });
  readonly #flusher = new FlushScheduler(
    this,
    () => this.#flush(),
    () => this.#store.hasIncoming,
  );
  #search: CompiledSearch = { matcher: undefined, error: false };
  /** Changes with every search (the key of the rows' cached `hit`). */
  #searchKey = 0;
  #layout: ColumnLayout<M> | undefined;
  readonly #suggestions = new Suggestions();
  readonly #loggerFilter = new LoggerFilter();

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
    if (changed.has('columns') && !Array.isArray(this.columns)) this.columns = coerceNames(this.columns);
    if (changed.has('facets') && !Array.isArray(this.facets)) this.facets = coerceNames(this.facets);
    if (!Array.isArray(this.valueFilters)) this.valueFilters = [];
    if (changed.has('facets')) this.#facets.setFields(this.facets, this.#store.rows);
    if (changed.has('search') || changed.has('searchMode')) {
      this.#search = compileSearch(this.search, this.searchMode);
      this.#searchKey++;
      this.#navigation.reset();
    }
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
    const chosen = this.#chosenColumns();
    const layout = (this.#layout = this.#columnsController.layout(chosen));
    const geometry = this.#selection.geometry();
    const [first, last] = renderRange(geometry, this.#follow.renderTop(), this.#follow.viewportHeight, OVERSCAN, MAX_RENDERED_ROWS);
    const room = Math.max(80, this.#follow.viewportHeight - this.rowHeight);
    const style = `--columns: ${layout.template}; --row-height: ${this.rowHeight}px; --detail-height: ${this.detailHeight}px; --detail-room: ${room}px`;
    const total = this.#store.totalLogs;
    const list = renderList(this.heading, view, total, geometry, [first, last], this.#follow, this.#rowContext(layout));
    return html`
      <div class="base" part="base" style=${style} @keydown=${this.#keyboard.onKeyDown}>
        <header part="header">
          <h2 part="title">${this.heading}</h2>
          <span class="count" part="count" title="shown / held">${this.#store.viewLogs} / ${total}</span>
          ${renderNewButton(this, this.bufferedCount, this.droppedWhilePaused, this.#follow.unseen)} ${this.extras?.header()}
          ${this.#links.notice()} ${renderState(this._connection, this.#binding.unreachable)}
        </header>
        ${this.#binding.alerts.render(zoneOf(this.timeZone))} ${renderToolbar(this, this.#toolbarContext())}
        ${this.stats ? this.#stats.render() : nothing}
        ${renderFacets({
          counts: this.#facets,
          filters: this.valueFilters,
          choose: (field, value, exclude) => this.#chooseValue(field, value, exclude),
          remove: (filter) => (this.valueFilters = this.valueFilters.filter((item) => item !== filter)),
        })}
        ${renderColumnHeader(layout, chosen, this.#columnsController)}
        ${renderHistoryBar(this.historySrc, this.#history.status, () => void this.loadOlder())} ${list}
        <div class="sr-only" part="announcer" role="status" aria-live="polite">${this.#announcer.text}</div>
      </div>
    `;
  }

  /** More buttons of an entry's detail view (subclasses add theirs; the base has Copy JSON and Show in context). */
  protected detailActions(_row: LogRow<M>): readonly TemplateResult[] {
    return [];
  }

  /** A mark at the start of an entry's message cell (none by default). */
  protected rowMark(_row: LogRow<M>): TemplateResult | typeof nothing {
    return nothing;
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
    return formatTime(timestamp, zoneOf(this.timeZone));
  }

  /** Removes every entry (and what is buffered while paused). */
  clear(): void {
    const removed = this.#store.clear();
    this.#facets.clear();
    this.#stats.reset();
    this.#navigation.reset();
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

  /**
   * The entries that pass the filters, with gap markers, as `json`, `ndjson` or `csv` text. CSV has
   * the chosen columns the user did not hide (also those collapsed for lack of width).
   */
  exportAs(format: 'json' | 'ndjson' | 'csv'): string {
    this.#flush();
    const gapText = (row: GapRow): string => gapRowText(row, (gap) => this.gapText(gap));
    const csvColumns: CsvColumn<M>[] = [];
    for (const column of this.#chosenColumns()) {
      if (column.name === MESSAGE || !this.#columnsController.hidden(column.name)) csvColumns.push(...column.csv);
    }
    return exportRows(this.#store.view, format, { csvColumns, gapText });
  }

  /** How many held entries have each value of a field counted by `facets` (empty for other fields). */
  facetCounts(field: string): ReadonlyMap<string, number> {
    return this.#facets.counts(field);
  }

  /**
   * Moves to the next (`1`) or previous (`-1`) entry matching the search, scrolls it into view and
   * marks it (`aria-current`). Returns false without a search or a match.
   */
  findNext(direction: 1 | -1 = 1): boolean {
    if (this.#search.matcher === undefined) return false;
    return this.#navigation.step(direction);
  }

  /**
   * Clears the filters (levels, logger and field filters, value filters; a filtering search turns
   * into highlighting) while keeping the entry where it is on screen, and makes it the active row.
   * Returns false when the entry is not shown.
   */
  showInContext(message: M): boolean {
    const row = this.#store.view.find((item) => item.kind === 'log' && item.message === message);
    if (row === undefined) return false;
    this.#showInContext(row.seq);
    return true;
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

  #noteValues(message: M, row: LogRow<M>): void {
    this.extras?.added(message);
    const data = message.data as Record<string, unknown>;
    for (const { field } of [LOGGER_FILTER, ...this.fieldFilters]) this.#suggestions.remember(field, data[field]);
    this.#facets.add(row);
  }

  #showInContext(seq: number): void {
    const index = this.#store.indexOfSeq(seq);
    if (this.#store.view[index]?.seq !== seq) return;
    this.#follow.hold(index, seq);
    this.#selection.activate(seq);
    this.levels = [...PANEL_LEVELS];
    this.loggerFilter = '';
    this.fieldFilter = '';
    for (const { property } of this.fieldFilters) (this as unknown as Record<string, unknown>)[property] = '';
    this.valueFilters = [];
    if (this.search !== '') this.searchAction = 'highlight';
  }

  #chooseValue(field: string, value: string, exclude: boolean): void {
    this.valueFilters = chooseValue(this.valueFilters, field, value, exclude);
  }

  #fieldText(row: LogRow<M>, field: string): string {
    return field === 'level' ? row.level : fieldText(row.message, field, this.fieldFallback);
  }

  #chosenColumns(): PanelColumn<M>[] {
    return chooseColumns(this.columns.length > 0 ? this.columns : this.defaultColumns, this.builtinColumns, this.fieldFallback);
  }

  #hit(row: LogRow<M>): boolean {
    const matcher = this.#search.matcher;
    if (matcher === undefined) return false;
    if (row.hitKey !== this.#searchKey) {
      row.hitKey = this.#searchKey;
      row.hit = matcher.test(this.#haystack(row));
    }
    return row.hit!;
  }

  #haystack(row: LogRow<M>): string {
    return (row.haystack ??= `${searchText(row.message.data)}\n${this.formatTime(row.message.data.timestamp).toLowerCase()}`);
  }

  #rowContext(layout: ColumnLayout<M>): RowContext<M> {
    return {
      columns: layout.shown,
      builtin: new Set(this.builtinColumns.map((column) => column.name)),
      zone: zoneOf(this.timeZone),
      matcher: this.#search.matcher,
      activeSeq: this.#selection.activeSeq,
      expandedSeq: this.#selection.expandedSeq,
      currentSeq: this.#navigation.current,
      wrap: this.wrap,
      gapText: (row) => gapRowText(row, (gap) => this.gapText(gap)),
      detailFields: (message) => this.detailFields(message),
      toggle: (seq) => this.#selection.toggle(seq),
      copy: (row) => void copyEntry(this, row.message),
      showInContext: (seq) => this.#showInContext(seq),
      chooseValue: (field, value, exclude) => this.#chooseValue(field, value, exclude),
      detailActions: (row) => this.detailActions(row),
      rowMark: (row) => this.rowMark(row),
      mark: (row) => this.extras?.mark(row.message) ?? this.#links.mark(row.message),
      link: this.#links.available ? (row) => void this.#links.copy(row.message) : undefined,
    };
  }

  #toolbarContext(): ToolbarContext {
    return {
      sawUnknown: this.#store.sawUnknown,
      searchError: this.#search.error,
      filters: [LOGGER_FILTER, ...this.fieldFilters],
      fieldFilter: this.#fieldFilter.render(),
      suggestions: this.#suggestions,
      setFollow: (follow) => this.#setFollow(follow),
      matches: this.#search.matcher === undefined ? undefined : this.#navigation.count(this.#searchKey),
      findNext: (direction) => void this.findNext(direction),
    };
  }

  #matches(row: LogRow<M>): boolean {
    if (!passesFilters(this, this.#loggerFilter, this.fieldFilters, row.level, row.message.data as Record<string, unknown>)) return false;
    if (!this.#fieldFilter.matches(row.message.data)) return false;
    if (!passesValueFilters(this.valueFilters, (field) => this.#fieldText(row, field))) return false;
    return this.#search.matcher === undefined || this.searchAction !== 'filter' || this.#hit(row);
  }

  #setFollow(follow: boolean): void {
    this.follow = follow;
    if (follow) this.paused = false;
  }
}
