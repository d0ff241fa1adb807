// The server's alerts as a client knows them: replaced by each `welcome` (which replays them all),
// then updated by each `alert` message. Bounded: a hostile server cannot grow it past MAX_ALERTS names.
import type { AlertInfo } from '@logwire/protocol';

export const MAX_ALERTS = 1000;

/** Alerts by name; calls `changed` after each change with the whole list and the alert that changed (none after a `welcome`). */
export class AlertBoard {
  #byName = new Map<string, AlertInfo>();
  readonly #changed: (alerts: AlertInfo[], changed?: AlertInfo) => void;
  /** Whether this connection may acknowledge and silence alerts (`welcome.alertActions`); `undefined`: not said. */
  may: boolean | undefined;

  constructor(changed: (alerts: AlertInfo[], changed?: AlertInfo) => void) {
    this.#changed = changed;
  }

  get list(): AlertInfo[] {
    return [...this.#byName.values()];
  }

  /**
   * Takes a `welcome`'s alerts and permission (or, with `replay`, what the leader tab relays, with
   * the alert that `changed`); nothing when the server sent none (it has no alerts).
   */
  welcome(alerts: AlertInfo[] | undefined, may?: boolean, changed?: AlertInfo): void {
    if (alerts === undefined) return;
    this.#byName = new Map(alerts.slice(0, MAX_ALERTS).map((alert) => [alert.name, alert]));
    this.may = may;
    this.#changed(this.list, changed);
  }

  update(alert: AlertInfo): void {
    if (this.#byName.size < MAX_ALERTS || this.#byName.has(alert.name)) this.#byName.set(alert.name, alert);
    this.#changed(this.list, alert);
  }
}
