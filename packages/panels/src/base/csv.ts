// RFC 4180 CSV with spreadsheet-formula neutralisation (OWASP ASVS 1.2.10, CWE-1236).

/** Characters that make a spreadsheet treat a cell as a formula when they lead it. */
const FORMULA_START = /^[=+\-@\t\r\0]/;

/**
 * One CSV cell: a value that a spreadsheet would evaluate (leading `=`, `+`, `-`, `@`, tab, CR or
 * NUL, also after leading spaces) gets a leading `'`; values with `,`, `"`, `;`, CR or LF are quoted
 * with doubled quotes.
 */
export function csvCell(value: string): string {
  let cell = value;
  if (FORMULA_START.test(cell) || FORMULA_START.test(cell.replace(/^ +/, ''))) cell = `'${cell}`;
  return /[",;\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Rows of cells as CSV text, CRLF line endings, with a header row. */
export function toCsv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
