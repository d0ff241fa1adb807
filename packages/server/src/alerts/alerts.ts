// `logwire.alerts`: alerts over the stream's records and the request metrics, with the states
// pending → firing → resolved, a `for` duration, a cooldown, notifiers, and audit events.
import type { AlertInfo } from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { StreamMessage } from '../hub/log-hub.js';
import { type AlertCondition, compileCondition, type ConditionState, type RequestWindowSource } from './conditions.js';
import { parseDuration } from './duration.js';
import type { AlertEvent, AlertNotifier } from './notifiers.js';

/** The definition of an alert, as `logwire.alerts.add` takes it. */
export interface AlertDefinition {
  /** Unique name (1–128 characters). */
  name: string;
  when: AlertCondition;
  /** How long the condition must hold before the alert fires (ms or `'2m'`). @default 0 */
  for?: string | number;
  /** After firing, the alert does not fire again until this long has passed (ms or `'10m'`). @default 0 */
  cooldown?: string | number;
  /** Told when the alert fires and when it resolves. */
  notify?: AlertNotifier | readonly AlertNotifier[];
}

/** States of an alert. */
export const AlertStatus = {
  /** The condition does not hold. */
  Inactive: 'inactive',
  /** The condition holds, for less than `for`. */
  Pending: 'pending',
  Firing: 'firing',
  /** It fired and the condition stopped holding. */
  Resolved: 'resolved',
} as const;
export type AlertStatus = (typeof AlertStatus)[keyof typeof AlertStatus];

/** What an alert is now, as `logwire.alerts.list()` and the `welcome` message show it (the protocol's `AlertInfo`). */
export interface AlertState extends AlertInfo {
  status: AlertStatus;
}

/** What the alerts need from their instance. */
export interface AlertHost {
  /** Records an audit event (`alert_fired`, `alert_resolved`, `alert_ack`, `alert_silence`). */
  audit(action: string, metadata: Record<string, unknown>): void;
  /** The request windows of the metrics, for latency conditions. */
  requests: RequestWindowSource;
  /** Records already held (the restored history after a restart), oldest first. */
  history(): readonly StreamMessage[];
  onError(error: unknown): void;
  /** Called after any alert changes status (for the stream's viewers). */
  changed?(alert: AlertState): void;
}

interface Alert {
  definition: AlertDefinition;
  condition: ConditionState;
  forMs: number;
  cooldownMs: number;
  notifiers: readonly AlertNotifier[];
  status: AlertStatus;
  since: number | undefined;
  value: number;
  lastFired: number | undefined;
  acknowledgedBy: unknown;
  silencedUntil: number | undefined;
}

/** How often alerts are evaluated, in ms. */
export const EVALUATE_EVERY_MS = 1000;

/** The alerts of one instance (`logwire.alerts`). */
export class AlertSet {
  readonly #host: AlertHost;
  readonly #alerts = new Map<string, Alert>();
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(host: AlertHost) {
    this.#host = host;
  }

