// Text helpers shared by the panels: what a cell shows, what search looks at, what copy puts on
// the clipboard. None of them ever throws, whatever the log record holds.

/**
 * Characters that can change how text around them is displayed without being visible themselves:
 * C0/C1 controls (ANSI escapes start with ESC), bidi embeddings/overrides/isolates (Trojan Source,
 * CVE-2021-42574), zero-width characters and the BOM.
 */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Shows invisible and reordering characters as visible markers: ESC as `␛`, others as `⟨U+202E⟩`. */
export function visible(text: string): string {
  return text.replace(INVISIBLE, (char) =>
    char === '\u001b' ? '␛' : `⟨U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}⟩`,
  );
}

/** Any value as display text: strings as they are, nothing for null or undefined, the rest as compact JSON. */
export function displayValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  return compactJson(value);
}

/** Compact one-line JSON; never throws. */
export function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '[unprintable]';
  }
}

/**
 * JSON for the clipboard and exports: pretty or compact, with invisible and bidi characters written
 * as `\uXXXX` escapes so a paste shows exactly what was logged. Never throws.
 */
export function safeJson(value: unknown, indent?: number): string {
  let text: string;
  try {
    text = JSON.stringify(value, null, indent) ?? 'null';
  } catch {
    text = '"[unprintable]"';
  }
  return escapeInvisible(text);
}

/** Writes invisible and bidi characters (C0/C1 controls but tab and line feed, …) as `\uXXXX` escapes. */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Every key and value of a record as one lower-cased string, one item a line, for search across all
 * fields (metadata keys and values included).
 */
export function searchText(value: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown, depth: number): void => {
    if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean' || typeof node === 'bigint') {
      parts.push(String(node));
      return;
    }
    // Nothing to search in null, undefined, functions and symbols (JSON data has none of the last two).
    if (typeof node !== 'object' || node === null) return;
    if (depth > 8) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(node as Record<string, unknown>)) {
      parts.push(key);
      walk(item, depth + 1);
    }
  };
  try {
    walk(value, 0);
  } catch {
    // A hostile getter or proxy: search what was collected so far.
  }
  return parts.join('\n').toLowerCase();
}
