// The active-alerts banner (`part="alerts"`): the server's pending and firing alerts, fed by the
// panel's client binding (replayed in each `welcome`, so it survives reconnects and reloads, then
// updated by `alert` messages), with Acknowledge and Silence buttons that send the `alert` message.
// The server decides who may act: when its `welcome` says this viewer may not (`alertActions: false`),
// the buttons are disabled with a note; a refusal (`forbidden`, or from a server that does not say)
// is shown in the banner. Shown only while an alert is active or a refusal is to be read.
import { css, html, nothing, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { ClientErrorCode, type LogStreamClient } from '@logwire/client';
import { AlertAction, type AlertInfo } from '@logwire/protocol';
import { formatTime } from './format.js';
import { displayValue, visible } from './text.js';

/** How long the Silence button silences an alert. */
export const SILENCE_MS = 60 * 60 * 1000;

const ACTIVE = new Set(['pending', 'firing']);

/** Why the buttons are disabled, when the server said this viewer may not act on alerts. */
export const NOT_PERMITTED = 'You may not acknowledge or silence alerts on this stream.';

/** The banner's state and template; see the module comment. */
export class AlertBanner {
  readonly #host: ReactiveControllerHost;
  #client: LogStreamClient | undefined;
  #alerts: AlertInfo[] = [];
  #unbind: (() => void)[] = [];
  /** An action was sent and neither its result nor a refusal came back yet. */
  #waiting = false;
  /** Why the last action did not happen (the server's refusal, or no connection). */
  #notice = '';

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
  }

  /** The alerts shown: pending and firing ones. */
  get active(): AlertInfo[] {
    return this.#alerts.filter((alert) => ACTIVE.has(alert.status));
  }

  /** Follows `client`'s alerts (or none). */
  bind(client: LogStreamClient | undefined): void {
    for (const unbind of this.#unbind) unbind();
    const shown = this.#alerts.length > 0 || this.#notice !== '';
    this.#client = client;
    this.#alerts = client?.alerts ?? [];
    this.#notice = '';
    this.#waiting = false;
    this.#unbind =
      client === undefined
        ? []
        : [
            client.on('alerts', (alerts) => {
              this.#alerts = alerts;
              this.#waiting = false;
              this.#host.requestUpdate();
            }),
            client.on('error', (error) => {
              if (!this.#waiting || error.code !== ClientErrorCode.Server) return;
              this.#waiting = false;
              this.#notice = error.message;
              this.#host.requestUpdate();
            }),
          ];
    // Only when the banner changes: binding happens on every connect and source change.
    if (shown || this.#alerts.length > 0) this.#host.requestUpdate();
  }

  /** Sends an acknowledge or silence (for {@link SILENCE_MS}) of the named alert. */
  act(name: string, action: AlertAction): void {
    const sent = this.#client?.alertAction(name, action, action === AlertAction.Silence ? SILENCE_MS : undefined) ?? false;
    this.#waiting = sent;
    this.#notice = sent ? '' : 'Not connected to the stream: try again when it is live.';
    this.#host.requestUpdate();
  }

  render(zone: 'local' | 'utc'): TemplateResult | typeof nothing {
    const active = this.active;
    if (active.length === 0 && this.#notice === '') return nothing;
    const denied = this.#client?.alertActions === false;
    return html`<section class="alerts" part="alerts" aria-label="Active alerts">
      <ul class="alert-list">
        ${active.map((alert) => this.#item(alert, zone, denied))}
      </ul>
      <p class="alert-notice" role="status">${this.#notice || (denied ? NOT_PERMITTED : '')}</p>
    </section>`;
  }

  #item(alert: AlertInfo, zone: 'local' | 'utc', denied: boolean): TemplateResult {
    const name = visible(alert.name);
    const silenced = alert.silencedUntil !== undefined && Date.parse(alert.silencedUntil) > Date.now();
    const since = alert.since === null ? '' : ` since ${formatTime(alert.since, zone)}`;
    return html`<li class="alert" part="alert" data-status=${alert.status}>
      <strong class="alert-name">${name}</strong>
      <span class="alert-status">${alert.status === 'firing' ? 'Firing' : 'Pending'}${since}</span>
      <span class="alert-condition">${visible(alert.condition)} (now ${alert.value})</span>
      ${
        alert.acknowledgedBy === undefined || alert.acknowledgedBy === null
          ? html`<button
              part="alert-ack"
              aria-label="Acknowledge ${name}"
              ?disabled=${denied}
              @click=${() => this.act(alert.name, AlertAction.Acknowledge)}
            >
              Acknowledge
            </button>`
          : html`<span class="alert-ack">Acknowledged by ${visible(displayValue(alert.acknowledgedBy))}</span>`
      }
      ${
        silenced
          ? html`<span class="alert-silenced">Silenced until ${formatTime(alert.silencedUntil!, zone)}</span>`
          : html`<button
              part="alert-silence"
              aria-label="Silence 1 hour: ${name}"
              ?disabled=${denied}
              @click=${() => this.act(alert.name, AlertAction.Silence)}
            >
              Silence 1 hour
            </button>`
      }
    </li>`;
  }
}

/** The banner's styles (part of the panels' styles). */
export const alertBannerStyles = css`
  .alerts {
    padding: 4px 10px;
    border-bottom: 1px solid var(--_border);
    background: var(--_offline-bg);
    color: var(--_offline-fg);
  }
  .alert-list {
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .alert {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 10px;
  }
  .alert[data-status='pending'] {
    color: var(--_pending-fg);
  }
  .alert-notice:empty {
    display: none;
  }
  .alert-notice {
    margin: 2px 0 0;
    font-weight: bold;
  }
`;
