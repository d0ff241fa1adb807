// The toolbar's field filter (`field-filter="user_id=42 status_code>=500"`): what is typed is read
// by the protocol's own parser and validator (`parseFieldExpression`, `normalizeFilter`), so the
// panel, the server's stream subscription, the query API and the CLI read it alike. The
// constraints filter the rows held; when the panel owns its client (`src`) they are also pushed to
// the server's subscription, and "Load older" sends them as the query API's `field.<path>`
// parameters.
import { css, html, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import {
  type FieldConstraint,
  fieldsMatcher,
  MAX_FIELD_CONSTRAINTS,
  MAX_FILTER_STRING,
  normalizeFilter,
  parseFieldExpression,
} from '@logwire/protocol';
import { ifDefined } from 'lit/directives/if-defined.js';
import { visible } from './text.js';

/** The field filter as read: its constraints, or what is wrong with the text (then nothing is filtered). */
export type ParsedFieldFilter = { ok: true; constraints: FieldConstraint[] } | { ok: false; message: string };

/**
 * Reads a field filter's text: expressions separated by spaces, each of the form
 * `parseFieldExpression` reads (`user_id=42`, `status_code>=500`, `method=GET,POST`, `path=/api/*`,
 * `user_id` for exists, `!user_id` for missing), all of which must hold. Never throws.
 */
export function parseFieldFilter(text: string): ParsedFieldFilter {
  const terms = text.split(/\s+/).filter((term) => term !== '');
  if (terms.length > MAX_FIELD_CONSTRAINTS) return { ok: false, message: `at most ${MAX_FIELD_CONSTRAINTS} field expressions` };
  const constraints: FieldConstraint[] = [];
  for (const term of terms) {
    const result = parseFieldExpression(term, MAX_FILTER_STRING);
    if (!result.ok) return { ok: false, message: result.message };
    constraints.push(result.constraint);
  }
  // The stream's validator has the last word, so what the panel accepts the server accepts too.
  const checked = normalizeFilter({ fields: constraints });
  return checked.ok ? { ok: true, constraints: checked.filter.fields ?? [] } : { ok: false, message: checked.message };
}

/**
 * The query API's parameters for constraints (see `packages/server/src/query/params.ts`): the URL
 * form `field.<path><op>=<value>`, where the name carries the path and any operator character
 * before the `=` (`field.status_code>=500` is the name `field.status_code>` and the value `500`).
 * Strict `<` and `>` have no `=` to split at, so the whole expression is the name.
 */
export function fieldParams(constraints: readonly FieldConstraint[]): [name: string, value: string][] {
  return constraints.map(({ path, op, values = [] }): [string, string] => {
    const name = `field.${path}`;
    if (op === 'exists') return [name, ''];
    if (op === 'missing') return [`field.!${path}`, ''];
    if (op === '=') return [name, values.join(',')];
    if (op === '!=' || op === '>=' || op === '<=') return [`${name}${op.charAt(0)}`, values.join(',')];
    return [`${name}${op}${values[0] as string}`, ''];
  });
}

/** What the field filter needs of its panel. */
export interface FieldFilterHost extends ReactiveControllerHost {
  fieldFilter: string;
}

/** Where the constraints go: the panel's own client subscribes with them (client-binding.ts). */
export interface FieldFilterBinding {
  pushFields(constraints: readonly FieldConstraint[]): void;
}

/** "Load older" (history-loader.ts): another filter, so where the last page ended no longer holds. */
export interface FieldFilterHistory {
  reset(): void;
}

const ERROR_ID = 'field-filter-error';
const HINT = 'Field expressions separated by spaces: user_id=42 status_code>=500 method=GET,POST path=/api/* user_id !user_id';

/** The field filter of one panel; see the module comment. */
export class FieldFilterController implements ReactiveController {
  readonly #host: FieldFilterHost;
  readonly #binding: FieldFilterBinding;
  readonly #history: FieldFilterHistory;
  #text: string | undefined;
  /** The constraints last pushed, as JSON (typing through invalid text or spaces changes nothing). */
  #pushed: string | undefined;
  #parsed: ParsedFieldFilter = { ok: true, constraints: [] };
  #matches: (data: unknown) => boolean = () => true;

  constructor(host: FieldFilterHost, binding: FieldFilterBinding, history: FieldFilterHistory) {
    this.#host = host;
    this.#binding = binding;
    this.#history = history;
    host.addController(this);
  }

  /** The constraints in force (none while the text is invalid). */
  get constraints(): readonly FieldConstraint[] {
    return this.#read().ok ? (this.#parsed as { constraints: FieldConstraint[] }).constraints : [];
  }

  /** Whether a message's data passes (the protocol's one predicate, as on the server). */
  matches(data: unknown): boolean {
    this.#read();
    return this.#matches(data);
  }

  hostUpdate(): void {
    const constraints = this.constraints;
    const key = JSON.stringify(constraints);
    if (this.#pushed === key) return;
    const first = this.#pushed === undefined;
    this.#pushed = key;
    this.#binding.pushFields(constraints);
    if (!first) this.#history.reset();
  }

  /** The input and, for an invalid expression, the error it is described by. */
  render(): TemplateResult {
    const parsed = this.#read();
    const error = parsed.ok ? undefined : `Field filter not applied: ${visible(parsed.message)}`;
    return html`<input
        class="filter field-filter"
        part="filter field-filter"
        type="text"
        placeholder="Fields: user_id=42"
        aria-label="Field filter"
        title=${HINT}
        aria-invalid=${error === undefined ? 'false' : 'true'}
        aria-describedby=${ifDefined(error === undefined ? undefined : ERROR_ID)}
        .value=${this.#host.fieldFilter}
        @input=${(event: Event) => (this.#host.fieldFilter = (event.target as HTMLInputElement).value)}
      /><span id=${ERROR_ID} class="field-filter-error" part="field-filter-error" role="status">${error ?? ''}</span>`;
  }

  #read(): ParsedFieldFilter {
    const text = typeof this.#host.fieldFilter === 'string' ? this.#host.fieldFilter : '';
    if (text !== this.#text) {
      this.#text = text;
      this.#parsed = parseFieldFilter(text);
      this.#matches = this.#parsed.ok && this.#parsed.constraints.length > 0 ? fieldsMatcher(this.#parsed.constraints) : () => true;
    }
    return this.#parsed;
  }
}

/** The field filter's styles (added to the panels' styles). */
export const fieldFilterStyles = css`
  .field-filter {
    width: 18ch;
  }
  .field-filter-error {
    color: var(--_error);
    flex-basis: 100%;
    order: 99;
  }
  .field-filter-error:empty {
    display: none;
  }
`;
