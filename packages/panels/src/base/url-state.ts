// `url-state`: an opt-in attribute that keeps a panel's filters and search in the page URL, so a
// reload, a bookmark or a shared address shows the same view. Each property is one query
// parameter named `<key>.<param>` (the key is the attribute's value, or `system` / `audit` from the
// tag), written with `history.replaceState` only when it differs from the panel's default, and
// read back on connect: strings exactly as written, levels as a comma-separated list, so the round
// trip is lossless. The linked entry of "Copy link" (./entry-link.ts) is `<key>.entry`.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Panel properties kept in the URL, and their parameter names. Properties a panel does not have are skipped. */
export const URL_STATE_PARAMS: readonly (readonly [property: string, param: string])[] = [
  ['levels', 'levels'],
  ['loggerFilter', 'logger'],
  ['moduleFilter', 'module'],
  ['actionFilter', 'action'],
  ['search', 'q'],
  ['searchMode', 'mode'],
  ['searchAction', 'match'],
];

/** Parameter (after the key) of the linked entry's stream id. */
export const ENTRY_PARAM = 'entry';

/** What the controller needs of its panel. */
export type UrlStateHost = ReactiveControllerHost & HTMLElement;

type Values = Map<string, string>;

/** See the module comment. */
export class UrlStateController implements ReactiveController {
  readonly #host: UrlStateHost;
  #defaults: Values | undefined;
  #written = '';

  constructor(host: UrlStateHost) {
    this.#host = host;
    host.addController(this);
  }

  /** The parameter key, or undefined when `url-state` is not set. */
  get key(): string | undefined {
    const value = this.#host.getAttribute('url-state');
    if (value === null) return undefined;
    return value.trim() === '' ? this.#host.localName.replace(/-log-panel$/, '') : value.trim();
  }

  /** The current page URL with `<key>.<param>` set to `value` (e.g. the linked entry), or undefined without `url-state`. */
  urlWith(param: string, value: string): string | undefined {
    const key = this.key;
    if (key === undefined) return undefined;
    const url = new URL(location.href);
    url.searchParams.set(`${key}.${param}`, value);
    return url.href;
  }

  /** The value of `<key>.<param>` in the page URL. */
  read(param: string): string | undefined {
    const key = this.key;
    return key === undefined ? undefined : (new URL(location.href).searchParams.get(`${key}.${param}`) ?? undefined);
  }

  hostConnected(): void {
    const key = this.key;
    if (key === undefined) return;
    this.#defaults ??= this.#values();
    const params = new URL(location.href).searchParams;
    const host = this.#host as unknown as Record<string, unknown>;
    for (const [property, param] of this.#params()) {
      const value = params.get(`${key}.${param}`);
      if (value === null) continue;
      host[property] = property === 'levels' ? (value === '' ? [] : value.split(',')) : value;
    }
    this.#written = this.#serialise(this.#values());
  }

  hostUpdated(): void {
    const key = this.key;
    if (key === undefined || this.#defaults === undefined) return;
    const values = this.#values();
    const text = this.#serialise(values);
    if (text === this.#written) return;
    this.#written = text;
    const url = new URL(location.href);
    for (const [, param] of this.#params()) url.searchParams.delete(`${key}.${param}`);
    for (const [param, value] of values) if (this.#defaults.get(param) !== value) url.searchParams.set(`${key}.${param}`, value);
    if (url.href !== location.href) history.replaceState(history.state, '', url.href);
  }

  #params(): (readonly [string, string])[] {
    return URL_STATE_PARAMS.filter(([property]) => property in this.#host);
  }

  #values(): Values {
    const host = this.#host as unknown as Record<string, unknown>;
    const values: Values = new Map();
    for (const [property, param] of this.#params()) {
      const value = host[property];
      values.set(param, Array.isArray(value) ? value.join(',') : typeof value === 'string' ? value : '');
    }
    return values;
  }

  #serialise(values: Values): string {
    return JSON.stringify([...values]);
  }
}
