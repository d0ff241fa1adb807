// Binding a panel to a log stream: the `client` it is given (shared, e.g. one socket for both
// panels), or its own client made from `src` (with the `replay` buffer, if set), which it closes
// when it leaves the document or the source changes. Its own client subscribes with the panel's
// field filter (see field-filter-input.ts); a client the app passes is left as it is.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { type ConnectionState, LogStreamClient, type ReplayAttachment } from '@logwire/client';
import type { FieldConstraint, GapData, LogMessage } from '@logwire/protocol';
import { AlertBanner } from './alert-banner.js';
import { LogwireCheckpointEvent } from './checkpoint-event.js';

/** What the binding needs of its panel. */
export interface BindingHost extends ReactiveControllerHost, EventTarget {
  readonly client: LogStreamClient | undefined;
  readonly src: string | undefined;
  readonly replay: ReplayAttachment | undefined;
  readonly isConnected: boolean;
}

/** Where the stream's events go. */
export interface BindingListeners {
  message(message: LogMessage): void;
  gap(gap: GapData): void;
  state(state: ConnectionState): void;
}

/** Consecutive drops to `offline` without reaching the stream after which the panel says it cannot reach it. */
export const UNREACHABLE_AFTER = 3;

/** The client a panel listens to; see the module comment. */
export class ClientBinding implements ReactiveController {
  readonly #host: BindingHost;
  readonly #listeners: BindingListeners;
  /** The active-alerts banner, fed by the bound client. */
  readonly alerts: AlertBanner;
  #bound: LogStreamClient | undefined;
  #ownClient: LogStreamClient | undefined;
  #ownClientSrc: string | undefined;
  #ownClientReplay: ReplayAttachment | undefined;
  #unbind: (() => void)[] = [];
  /** The field constraints the panel's own client subscribes with. */
  #fields: readonly FieldConstraint[] = [];
  /** Times the bound client went offline since it was last live (or bound). */
  #failures = 0;

  constructor(host: BindingHost, listeners: BindingListeners) {
    this.#host = host;
    this.#listeners = listeners;
    this.alerts = new AlertBanner(host);
    host.addController(this);
  }

  /**
   * The bound client's URL once it went offline {@link UNREACHABLE_AFTER} times in a row without
   * reaching the stream (a wrong URL, refused credentials or Origin: browsers do not tell which).
   */
  get unreachable(): string | undefined {
    return this.#bound?.state === 'offline' && this.#failures >= UNREACHABLE_AFTER ? this.#bound.url : undefined;
  }

  hostConnected(): void {
    this.bind();
  }

  hostDisconnected(): void {
    this.#unbindClient();
  }

  /** Listens to `client`, or to a client of its own for `src`; does nothing if that is the one bound. */
  bind(): void {
    const target = this.#host.client ?? this.#ownClientFor(this.#host.src);
    if (target === this.#bound) return;
    this.#unbindClient();
    if (target === undefined) return;
    this.#bound = target;
    this.alerts.bind(target);
    this.#failures = 0;
    this.#listeners.state(target.state);
    this.#unbind = [
      target.on('message', (message) => this.#listeners.message(message)),
      target.on('gap', (gap) => this.#listeners.gap(gap)),
      target.on('checkpoint', (checkpoint) => this.#host.dispatchEvent(new LogwireCheckpointEvent(checkpoint))),
      target.on('state', (state) => {
        // Counts drops to offline; connecting keeps the count, any other state ends the run.
        if (state !== 'connecting') this.#failures = state === 'offline' ? this.#failures + 1 : 0;
        this.#listeners.state(state);
      }),
    ];
  }

  /**
   * Pushes the panel's field constraints to the server's subscription of its own client (made from
   * `src`), which re-subscribes without reconnecting. Not with a `replay` buffer, which is kept per
   * filter, nor with a client the app passes: those panels filter locally only.
   */
  pushFields(fields: readonly FieldConstraint[]): void {
    if (JSON.stringify(fields) === JSON.stringify(this.#fields)) return;
    this.#fields = fields;
    const own = this.#ownClient;
    if (own !== undefined && this.#ownClientReplay === undefined) own.setFilter(this.#subscription());
  }

  #subscription(): { fields: FieldConstraint[] } | Record<string, never> {
    return this.#fields.length === 0 ? {} : { fields: [...this.#fields] };
  }

  #ownClientFor(src: string | undefined): LogStreamClient | undefined {
    if (src === undefined || src === null || src === '') return undefined;
    const replay = this.#host.replay;
    if (this.#ownClient === undefined || this.#ownClientSrc !== src || this.#ownClientReplay !== replay) {
      this.#ownClient?.close();
      this.#ownClientReplay = replay;
      try {
        this.#ownClient = new LogStreamClient(src, replay === undefined ? { filter: this.#subscription() } : { replay });
      } catch {
        // A malformed URL: show the panel offline rather than throw from an attribute change.
        this.#ownClient = undefined;
        this.#ownClientSrc = undefined;
        return undefined;
      }
      this.#ownClientSrc = src;
    }
    return this.#ownClient;
  }

  #unbindClient(): void {
    for (const unbind of this.#unbind) unbind();
    this.#unbind = [];
    this.#bound = undefined;
    this.alerts.bind(undefined);
    if (!this.#host.isConnected) {
      this.#ownClient?.close();
      this.#ownClient = undefined;
      this.#ownClientSrc = undefined;
    }
  }
}
