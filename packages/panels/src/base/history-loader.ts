// "Load older": fetches the page of entries older than the oldest one held from the query API
// (`historySrc`), pages on with the API's cursor, and puts the page above the rows held. Loads stop
// at 1.5 × `limit`; the state and its message are shown in the history bar.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FieldConstraint, LogMessage } from '@logwire/protocol';
import { LogwireHistoryEvent } from './events.js';
import { fetchHistory, type HistoryBound, type HistoryFetch, historyUrl, HistoryState, MAX_HISTORY_PAGE } from './history.js';
import type { LogRow, RowStore } from './row-store.js';

/** The panel's properties the loader reads. */
export interface HistoryHost extends ReactiveControllerHost, EventTarget {
  readonly historySrc: string | undefined;
  readonly historyFetch: HistoryFetch | undefined;
  readonly historyPageSize: number;
  follow: boolean;
}

/** What else the loader needs of its panel, as callbacks (the panel's own fields stay private). */
export interface HistorySource<M extends LogMessage> {
  /** The message type the panel shows (`audit_log` loads from `<historySrc>/audit`, else `/system`). */
  type(): M['type'];
  readonly store: RowStore<M>;
  /** The panel's field filter, sent as the query API's `field.<path>` parameters. */
  fields?(): readonly FieldConstraint[];
  /** Moves what was received but not rendered into the rows. */
  flush(): void;
  /** Puts the page above the rows held, keeping the view where it is; returns [added, shown]. */
  prepend(messages: readonly M[], disjoint: boolean): [added: number, shown: number];
}

/** A history load's state and what the panel says about it. */
export interface HistoryStatus {
  state: HistoryState;
  message: string;
}

const IDLE: HistoryStatus = { state: HistoryState.Idle, message: '' };

/** "Load older" for one panel; see the module comment. */
export class HistoryLoader<M extends LogMessage> implements ReactiveController {
  readonly #host: HistoryHost;
  readonly #source: HistorySource<M>;
  #status: HistoryStatus = IDLE;
  #abort: AbortController | undefined;
  /** The last page's cursor, and the oldest held id it was asked after (to page on past duplicates). */
  #cursor: { after: string | undefined; cursor: string } | undefined;

  constructor(host: HistoryHost, source: HistorySource<M>) {
    this.#host = host;
    this.#source = source;
    host.addController(this);
  }

  /** Where loading stands, and the message shown. */
  get status(): HistoryStatus {
    return this.#status;
  }

  /** Whether a page is on its way. */
  get loading(): boolean {
    return this.#abort !== undefined;
  }

  hostDisconnected(): void {
    this.cancel();
  }

  /** Forgets where the last page ended (another source, or everything cleared). */
  reset(): void {
    this.cancel();
    this.#cursor = undefined;
    this.#set(IDLE);
  }

  /** Stops a load under way; its answer will be ignored. */
  cancel(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    if (this.#status.state === HistoryState.Loading) this.#set(IDLE);
  }

  /** The oldest rows were evicted, so the start of history is no longer what the panel shows. */
  evicted(): void {
    if (this.#status.state === HistoryState.End || this.#status.state === HistoryState.Full) this.#set(IDLE);
  }

  /** Loads the next older page; resolves when done, never rejects (see `LogPanelBase.loadOlder`). */
  async load(): Promise<void> {
    const source = this.#source;
    const store = source.store;
    const base = this.#host.historySrc;
    if (base === undefined || base === null || base === '' || this.#status.state === HistoryState.Loading) return;
    // Entries received but not rendered yet may be the oldest held (e.g. the first replay).
    source.flush();
    // Loads stop at 1.5 × limit, so live entries have limit / 2 of room before the cap of
    // 2 × limit (see RowStore.cap) evicts the oldest rows, which are the loaded ones.
    const limit = store.limit;
    const room = Math.floor(1.5 * limit) - store.rows.length;
    if (room <= 0) {
      const message = `Holding ${store.rows.length} entries (limit ${limit}): raise limit to load older ones.`;
      this.#finish({ state: HistoryState.Full, message }, 0);
      return;
    }
    const requested = Number.isFinite(this.#host.historyPageSize) ? Math.floor(this.#host.historyPageSize) : 100;
    const size = Math.min(Math.max(1, Math.min(MAX_HISTORY_PAGE, requested)), room);
    const oldest = store.oldestLog();
    const route = source.type() === 'audit_log' ? 'audit' : 'system';
    const url = historyUrl(base, route, size, this.#bound(oldest), document.baseURI, source.fields?.());
    if (url === undefined) {
      this.#finish({ state: HistoryState.Error, message: 'history-src is not a valid http(s) URL.' }, 0);
      return;
    }
    const controller = new AbortController();
    this.#abort = controller;
    this.#set({ state: HistoryState.Loading, message: 'Loading older entries…' });
    // The user is reading history from now on: the view stops moving, and live entries stop
    // evicting the oldest rows (the cap rises, see RowStore.cap) while the page is on its way.
    if (store.view.length > 0 && this.#host.follow) this.#host.follow = false;
    const fetcher = this.#host.historyFetch ?? ((input: string, init: RequestInit) => fetch(input, init));
    const result = await fetchHistory<M>(fetcher, url, source.type(), controller.signal);
    // Cleared, moved, or pointed elsewhere meanwhile: this answer belongs to nothing shown.
    if (this.#abort !== controller) return;
    this.#abort = undefined;
    if (!result.ok) {
      this.#finish({ state: HistoryState.Error, message: result.message }, 0, result.status);
      return;
    }
    // At a high rate the entry the page was asked before can still be evicted meanwhile; the rows
    // between it and the page are then not held, and a marker says so.
    const first = store.rows[0];
    const evicted = oldest !== undefined && (first === undefined || first.seq > oldest.seq);
    const [added, shown] = source.prepend(result.messages, evicted);
    // With filters on, say how many of the loaded entries they let through.
    const loaded = `Loaded ${added} older ${added === 1 ? 'entry' : 'entries'}${shown < added ? `, ${shown} shown` : ''}.`;
    if (result.cursor === null) {
      this.#cursor = undefined;
      this.#finish({ state: HistoryState.End, message: added === 0 ? 'No older entries.' : `${loaded} No older entries.` }, added);
    } else {
      this.#cursor = { after: store.oldestLog()?.message.id, cursor: result.cursor };
      this.#finish({ state: HistoryState.Idle, message: loaded }, added);
    }
  }

  // The stream id of the oldest entry held is the API's cursor: the page is strictly older. A
  // stream without ids (a legacy server) falls back to the entry's time, inclusive, and relies on
  // de-duplication for entries of that same millisecond.
  #bound(oldest: LogRow<M> | undefined): HistoryBound {
    if (oldest === undefined) return {};
    const id = oldest.message.id;
    if (id !== undefined) {
      const last = this.#cursor;
      return { cursor: last?.after === id ? last.cursor : id };
    }
    const time = Date.parse(oldest.message.data.timestamp);
    return Number.isFinite(time) ? { until: time } : {};
  }

  #finish(status: HistoryStatus, added: number, httpStatus?: number): void {
    this.#set(status);
    this.#host.dispatchEvent(new LogwireHistoryEvent(added, status.state, status.message, httpStatus));
  }

  #set(status: HistoryStatus): void {
    if (status.state === this.#status.state && status.message === this.#status.message) return;
    this.#status = status;
    this.#host.requestUpdate();
  }
}
