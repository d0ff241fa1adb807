/**
 * The size limit of one record (`maxRecordBytes`): long strings are cut while the record is
 * formatted, so a huge message or field is never redacted, escaped or sent whole.
 *
 * A record has a budget of `maxRecordBytes` characters for its message, action and field values,
 * spent in the order they are written. A string that does not fit what is left is cut to it and
 * ends with {@link TRUNCATION_MARK}; once the budget is spent, every further nested object or
 * array is written as the mark alone (its key stays), and the record's `data` gets
 * `"logwire_truncated": true`. A field's own object (or the audit metadata) keeps its keys. An
 * array with more items than the budget has room for keeps its first items and ends with the
 * mark. Strings of up to {@link ALWAYS_KEPT} characters, numbers, booleans and `null` are never
 * cut. Redaction of a cut string runs over {@link REDACTION_WINDOW} characters past the cut, so a
 * secret that straddles it is still recognised whole.
 *
 * Formatting is synchronous, so one module-level budget serves the record being formatted; outside
 * {@link withRecordBudget} there is no limit.
 */

/** Default of `maxRecordBytes`: 64 KiB. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024;
/** Smallest `maxRecordBytes` accepted. */
export const MIN_MAX_RECORD_BYTES = 1024;
/** What a cut string ends with. */
export const TRUNCATION_MARK = '…[truncated]';
/** Strings this short are written whole even when the budget is spent. */
export const ALWAYS_KEPT = 64;
/** Characters past a cut that redaction still sees. */
export const REDACTION_WINDOW = 4096;
/** The field a cut record carries in its `data`. */
export const TRUNCATED_FIELD = 'logwire_truncated';

/** Budget cost of a value that is not a string (its key and punctuation, roughly). */
const VALUE_COST = 8;

let remaining = Number.POSITIVE_INFINITY;
let cut = false;

/** Something that redacts text (the redactor). */
interface TextFilter {
  text(value: string): string;
}

/**
 * Runs `format` with a budget of `limit` characters; returns its result with
 * `,"logwire_truncated":true` inserted before the final `}` when something was cut.
 */
export function withRecordBudget(limit: number, format: () => string): string {
  const outer = remaining;
  const outerCut = cut;
  remaining = limit;
  cut = false;
  try {
    const json = format();
    return cut ? json.slice(0, -1) + ',"' + TRUNCATED_FIELD + '":true}' : json;
  } finally {
    remaining = outer;
    cut = outerCut;
  }
}

/** Spends what a string of `length` characters that is always kept (at most {@link ALWAYS_KEPT}) costs, as {@link fitString} would. */
export function charge(length: number): void {
  remaining -= length;
}

/** A string value as it is written: whole (redacted) when it fits the budget, else cut and marked. */
export function fitString(value: string, redactor?: TextFilter): string {
  if (value.length <= remaining || value.length <= ALWAYS_KEPT) {
    remaining -= value.length;
    return redactor === undefined ? value : redactor.text(value);
  }
  let keep = Math.max(0, remaining);
  remaining = 0;
  cut = true;
  const window = value.slice(0, keep + REDACTION_WINDOW);
  const text = redactor === undefined ? window : redactor.text(window);
  // Never leave half a surrogate pair at the cut.
  const code = text.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep--;
  return text.slice(0, keep) + TRUNCATION_MARK;
}

/**
 * Spends the budget on a value that is not a string (`key` is its key, `''` for the value being
 * encoded). Returns what to write instead, or `undefined` to write the value: the mark for a nested
 * object or array that comes after the budget is spent, an array's first items and the mark when
 * it has more items than the budget has room for.
 */
export function fitValue(value: unknown, key: string): unknown {
  if (remaining === Number.POSITIVE_INFINITY) return undefined;
  remaining -= VALUE_COST;
  if (typeof value !== 'object' || value === null) return undefined;
  // The value being encoded itself (a field, the metadata) keeps its keys; what it holds may not.
  if (remaining < 0 && key !== '') {
    cut = true;
    return TRUNCATION_MARK;
  }
  // An array is cut before it is walked: its items are charged as they are written.
  if (Array.isArray(value)) {
    const room = Math.max(0, Math.floor(remaining / VALUE_COST));
    if (value.length > room) {
      cut = true;
      const kept: unknown[] = value.slice(0, room);
      kept.push(TRUNCATION_MARK);
      return kept;
    }
  }
  return undefined;
}

/** The budget left, to restore it when a value is written a second time (see `safeStringify`). */
export function budgetLeft(): number {
  return remaining;
}

/** Restores a budget taken with {@link budgetLeft}. */
export function restoreBudget(left: number): void {
  remaining = left;
}
