// The columns of a panel and how they share its width. The message column, the one people read,
// takes what the others leave (never less than a minimum); below 600 px the secondary columns
// collapse (they stay in the detail view), and at any width secondary columns are dropped from the
// right until the message keeps a fair share. Every other column has a width in px (its default,
// or what the user dragged it to). `columns="time level logger message user_id"` chooses built-in
// columns by name; any other name is a field column: a dotted path into the entry's data
// (`request.id`), and in the audit panel into its metadata (`user_id` = `metadata.user_id`).
import type { LogMessage } from '@logwire/protocol';
import type { CsvColumn } from './export.js';
import { displayValue } from './text.js';

/** A column of a panel. */
export interface PanelColumn<M extends LogMessage> {
  /** Its name in `columns` (also the class of its cells; field columns have the class `field`). */
  name: string;
  /** Column title. */
  title: string;
  /** Default width in px (the message column takes the remaining width instead). */
  width: number;
  /** Kept below 600 px (time, level, message); the others collapse into the detail view. */
  primary?: boolean;
  /** The plain text of the cell. */
  text(message: M): string;
  /** Its columns in CSV exports: header and value. */
  csv: readonly CsvColumn<M>[];
}

/** The columns both panels start with: time (as `formatTime` shows it), level and logger. */
export function leadingColumns<M extends LogMessage>(formatTime: (timestamp: string) => string, loggerWidth: number): PanelColumn<M>[] {
  return [
    {
      title: 'Time',
      name: 'time',
      width: 96,
      primary: true,
      text: (m) => formatTime(displayValue(m.data.timestamp)),
      csv: [['timestamp', (m) => displayValue(m.data.timestamp)]],
    },
    {
      title: 'Level',
      name: 'level',
      width: 72,
      primary: true,
      text: (m) => displayValue(m.data.level),
      csv: [['level', (m) => displayValue(m.data.level)]],
    },
    {
      title: 'Logger',
      name: 'logger',
      width: loggerWidth,
      text: (m) => displayValue(m.data.logger),
      csv: [['logger', (m) => displayValue(m.data.logger)]],
    },
  ];
}

/** Name of the column that takes the remaining width. */
export const MESSAGE = 'message';
/** Below this panel width only the primary columns are shown. */
export const NARROW_WIDTH = 600;
/** Least width of the message column in px. */
export const MESSAGE_MIN_WIDTH = 100;
/** Share of the row the message keeps before secondary columns are dropped. */
const MESSAGE_SHARE = 0.25;
/** Least and most width of a resized column in px. */
export const COLUMN_MIN_WIDTH = 40;
export const COLUMN_MAX_WIDTH = 1200;
/** Gap between cells and horizontal padding of a row (see the styles' `.row`). */
export const CELL_GAP = 8;
export const ROW_PADDING = 10 + 26;

/** What the layout of one width decided. */
export interface ColumnLayout<M extends LogMessage> {
  /** The columns shown, in order. */
  shown: readonly PanelColumn<M>[];
  /** Columns chosen and not hidden by the user, but left out for lack of width. */
  collapsed: readonly PanelColumn<M>[];
  /** The CSS grid tracks of the header and the rows. */
  template: string;
  /** Width of each shown column other than the message, in px. */
  widths: Readonly<Record<string, number>>;
}

/** Names of a `columns` attribute (space- or comma-separated), each once. */
export function parseColumns(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).filter(Boolean))];
}

/** The value at a dotted path (`request.id`) of a record, or undefined. */
export function valueAt(record: unknown, path: string): unknown {
  let node = record;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/**
 * A field's display text in an entry: the dotted path into its data, then into `data[fallback]`
 * (the audit metadata); `id` is the message's id when the data has none.
 */
export function fieldText(message: LogMessage, path: string, fallback?: string): string {
  const data = message.data as Record<string, unknown>;
  let value = valueAt(data, path);
  if (value === undefined && fallback !== undefined) value = valueAt(data[fallback], path);
  if (value === undefined && path === 'id') value = message.id;
  return displayValue(value);
}

/** The columns named (built-in ones by name, any other name a field column); the message always shows, last when not named. */
export function chooseColumns<M extends LogMessage>(
  names: readonly string[],
  builtin: readonly PanelColumn<M>[],
  fallback?: string,
): PanelColumn<M>[] {
  const chosen = names.map((name) => builtin.find((column) => column.name === name) ?? fieldColumn<M>(name, fallback));
  if (!chosen.some((column) => column.name === MESSAGE)) chosen.push(builtin.find((column) => column.name === MESSAGE)!);
  return chosen;
}

/** A column showing a field: `path` into the entry's data, then (when `fallback` is given) into `data[fallback]`. */
export function fieldColumn<M extends LogMessage>(path: string, fallback?: string): PanelColumn<M> {
  const read = (message: M): string => fieldText(message, path, fallback);
  return { name: path, title: path, width: 120, text: read, csv: [[path, read]] };
}

/**
 * The columns to show at `available` px (the panel's inner width): the chosen ones minus the
 * hidden ones; below 600 px only the primary ones; then secondary ones from the right until the
 * message keeps its share, and primary ones from the right while it would get under 100 px. Widths are the user's or the defaults.
 */
export function layoutColumns<M extends LogMessage>(
  chosen: readonly PanelColumn<M>[],
  hidden: ReadonlySet<string>,
  userWidths: Readonly<Record<string, number>>,
  available: number,
): ColumnLayout<M> {
  let shown = chosen.filter((column) => column.name === MESSAGE || !hidden.has(column.name));
  const wanted = shown;
  if (available > 0 && available < NARROW_WIDTH) shown = shown.filter((column) => column.primary === true || column.name === MESSAGE);
  const widthOf = (column: PanelColumn<M>): number => clampWidth(userWidths[column.name] ?? column.width);
  const room = (): number => {
    let used = ROW_PADDING + CELL_GAP * Math.max(0, shown.length - 1);
    for (const column of shown) if (column.name !== MESSAGE) used += widthOf(column);
    return available - used;
  };
  if (available > 0) {
    const share = Math.max(MESSAGE_MIN_WIDTH, available * MESSAGE_SHARE);
    const droppable = (primary: boolean): PanelColumn<M> | undefined => {
      for (let index = shown.length - 1; index >= 0; index--) {
        const column = shown[index]!;
        if (column.name !== MESSAGE && (column.primary === true) === primary) return column;
      }
      return undefined;
    };
    while (room() < share) {
      const drop = droppable(false) ?? (room() < MESSAGE_MIN_WIDTH ? droppable(true) : undefined);
      if (drop === undefined) break;
      shown = shown.filter((column) => column !== drop);
    }
  }
  const widths: Record<string, number> = {};
  const tracks = shown.map((column) => {
    if (column.name === MESSAGE) return `minmax(${MESSAGE_MIN_WIDTH}px, 1fr)`;
    const width = widthOf(column);
    widths[column.name] = width;
    return `${width}px`;
  });
  return { shown, collapsed: wanted.filter((column) => !shown.includes(column)), template: tracks.join(' '), widths };
}

/** A width within the bounds of a resized column. */
export function clampWidth(width: number): number {
  return Math.round(Math.min(COLUMN_MAX_WIDTH, Math.max(COLUMN_MIN_WIDTH, Number.isFinite(width) ? width : COLUMN_MIN_WIDTH)));
}
