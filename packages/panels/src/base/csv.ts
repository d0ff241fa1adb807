// RFC 4180 CSV with spreadsheet-formula neutralisation (OWASP ASVS 1.2.10, CWE-1236) and the same
// escaping of invisible characters as the JSON exports.
import { escapeInvisible } from './text.js';

/** Characters that make a spreadsheet treat a cell as a formula when they lead it. */
const FORMULA_START = /^[=+\-@\t\r]/;
/** Leading whitespace a spreadsheet may skip before it reads a formula (spaces, tabs, line breaks, NBSP, …). */
const LEADING_SPACE = /^\s+/;

/**
 * One CSV cell. Control, bidi and zero-width characters (all but tab and line feed) are written as
 * `\uXXXX` escapes, as in the JSON exports, so the file shows what was logged and a stray CR or NUL
 * cannot break a row. A value that a spreadsheet would evaluate (leading `=`, `+`, `-`, `@` or tab,
 * also behind leading whitespace such as `" =cmd()"` or `"\n+1"`) gets a leading `'`. Values with
 * `,`, `"`, `;`, CR or LF are quoted with doubled quotes.
 */
export function csvCell(value: string): string {
  let cell = escapeInvisible(value);
  if (FORMULA_START.test(cell) || FORMULA_START.test(cell.replace(LEADING_SPACE, ''))) cell = `'${cell}`;
  return /[",;\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Rows of cells as CSV text, CRLF line endings, with a header row. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
