// Search: the search box's text compiled into a matcher (case-insensitive text or regular
// expression) that tests whole entries, and the highlighting of its matches inside one cell.
import { html, type TemplateResult } from 'lit';

/** How the search text is read. */
export const SearchMode = { Text: 'text', Regex: 'regex' } as const;
/** One of the search modes. */
export type SearchMode = (typeof SearchMode)[keyof typeof SearchMode];

/** What a search does to entries that do not match: hide them, or only highlight the matches. */
export const SearchAction = { Filter: 'filter', Highlight: 'highlight' } as const;
/** One of the search actions. */
export type SearchAction = (typeof SearchAction)[keyof typeof SearchAction];

/** A compiled search: a test for whole entries and a splitter for highlighting one cell. */
export interface Matcher {
  test(haystack: string): boolean;
  /** A global, case-insensitive pattern for highlighting. */
  pattern: RegExp;
}

/** A compiled search: no matcher for an empty query; `error` for an unfinished regular expression. */
export interface CompiledSearch {
  matcher: Matcher | undefined;
  error: boolean;
}

/** Most matches highlighted in one cell. */
const MAX_HIGHLIGHTS = 200;

/** `text` with every regular-expression metacharacter escaped. */
export const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Compiles the search box: `text` is a case-insensitive substring (the haystack is lower-cased),
 * `regex` a case-insensitive, multiline regular expression (`^` and `$` anchor at each field).
 */
export function compileSearch(query: string | undefined, mode: string): CompiledSearch {
  const text = query ?? '';
  if (text === '') return { matcher: undefined, error: false };
  if (mode === SearchMode.Regex) {
    try {
      const test = new RegExp(text, 'im');
      return { matcher: { test: (haystack) => test.test(haystack), pattern: new RegExp(text, 'gim') }, error: false };
    } catch {
      // An unfinished expression while typing: flag the input and keep showing everything.
      return { matcher: undefined, error: true };
    }
  }
  const needle = text.toLowerCase();
  return { matcher: { test: (haystack) => haystack.includes(needle), pattern: new RegExp(escapeRegExp(text), 'gi') }, error: false };
}

/** The pieces of `text`: plain strings, and the matches (at most 200) as `{ match }`. */
export function highlightParts(text: string, matcher: Matcher | undefined): (string | { match: string })[] {
  if (matcher === undefined) return [text];
  const parts: (string | { match: string })[] = [];
  const pattern = matcher.pattern;
  pattern.lastIndex = 0;
  let last = 0;
  let found: RegExpExecArray | null;
  let guard = 0;
  while ((found = pattern.exec(text)) !== null && guard++ < MAX_HIGHLIGHTS) {
    if (found[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    if (found.index > last) parts.push(text.slice(last, found.index));
    parts.push({ match: found[0] });
    last = found.index + found[0].length;
  }
  if (parts.length === 0) return [text];
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** `text` with its matches in `<mark part="match">`. */
export function highlight(text: string, matcher: Matcher | undefined): string | (string | TemplateResult)[] {
  const parts = highlightParts(text, matcher);
  if (parts.length === 1 && typeof parts[0] === 'string') return parts[0];
  return parts.map((part) => (typeof part === 'string' ? part : html`<mark part="match">${part.match}</mark>`));
}
