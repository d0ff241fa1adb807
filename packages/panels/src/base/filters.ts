// The filters of a panel's toolbar besides levels and search: the logger filter every panel has
// (logger patterns, as the server's and the client's filters read them), and the field filters a
// panel declares (module, action, …; case-insensitive substrings).
import { loggerMatcher, loggerPatternFromInput } from '@logwire/protocol';
import { displayValue } from './text.js';

/**
 * A field filter a panel declares: an input labelled `label` that sets the panel's `property`, and
 * shows only entries whose `data[field]` contains its text (case-insensitive).
 */
export interface FieldFilter {
  /** The field of the record's `data`. */
  field: string;
  /** The input's placeholder and (with " filter") its accessible name. */
  label: string;
  /** The panel property that holds the filter text. */
  property: string;
}

/** Case-insensitive substring test on a field; an empty filter lets everything through. */
export function fieldContains(value: unknown, filter: string): boolean {
  const needle = filter.trim().toLowerCase();
  return needle === '' || (typeof value === 'string' && value.toLowerCase().includes(needle));
}

/** The text of a filter property of a panel (`moduleFilter`, …); '' when it is not a string. */
export function filterText(panel: object, property: string): string {
  const value = (panel as Record<string, unknown>)[property];
  return typeof value === 'string' ? value : '';
}

/**
 * The logger filter: what is typed is read as logger patterns of the one rule of
 * `@logwire/protocol` (`*` any run of characters, `?` one, case-sensitive, whole name, `!` excludes),
 * separated by spaces or commas. A term without `*` or `?` is wrapped as `*term*`, so typing part of
 * a name still finds it (`db` finds `app.db.pool`, `!health` hides `app.health`). Matching is
 * regex-free and linear-time for ordinary patterns. The compiled matcher is kept until the text changes.
 */
export class LoggerFilter {
  #text: string | undefined;
  #matches: (logger: string) => boolean = () => true;

  /** Whether a logger passes the filter text. */
  matches(logger: unknown, text: string): boolean {
    if (text !== this.#text) {
      this.#text = text;
      const patterns: string[] = [];
      for (const term of text.split(/[\s,]+/)) {
        const pattern = loggerPatternFromInput(term);
        if (pattern !== undefined) patterns.push(pattern);
      }
      this.#matches = loggerMatcher(patterns);
    }
    return this.#matches(displayValue(logger));
  }
}

/** Whether a log entry passes a panel's level, logger and field filters. */
export function passesFilters(
  panel: { readonly levels: readonly string[]; readonly loggerFilter: string },
  logger: LoggerFilter,
  fields: readonly FieldFilter[],
  level: string,
  data: Record<string, unknown>,
): boolean {
  if (!panel.levels.includes(level)) return false;
  if (!logger.matches(data['logger'], panel.loggerFilter)) return false;
  for (const { field, property } of fields) if (!fieldContains(data[field], filterText(panel, property))) return false;
  return true;
}

/** Most values remembered per field. */
const MAX_SUGGESTIONS = 200;

/** The values seen per field (at most 200 each), offered as a filter input's suggestions. */
export class Suggestions {
  readonly #values = new Map<string, Set<string>>();

  /** Remembers a field's value (non-empty strings only). */
  remember(field: string, value: unknown): void {
    if (typeof value !== 'string' || value === '') return;
    let set = this.#values.get(field);
    if (set === undefined) this.#values.set(field, (set = new Set()));
    if (set.size < MAX_SUGGESTIONS) set.add(value);
  }

  /** The values seen in a field, sorted. */
  of(field: string): string[] {
    return [...(this.#values.get(field) ?? [])].sort();
  }
}
