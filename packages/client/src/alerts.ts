// The server's alerts as a client knows them: replaced by each `welcome` (which replays them all),
// then updated by each `alert` message. Bounded: a hostile server cannot grow it past MAX_ALERTS names.
import type { AlertInfo } from '@logwire/protocol';

export const MAX_ALERTS = 1000;

/** Alerts by name. */
export class AlertBoard {
  #byName = new Map<string, AlertInfo>();
  /** Whether this connection may acknowledge and silence alerts (`welcome.alertActions`); `undefined`: not said. */
  may: boolean | undefined;

  get list(): AlertInfo[] {
    return [...this.#byName.values()];
  }

  /** Takes a `welcome`'s alerts and permission; returns false when the server sent none (it has no alerts). */
  welcome(alerts: AlertInfo[] | undefined, may?: boolean): boolean {
    if (alerts === undefined) return false;
    this.#byName = new Map(alerts.slice(0, MAX_ALERTS).map((alert) => [alert.name, alert]));
    this.may = may;
    return true;
  }

  update(alert: AlertInfo): void {
    if (this.#byName.size < MAX_ALERTS || this.#byName.has(alert.name)) this.#byName.set(alert.name, alert);
  }
}
