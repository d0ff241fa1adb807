// Links to one entry: "Copy link" in an entry's detail view copies the page URL with the entry's
// stream id (`<key>.entry`, see ./url-state.ts); a panel opened at such a URL (a fresh browser, a
// reload, after a server restart with persistence) loads that entry with the entries around it
// from the query API (`around=<id>&before=N&after=N`), puts them above the live rows, stops
// following and scrolls to it, marked (`data-mark="linked"`). When the server no longer keeps the
// entry the header says so. Needs `url-state` and `history-src`.
import { css, html, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { compareIds, type LogMessage, parseId } from '@logwire/protocol';
import { type HistoryFetch, toMessage } from './history.js';
import type { RowStore } from './row-store.js';
import { ENTRY_PARAM, UrlStateController } from './url-state.js';

/** Entries loaded on each side of a linked entry. */
export const LINK_CONTEXT = 50;

/** Fired when "Copy link" copied the URL of an entry. */
export class LogwireLinkEvent extends Event {
  static readonly eventName = 'logwire-link';
  /** The URL that opens the page at this entry. */
  readonly url: string;
  /** The entry's stream id. */
  readonly id: string;
  constructor(url: string, id: string) {
    super(LogwireLinkEvent.eventName, { bubbles: true, composed: true });
    this.url = url;
    this.id = id;
  }
}

declare global {
  interface HTMLElementEventMap {
    'logwire-link': LogwireLinkEvent;
  }
}

/** How a linked entry is shown. */
export const linkStyles = css`
  .row[data-mark='linked'] {
    outline: 2px solid var(--_accent);
    outline-offset: -2px;
  }
  .link-status {
    color: var(--_offline-fg);
    background: var(--_offline-bg);
    padding: 1px 8px;
    border-radius: 999px;
  }
`;

/** What links need of the panel. */
export interface LinkHost extends ReactiveControllerHost, HTMLElement {
  readonly historySrc: string | undefined;
  readonly historyFetch: HistoryFetch | undefined;
  readonly rowHeight: number;
  follow: boolean;
  readonly updateComplete: Promise<boolean>;
}

/** Puts entries above the rows held (the panel's own prepend, as for "Load older"). */
export type Prepend<M extends LogMessage> = (messages: readonly M[], disjoint: boolean) => [added: number, shown: number];

/** See the module comment. */
export class EntryLinks<M extends LogMessage> implements ReactiveController {
  readonly #host: LinkHost;
  readonly #type: () => M['type'];
  readonly #store: RowStore<M>;
  readonly #prepend: Prepend<M>;
  readonly #urlState: UrlStateController;
  /** The linked entry's id, once read from the URL. */
  #target: string | undefined;
  #notice = '';
  #opened = false;

  /** `store` and `prepend`: the panel's rows; `type`: the message type it shows. */
  constructor(host: LinkHost, store: RowStore<M>, prepend: Prepend<M>, type: () => M['type']) {
    this.#host = host;
    this.#type = type;
    this.#store = store;
    this.#prepend = prepend;
    // Registered first, so the URL's filters are applied before anything reads them.
    this.#urlState = new UrlStateController(host);
    host.addController(this);
  }

  /** Whether "Copy link" is offered: the panel keeps its state in the URL and can load history. */
  get available(): boolean {
    return this.#urlState.key !== undefined && typeof this.#host.historySrc === 'string' && this.#host.historySrc !== '';
  }

  /** The stream id of the linked entry being shown, if any. */
  get target(): string | undefined {
    return this.#target;
  }

  hostConnected(): void {
    if (this.#opened) return;
    const id = this.#urlState.read(ENTRY_PARAM);
    if (id === undefined || parseId(id) === undefined) return;
    this.#opened = true;
    this.#target = id;
    void this.#open(id);
  }

  /** `linked` for the linked entry (the row's `data-mark`). */
  mark(message: M): string | undefined {
    return message.id !== undefined && message.id === this.#target ? 'linked' : undefined;
  }

  /** What the header says about the link ('' when all is well). */
  notice(): TemplateResult | undefined {
    return this.#notice === '' ? undefined : html`<span class="link-status" part="link-status" role="status">${this.#notice}</span>`;
  }

  /** Copies the URL of `message` and fires `logwire-link`. */
  async copy(message: M): Promise<void> {
    if (message.id === undefined) return;
    const url = this.#urlState.urlWith(ENTRY_PARAM, message.id);
    if (url === undefined) return;
    this.#host.dispatchEvent(new LogwireLinkEvent(url, message.id));
    try {
      await navigator.clipboard?.writeText(url);
    } catch {
      // No clipboard permission: the event still carries the URL.
    }
  }

  async #open(id: string): Promise<void> {
    const host = this.#host;
    host.follow = false;
    const base = host.historySrc;
    if (typeof base !== 'string' || base === '') {
      this.#say('This link needs history-src to load the entry.');
      return;
    }
    const route = this.#type() === 'audit_log' ? 'audit' : 'system';
    let url: URL;
    try {
      url = new URL(`${base.replace(/\/+$/, '')}/${route}`, document.baseURI);
    } catch {
      this.#say('history-src is not a valid URL.');
      return;
    }
    url.searchParams.set('around', id);
    url.searchParams.set('before', String(LINK_CONTEXT));
    url.searchParams.set('after', String(LINK_CONTEXT));
    const fetcher = host.historyFetch ?? ((input: string, init: RequestInit) => fetch(input, init));
    let response: Response;
    let body: unknown;
    try {
      response = await fetcher(url.href, { method: 'GET', headers: { Accept: 'application/json' } });
      body = await response.json();
    } catch {
      this.#say(`Could not load the linked entry ${id}.`);
      return;
    }
    if (response.status === 404) {
      this.#say(`The linked entry ${id} is no longer kept.`);
      return;
    }
    const entries = (body as { entries?: unknown } | undefined)?.entries;
    if (!response.ok || !Array.isArray(entries)) {
      this.#say(`Could not load the linked entry ${id} (HTTP ${response.status}).`);
      return;
    }
    const messages = entries.flatMap((entry) => toMessage<M>(entry, this.#type()) ?? []);
    // Only what is older than the rows held goes above them; newer ones are held already (or missing, and marked so).
    const oldest = this.#store.oldestLog()?.message.id;
    const oldestId = oldest === undefined ? undefined : parseId(oldest);
    const older =
      oldestId === undefined ? messages : messages.filter((m) => m.id !== undefined && compareIds(parseId(m.id)!, oldestId) < 0);
    this.#prepend(older, older.length === messages.length);
    await host.updateComplete;
    this.#reveal(id);
  }

  /** Scrolls the linked row to the middle of the list. */
  #reveal(id: string): void {
    const index = this.#store.view.findIndex((row) => row.kind === 'log' && row.message.id === id);
    const list = this.#host.shadowRoot?.querySelector<HTMLElement>('[part="list"]');
    if (index < 0 || list === null || list === undefined) return;
    list.scrollTop = Math.max(0, index * this.#host.rowHeight - list.clientHeight / 2);
    list.dispatchEvent(new Event('scroll'));
  }

  #say(notice: string): void {
    this.#notice = notice;
    this.#host.requestUpdate();
  }
}
