// The public properties of both panels, their attributes and defaults, and the parts and custom
// properties they style with. log-panel-base.ts holds the behaviour.
import { LitElement } from 'lit';
import { ConnectionState, type LogStreamClient, type ReplayAttachment } from '@logwire/client';
import type { HistoryFetch } from './history.js';
import { PANEL_LEVELS } from './levels.js';
import { columnsConverter, levelsConverter, notFalseConverter } from './properties.js';
import type { ValueFilter } from './value-filters.js';

/**
 * The properties shared by the system and audit panels (see {@link LogPanelBase} for what they do).
 *
 * @csspart base - The wrapper of everything inside the panel.
 * @csspart header - The title bar.
 * @csspart title - The panel title.
 * @csspart count - The count of entries shown / held.
 * @csspart new-button - The "N new" button shown while paused.
 * @csspart state - The connection state pill.
 * @csspart alerts - The banner of the server's active (pending and firing) alerts; only while there are some.
 * @csspart alert - One alert in the banner (`data-status` is `pending` or `firing`).
 * @csspart alert-ack - The button that acknowledges an alert.
 * @csspart alert-silence - The button that silences an alert's notifications for an hour.
 * @csspart toolbar - The filters and actions bar.
 * @csspart levels - The group of level toggles.
 * @csspart level-toggle - One level toggle button.
 * @csspart filter - A filter input (logger, and the panel's own fields: module or action).
 * @csspart field-filter - The field filter input (also part `filter`).
 * @csspart field-filter-error - Why the field filter's text is not applied (shown only then).
 * @csspart search - The search input.
 * @csspart regex-toggle - The regular-expression toggle.
 * @csspart highlight-toggle - The highlight-instead-of-filter toggle.
 * @csspart pause-button - The pause / resume button.
 * @csspart follow-button - The follow toggle.
 * @csspart clear-button - The clear button.
 * @csspart export - The group of export buttons.
 * @csspart export-button - One export button (JSON, NDJSON, CSV).
 * @csspart column-header - The row of column titles.
 * @csspart column-resizer - The separator at a column's edge: drag it, or focus it and use the arrow keys.
 * @csspart column-menu - The menu that shows or hides columns.
 * @csspart facets - The strip of field values with counts (with `facets`).
 * @csspart facet-value - One value of the facet strip (pressed while it filters).
 * @csspart value-filter - An active exact-value filter, with the button that removes it.
 * @csspart match-count - The number of search matches and the current one.
 * @csspart match-button - The previous and next match buttons.
 * @csspart stats - The stats strip (with `stats`): entries per second and per level.
 * @csspart wrap-toggle - The button that wraps messages onto as many lines as they need.
 * @csspart history - The bar above the list with the "Load older" button (only with `history-src`).
 * @csspart history-button - The "Load older" button.
 * @csspart history-status - The history load's status: loading, loaded, no older entries, or the error.
 * @csspart list - The scrolling list (`role="log"`).
 * @csspart row - One log entry.
 * @csspart gap - An inline marker for missing messages.
 * @csspart match - A search match inside a cell.
 * @csspart detail - The expanded view of one entry.
 * @csspart copy-button - The copy button in the expanded view.
 * @csspart context-button - The "Show in context" button in the expanded view.
 * @csspart value-filter-button - The buttons next to a value of the detail view that filter to it or exclude it.
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
 * @cssprop --logwire-current-match-color - Outline of the current search match's row.
 */
export abstract class LogPanelProperties extends LitElement {
  static override properties = {
    src: { type: String },
    client: { attribute: false },
    replay: { attribute: false },
    limit: { type: Number },
    timeZone: { attribute: 'time-zone' },
    theme: { reflect: true },
    levels: { converter: levelsConverter },
    loggerFilter: { attribute: 'logger-filter' },
    fieldFilter: { attribute: 'field-filter' },
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
    columns: { converter: columnsConverter },
    persistKey: { attribute: 'persist-key' },
    wrap: { type: Boolean, reflect: true },
    facets: { converter: columnsConverter },
    valueFilters: { attribute: false },
    stats: { type: Boolean, reflect: true },
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
  /**
   * Shows only entries whose fields pass these expressions, separated by spaces, all of which must
   * hold: `user_id=42 status_code>=500 method=GET,POST path=/api/* user_id !user_id` (the protocol's
   * field constraints, docs/protocol.md). With `src` they are also pushed to the server's
   * subscription (fewer bytes on the wire); "Load older" sends them to the query API. An invalid
   * expression is not applied and the toolbar says why.
   */
  declare fieldFilter: string;
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
  /** Height of one row (one line, with `wrap`) in px; rows are virtualised. */
  declare rowHeight: number;
  /**
   * Most height of an expanded entry's detail view in px (it sizes to its content up to this, and
   * never beyond the list's height; longer content scrolls inside it).
   */
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
  /**
   * The columns, in order (attribute: space- or comma-separated names). Built-in names: `time`,
   * `level`, `logger`, `message` and the panel's own (`module`, `site` / `action`, `metadata`); any
   * other name shows that field of the entry, by dotted path (`request.id`; in the audit panel
   * also into the metadata: `user_id`). Empty: the panel's default columns. The message always shows.
   */
  declare columns: readonly string[];
  /** Key under which column widths and hidden columns are kept in localStorage (not kept without it). */
  declare persistKey: string | undefined;
  /** Show whole messages on as many lines as they need (still virtualised). */
  declare wrap: boolean;
  /**
   * Fields whose most frequent values, with counts over the entries held, show in a strip above the
   * list (attribute: space- or comma-separated, e.g. `facets="level logger"`). Click a value to show
   * only it; Alt- or Ctrl-click to hide it.
   */
  declare facets: readonly string[];
  /** Exact-value filters (from the facet strip or the detail view): `{ field, value, exclude? }`. */
  declare valueFilters: readonly ValueFilter[];
  /** Show the stats strip (part `stats`): entries per second over the last minute and entries per level. */
  declare stats: boolean;
  declare protected _connection: ConnectionState;
  declare protected _revision: number;

  constructor() {
    super();
    this.src = undefined;
    this.client = undefined;
    this.limit = 10_000;
    this.timeZone = 'local';
    this.theme = 'auto';
    this.levels = [...PANEL_LEVELS];
    this.loggerFilter = '';
    this.fieldFilter = '';
    this.search = '';
    this.searchMode = 'text';
    this.searchAction = 'filter';
    this.paused = false;
    this.follow = true;
    this.clearable = true;
    this.announceInterval = 2000;
    this.rowHeight = 20;
    this.detailHeight = 1000;
    this.historySrc = undefined;
    this.historyFetch = undefined;
    this.historyPageSize = 100;
    this.columns = [];
    this.persistKey = undefined;
    this.wrap = false;
    this.facets = [];
    this.valueFilters = [];
    this.stats = false;
    this._connection = ConnectionState.Offline;
    this._revision = 0;
  }
}
