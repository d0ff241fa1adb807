import type { LogEntry } from '../logger/format.js';

/**
 * Characters a terminal would act on instead of showing: C0 controls (CR, LF, ESC, BEL, TAB, …),
 * DEL, C1 controls (U+0080–U+009F, CSI among them), the line and paragraph separators, and the
 * bidi embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069). Log content is
 * hostile: one of these in a message could forge a line, recolour or clear the screen, or reorder
 * what a reader sees.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** `text` with every terminal control character written as an escape (`\n`, `\r`, `\t`, `\u001b`, `\u202e`, …). */
export function escapeControls(text: string): string {
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(text)) return text;
  return text.replace(UNSAFE, (char) => SHORT[char] ?? '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Those characters JSON.stringify leaves as they are (C1, separators, bidi controls) written as
 * `\u` escapes: the same JSON value, safe to show on a terminal. C0 controls are already escaped
 * in any JSON text that JSON.stringify made.
 */

const UNSAFE_IN_JSON = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

export function escapeJsonControls(json: string): string {
  // Every character outside ASCII adds at least one byte to the UTF-8 length, so equal lengths and
  // no DEL mean there is nothing to escape: a much cheaper check than the expression (bench/console.mjs).
  if (Buffer.byteLength(json) === json.length && !json.includes('\x7f')) return json;
  UNSAFE_IN_JSON.lastIndex = 0;
  if (!UNSAFE_IN_JSON.test(json)) return json;
  return json.replace(UNSAFE_IN_JSON, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** ANSI colour of each level name. */
const LEVEL_COLOURS: Record<string, string> = {
  TRACE: '90',
  DEBUG: '36',
  INFO: '32',
  WARNING: '33',
  ERROR: '31',
  CRITICAL: '1;35',
};

/** Fields of a `system_log` that the pretty line shows in its head (or leaves out), not as `key=value`. */
const SYSTEM_HEAD = new Set(['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line']);
/** The same for an `audit_log`; its metadata is shown as `key=value` fields. */
const AUDIT_HEAD = new Set(['timestamp', 'level', 'logger', 'message', 'action', 'metadata']);

/**
 * One human-readable line (no trailing newline) for a record:
 * `12:04:05.123 INFO     orchestrator.server started port=8001 host="0.0.0.0"`. Audit records
 * add `AUDIT action=<action>` before their metadata. The time is local. Strings that are plain
 * words show as they are, other strings and every non-string as JSON; every piece of log content
 * passes {@link escapeControls}, so colour codes only ever come from here.
 */
export function prettyLine(entry: LogEntry, colour: boolean): string {
  const data = parseData(entry.data);
  const paint = (code: string, text: string): string => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const level = typeof data['level'] === 'string' ? data['level'] : String(entry.level);
  const message = typeof data['message'] === 'string' ? data['message'] : '';
  let line =
    paint('2', clock(entry.time)) +
    ' ' +
    paint(LEVEL_COLOURS[level] ?? '0', escapeControls(level).padEnd(8)) +
    ' ' +
    paint('35', escapeControls(entry.logger)) +
    ' ' +
    escapeControls(message);
  // Entries, not an object: a field named `__proto__` (JSON.parse makes it an own property) is shown like any other.
  let fields: [string, unknown][];
  if (entry.type === 'audit_log') {
    line += ' ' + paint('1', 'AUDIT') + ' ' + field('action', data['action'], paint);
    const metadata = Object.hasOwn(data, 'metadata') ? data['metadata'] : undefined;
    fields = typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? Object.entries(metadata) : [];
    fields.push(...Object.entries(data).filter(([key]) => !AUDIT_HEAD.has(key)));
  } else {
    fields = Object.entries(data).filter(([key]) => !SYSTEM_HEAD.has(key));
  }
  for (const [key, value] of fields) line += ' ' + field(key, value, paint);
  return line;
}

function field(key: string, value: unknown, paint: (code: string, text: string) => string): string {
  const shown = typeof value === 'string' && /^[^\s="\\]+$/.test(value) ? value : (JSON.stringify(value) ?? 'null');
  return paint('2', escapeControls(key) + '=') + escapeControls(shown);
}

function parseData(data: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // Every entry's data is JSON made by the formatter; an unparsable one is shown as its message.
  }
  return { message: data };
}

/** `HH:MM:SS.mmm` in local time. */
function clock(time: number): string {
  const date = new Date(time);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}
