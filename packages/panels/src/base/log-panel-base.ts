import { css, html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ConnectionState, LogStreamClient } from '@logwire/client';
import type { LogMessage } from '@logwire/protocol';
import { formatTime } from './format.js';

const STATE_LABELS: Record<ConnectionState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  'catching-up': 'Catching up',
  offline: 'Offline',
  closed: 'Closed',
};

/**
 * Behaviour shared by the system and audit panels: binding to a client (given, or made from
 * `src`), keeping a bounded list of entries of one message type, and the panel chrome. Subclasses
 * add the columns and the tag.
 */
export abstract class LogPanelBase<M extends LogMessage> extends LitElement {
  static override styles = css`
    :host {
      display: flex;
      flex-direction: column;
      min-height: 0;
      font: var(--logwire-font, 12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
      color: var(--logwire-color, #1f2430);
      background: var(--logwire-background, #ffffff);
      border: 1px solid var(--logwire-border-color, #d8dbe2);
      border-radius: var(--logwire-radius, 6px);
      overflow: hidden;
    }
    :host([hidden]) {
      display: none;
    }
    header {
      display: flex;
      align-items: center;
      gap: 8px;
      padding: 6px 10px;
      border-bottom: 1px solid var(--logwire-border-color, #d8dbe2);
      background: var(--logwire-header-background, #f5f6f8);
    }
    h2 {
      margin: 0;
      font-size: 13px;
      font-weight: 600;
    }
    .count {
      color: var(--logwire-muted-color, #6b7280);
    }
    .state {
      margin-left: auto;
      padding: 1px 8px;
      border-radius: 999px;
      background: var(--logwire-state-background, #e5e7eb);
    }
    .state[data-state='live'] {
      background: var(--logwire-live-background, #d1fae5);
      color: var(--logwire-live-color, #065f46);
    }
    .state[data-state='offline'],
    .state[data-state='closed'] {
      background: var(--logwire-offline-background, #fee2e2);
      color: var(--logwire-offline-color, #991b1b);
    }
    .list {
      flex: 1;
      overflow: auto;
      min-height: 0;
    }
    .row {
      display: grid;
      grid-template-columns: var(--columns);
      gap: 8px;
      padding: 1px 10px;
      white-space: nowrap;
    }
    .row > span {
      overflow: hidden;
      text-overflow: ellipsis;
    }
    .row.head {
      position: sticky;
      top: 0;
      font-weight: 600;
      background: var(--logwire-background, #ffffff);
      border-bottom: 1px solid var(--logwire-border-color, #d8dbe2);
    }
    .level[data-level='WARNING'] {
      color: var(--logwire-warning-color, #b45309);
    }
    .level[data-level='ERROR'],
    .level[data-level='CRITICAL'] {
      color: var(--logwire-error-color, #b91c1c);
      font-weight: 600;
    }
    .level[data-level='DEBUG'],
    .level[data-level='TRACE'] {
      color: var(--logwire-muted-color, #6b7280);
    }
    .empty {
      padding: 16px;
      color: var(--logwire-muted-color, #6b7280);
    }
  `;

  static override properties = {
    src: { type: String },
    client: { attribute: false },
    limit: { type: Number },
    timeZone: { attribute: 'time-zone' },
    _connection: { state: true },
    _revision: { state: true },
  };

  /** WebSocket URL of a log stream; the panel opens its own connection. Ignored when `client` is set. */
  declare src: string | undefined;
  /** A shared client (e.g. one for both panels); takes precedence over `src`. */
  declare client: LogStreamClient | undefined;
  /** Most entries kept; older ones are dropped first. */
  declare limit: number;
  /** Show times in `local` time or `utc`. */
  declare timeZone: 'local' | 'utc';
  declare protected _connection: ConnectionState;
  declare protected _revision: number;

  /** The message type this panel shows. */
  protected abstract readonly messageType: M['type'];
  /** Panel title. */
  protected abstract readonly heading: string;
  /** CSS grid template of the columns. */
  protected abstract readonly columns: string;
  /** Column titles. */
  protected abstract readonly columnTitles: readonly string[];
  /** The cells of one entry. */
  protected abstract renderCells(data: M['data']): TemplateResult;

  readonly #entries: M[] = [];
  #bound: LogStreamClient | undefined;
  #ownClient: LogStreamClient | undefined;
  #ownClientSrc: string | undefined;
  #unbind: (() => void)[] = [];
  #following = true;

  constructor() {
    super();
    this.src = undefined;
    this.client = undefined;
    this.limit = 1000;
    this.timeZone = 'local';
    this._connection = ConnectionState.Offline;
    this._revision = 0;
  }

  /** The entries currently held, oldest first. */
  get entries(): readonly M[] {
    return this.#entries;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.#bind();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#unbindClient();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (this.isConnected && (changed.has('client') || changed.has('src'))) this.#bind();
    const list = this.renderRoot.querySelector?.('.list');
    // Follow the newest entry only while the reader is at the bottom.
    this.#following = list == null || list.scrollHeight - list.scrollTop - list.clientHeight < 8;
  }

  protected override updated(): void {
    if (!this.#following) return;
    const list = this.renderRoot.querySelector('.list');
    if (list !== null) list.scrollTop = list.scrollHeight;
  }

  protected override render(): TemplateResult {
    const count = this.#entries.length;
    return html`
      <header part="header">
        <h2 part="title">${this.heading}</h2>
        <span class="count" part="count">${count} ${count === 1 ? 'entry' : 'entries'}</span>
        <span class="state" part="state" data-state=${this._connection}>${STATE_LABELS[this._connection]}</span>
      </header>
      <div class="list" part="list" role="log" aria-live="off" style="--columns: ${this.columns}">
        <div class="row head" part="column-header" role="row">${this.columnTitles.map((title) => html`<span role="columnheader">${title}</span>`)}</div>
        ${count === 0 ? html`<div class="empty" part="empty">No logs yet</div>` : nothing}
        ${this.#entries.map((entry) => html`<div class="row" part="row" role="row">${this.renderCells(entry.data)}</div>`)}
      </div>
    `;
  }

  /** Time cell text in the panel's time zone. */
  protected formatTime(timestamp: string): string {
    return formatTime(timestamp, this.timeZone === 'utc' ? 'utc' : 'local');
  }

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
        this.#entries.push(message as M);
        if (this.#entries.length > this.limit) this.#entries.splice(0, this.#entries.length - this.limit);
        this._revision++;
      }),
      target.on('state', (state) => {
        this._connection = state;
      }),
    ];
  }

  #ownClientFor(src: string | undefined): LogStreamClient | undefined {
    if (src === undefined || src === '') return undefined;
    if (this.#ownClient === undefined || this.#ownClientSrc !== src) {
      this.#ownClient?.close();
      this.#ownClient = new LogStreamClient(src);
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
