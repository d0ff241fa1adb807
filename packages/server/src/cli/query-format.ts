// How `logwire query` and its shortcuts print what they found: coloured text (the console sink's
// pretty line, ../console/pretty-format.ts, after the local date), NDJSON or a Markdown table, and
// the counts of `logwire stats`. Every piece of log content is escaped (no terminal control
// character reaches the terminal; no `|`, `<` or `>` reaches a Markdown table raw).
import { Level, parseId, type QueryEntry } from '@logwire/protocol';
import { escapeControls, prettyLine } from '../console/pretty-format.js';
import type { LogStats, AuditEventCounts } from '../query/aggregate.js';
import { safeJson } from './tail.js';

/** Output formats. */
export type QueryFormat = 'text' | 'json' | 'md';

/** The time of an entry: its `timestamp`, else its stream id's. */
function entryTime(entry: QueryEntry): number {
  const stamp = entry.data['timestamp'];
  const parsed = typeof stamp === 'string' ? Date.parse(stamp) : NaN;
  return Number.isFinite(parsed) ? parsed : (parseId(entry.id)?.ms ?? 0);
}

/** `YYYY-MM-DD` in local time (the pretty line shows the local clock). */
function localDate(time: number): string {
  const date = new Date(time);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
}

/** The Markdown table header of {@link formatEntry}'s `md` rows. */
export const MD_HEADER = '| time | level | logger | message | fields |\n| --- | --- | --- | --- | --- |\n';

/** One entry as a line of output (with its newline). */
export function formatEntry(entry: QueryEntry, format: QueryFormat, colour: boolean): string {
  if (format === 'json') return `${safeJson(entry)}\n`;
  const time = entryTime(entry);
  const levelName = entry.data['level'];
  const level = typeof levelName === 'string' && Object.hasOwn(Level, levelName) ? Level[levelName as keyof typeof Level] : Level.INFO;
  const logger = typeof entry.data['logger'] === 'string' ? entry.data['logger'] : '';
  if (format === 'text') {
    const line = prettyLine({ type: entry.type, time, level, logger, data: JSON.stringify(entry.data) }, colour);
    return `${colour ? `\u001b[2m${localDate(time)}\u001b[0m` : localDate(time)} ${line}\n`;
  }
  // As the pretty line: the call site is not a field worth a column.
  const { timestamp, level: _level, logger: _logger, message, module: _module, function: _function, line: _line, ...fields } = entry.data;
  const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
  const cells = [
    typeof timestamp === 'string' ? timestamp : new Date(time).toISOString(),
    typeof levelName === 'string' ? levelName : '',
    logger,
    entry.type === 'audit_log' ? `AUDIT ${text(fields['action'])} ${text(message)}` : text(message),
    Object.keys(fields).length === 0 ? '' : JSON.stringify(fields),
  ];
  return `| ${cells.map(markdownCell).join(' | ')} |\n`;
}

/** Log content in a Markdown table cell: controls escaped, no raw `|`, `<`, `>` or backtick. */
function markdownCell(text: string): string {
  return escapeControls(text).replace(/[|<>`\\]/g, (char) => (char === '|' ? '\\|' : char === '\\' ? '\\\\' : `&#${char.charCodeAt(0)};`));
}

/** `logwire stats` output: the counts as text, Markdown or one JSON object. */
export function formatCounts(counts: LogStats | AuditEventCounts, format: QueryFormat): string {
  if (format === 'json') return `${safeJson(counts)}\n`;
  const groups: [string, Record<string, number>][] =
    'levels' in counts
      ? [
          ['level', counts.levels],
          ['category', counts.categories],
        ]
      : [['action', counts.actions]];
  const window = `${counts.since ?? 'the start'} to ${counts.until ?? 'now'}`;
  const rows: [string, string, number][] = [];
  for (const [group, values] of groups) for (const [name, count] of Object.entries(values)) rows.push([group, name, count]);
  for (const hour of counts.hours) rows.push(['hour', hour.hour, hour.total]);
  if (format === 'md') {
    const body = rows.map(([group, name, count]) => `| ${group} | ${markdownCell(name)} | ${count} |`).join('\n');
    return `${counts.total} entries from ${window}\n\n| by | name | count |\n| --- | --- | --- |\n${body}\n`;
  }
  const width = Math.max(8, ...rows.map(([, name]) => escapeControls(name).length));
  const lines = rows.map(([group, name, count]) => `${group.padEnd(9)}${escapeControls(name).padEnd(width)}  ${count}`);
  return `${counts.total} entries from ${window}\n${lines.join('\n')}\n`;
}
