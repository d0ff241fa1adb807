// CSV export cells: formula neutralisation (also behind leading whitespace), control characters
// escaped as in the JSON exports, RFC 4180 quoting.
import { describe, expect, it } from 'vitest';
import { csvCell, toCsv } from '../src/base/csv.js';

describe('csvCell', () => {
  it('neutralises formulas, also behind leading whitespace of any kind', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(' =cmd()')).toBe("' =cmd()");
    expect(csvCell('\t+1')).toBe("'\t+1");
    expect(csvCell(' \t =cmd()')).toBe("' \t =cmd()");
    expect(csvCell('\n=cmd()')).toBe(`"'\n=cmd()"`);
    expect(csvCell('\u00a0=cmd()')).toBe("'\u00a0=cmd()");
    expect(csvCell('\u2003@cmd')).toBe("'\u2003@cmd");
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('plain text')).toBe('plain text');
  });

  it('escapes control, bidi and zero-width characters as \\uXXXX, as the JSON exports do', () => {
    expect(csvCell('a\u0000b')).toBe('a\\u0000b');
    expect(csvCell('\u001b[31mred\u001b[0m')).toBe('\\u001b[31mred\\u001b[0m');
    expect(csvCell('admin\u202Egnp.exe')).toBe('admin\\u202egnp.exe');
    expect(csvCell('zero\u200bwidth\ufeff')).toBe('zero\\u200bwidth\\ufeff');
    expect(csvCell('del\u007f c1\u0085')).toBe('del\\u007f c1\\u0085');
    // A lone CR can no longer end a row in the middle of a cell; CR before a formula is escaped text.
    expect(csvCell('\r=1+1')).toBe('\\u000d=1+1');
    expect(csvCell('one\rtwo')).toBe('one\\u000dtwo');
    // Tab and line feed stay (RFC 4180 allows line breaks in quoted cells: stack traces stay readable).
    expect(csvCell('line 1\nline 2\tend')).toBe('"line 1\nline 2\tend"');
  });

  it('quotes cells with separators and quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('a;b')).toBe('"a;b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  });

  it('writes CRLF lines with a header row', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['1', '=2'],
          ['x\u0007', ''],
        ],
      ),
    ).toBe("a,b\r\n1,'=2\r\nx\\u0007,\r\n");
  });
});