  /**
   * Adds an alert. Its windows start from the records already held (after a restart with
   * persistence, the restored history), so a condition that held before the restart holds again
   * at the first evaluation. Throws `ERR_LOGWIRE_INVALID_OPTION` on an invalid definition or a
   * name already used.
   */
  add(definition: AlertDefinition): void {
    const name: unknown = definition?.name;
    if (typeof name !== 'string' || name.length === 0 || name.length > 128)
      throw new LogwireError(LogwireErrorCode.InvalidOption, 'alert name must be a string of 1 to 128 characters');
    if (this.#alerts.has(name)) throw new LogwireError(LogwireErrorCode.InvalidOption, `an alert named "${name}" exists already`);
    const now = Date.now();
    const condition = compileCondition(definition.when, this.#host.requests, now);
    const notify = definition.notify;
    const alert: Alert = {
      definition,
      condition,
      forMs: parseDuration(definition.for, 'for', 0),
      cooldownMs: parseDuration(definition.cooldown, 'cooldown', 0),
      notifiers: notify === undefined ? [] : typeof notify === 'function' ? [notify] : [...notify],
      status: AlertStatus.Inactive,
      since: undefined,
      value: 0,
      lastFired: undefined,
      acknowledgedBy: undefined,
      silencedUntil: undefined,
    };
    for (const message of this.#host.history()) condition.observe(message);
    this.#alerts.set(name, alert);
    this.#timer ??= setInterval(() => this.evaluate(), EVALUATE_EVERY_MS);
    this.#timer.unref?.();
  }

  /** Removes an alert; true if there was one. */
  remove(name: string): boolean {
    const removed = this.#alerts.delete(name);
    if (this.#alerts.size === 0) this.#stop();
    return removed;
  }

  /** Every alert's state. */
  list(): AlertState[] {
    return [...this.#alerts.values()].map(stateOf);
  }

  /** Feeds records (the hub's batches). */
  observe(batch: readonly StreamMessage[]): void {
    // Every batch comes here: without alerts, not even an iterator.
    if (this.#alerts.size === 0) return;
    for (const alert of this.#alerts.values()) {
      for (const message of batch) alert.condition.observe(message);
    }
  }

  /** Evaluates every alert now (runs every second on its own). */
  evaluate(now = Date.now()): void {
    for (const alert of this.#alerts.values()) {
      try {
        this.#step(alert, now);
      } catch (error) {
        this.#host.onError(error);
      }
    }
  }

  /**
   * Records that `user` acknowledged the alert `name` (an `alert_ack` audit event). False when
   * there is no such alert. Idempotent per identity: the same user acknowledging an alert they
   * already acknowledged since it last fired changes nothing and records nothing (a command sent
   * again, e.g. by a tab that took over the stream); another user's acknowledgement is recorded and
   * becomes `acknowledgedBy`.
   */
  acknowledge(name: string, user: unknown): boolean {
    const alert = this.#alerts.get(name);
    if (alert === undefined) return false;
    if (alert.acknowledgedBy !== undefined && sameUser(alert.acknowledgedBy, user ?? null)) return true;
    alert.acknowledgedBy = user ?? null;
    this.#host.audit('alert_ack', { alert: name, user: user ?? null, status: alert.status });
    this.#changed(alert);
    return true;
  }

  /** Silences the notifications of `name` for `durationMs` (an `alert_silence` audit event). False when there is no such alert. */
  silence(name: string, durationMs: number, user: unknown, now = Date.now()): boolean {
    const alert = this.#alerts.get(name);
    if (alert === undefined || !(durationMs >= 0)) return false;
    alert.silencedUntil = now + durationMs;
    this.#host.audit('alert_silence', { alert: name, user: user ?? null, until: new Date(alert.silencedUntil).toISOString() });
    this.#changed(alert);
    return true;
  }

  /** Stops evaluating (at close). */
  close(): void {
    this.#stop();
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #step(alert: Alert, now: number): void {
    const { active, value } = alert.condition.evaluate(now);
    alert.value = value;
    const before = alert.status;
    if (active) {
      if (before === AlertStatus.Inactive || before === AlertStatus.Resolved) {
        alert.status = AlertStatus.Pending;
        alert.since = now;
      }
      const cooled = alert.lastFired === undefined || now - alert.lastFired >= alert.cooldownMs;
      if (alert.status === AlertStatus.Pending && now - (alert.since as number) >= alert.forMs && cooled) this.#fire(alert, now);
    } else if (before === AlertStatus.Firing) {
      alert.status = AlertStatus.Resolved;
      alert.since = now;
      this.#host.audit('alert_resolved', { alert: alert.definition.name, value, condition: alert.condition.description });
      this.#notify(alert, 'resolved', now);
    } else if (before === AlertStatus.Pending) {
      // Never fired (or still cooling down): back to where it was before it started holding.
      alert.status = alert.lastFired === undefined ? AlertStatus.Inactive : AlertStatus.Resolved;
      alert.since = alert.lastFired === undefined ? undefined : now;
    }
    if (alert.status !== before) this.#changed(alert);
  }

  #fire(alert: Alert, now: number): void {
    alert.status = AlertStatus.Firing;
    alert.since = now;
    alert.lastFired = now;
    alert.acknowledgedBy = undefined;
    this.#host.audit('alert_fired', { alert: alert.definition.name, value: alert.value, condition: alert.condition.description });
    this.#notify(alert, 'firing', now);
  }

  #notify(alert: Alert, state: AlertEvent['state'], now: number): void {
    if (alert.silencedUntil !== undefined && now < alert.silencedUntil) return;
    const event: AlertEvent = {
      alert: alert.definition.name,
      state,
      value: alert.value,
      condition: alert.condition.description,
      at: new Date(now).toISOString(),
    };
    for (const notifier of alert.notifiers) {
      try {
        const result = notifier(event);
        if (result instanceof Promise) result.catch((error: unknown) => this.#host.onError(error));
      } catch (error) {
        this.#host.onError(error);
      }
    }
  }

  #changed(alert: Alert): void {
    try {
      this.#host.changed?.(stateOf(alert));
    } catch (error) {
      this.#host.onError(error);
    }
  }
}

function stateOf(alert: Alert): AlertState {
  const state: AlertState = {
    name: alert.definition.name,
    status: alert.status,
    condition: alert.condition.description,
    value: alert.value,
    since: alert.since === undefined ? null : new Date(alert.since).toISOString(),
  };
  if (alert.acknowledgedBy !== undefined) state.acknowledgedBy = alert.acknowledgedBy;
  if (alert.silencedUntil !== undefined && alert.silencedUntil > Date.now())
    state.silencedUntil = new Date(alert.silencedUntil).toISOString();
  return state;
}

/**
 * Whether two identities (what the `authenticate` hook returned) are the same user: equal values,
 * or objects with the same JSON (the hook builds a fresh object per connection).
 */
export function sameUser(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}
