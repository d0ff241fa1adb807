// Export of the rows a panel shows: JSON (an array), NDJSON (one item a line) or CSV (RFC 4180,
// formulas neutralised, see csv.ts), with gap markers as items of their own, and the download.
import type { GapData, LogMessage } from '@logwire/protocol';
import { toCsv } from './csv.js';
import type { Row } from './row-store.js';
import { safeJson } from './text.js';

/** Export formats. */
export const ExportFormat = { Json: 'json', Ndjson: 'ndjson', Csv: 'csv' } as const;
/** One of the export formats. */
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];

/** A CSV column: its header and the text of one entry. */
export type CsvColumn<M extends LogMessage> = readonly [name: string, value: (message: M) => string];

/** How a panel exports: its CSV columns and the text of a gap marker (in the `message` column). */
export interface ExportShape<M extends LogMessage> {
  csvColumns: readonly CsvColumn<M>[];
  gapText(row: Row<M> & { kind: 'gap' }): string;
}

/** The rows as `json`, `ndjson` or `csv` text; gaps are `{ type: 'gap', data }` items (a `gap` row in CSV). */
export function exportRows<M extends LogMessage>(rows: readonly Row<M>[], format: ExportFormat, shape: ExportShape<M>): string {
  if (format === ExportFormat.Csv) {
    const columns = shape.csvColumns;
    return toCsv(
      ['type', ...columns.map(([name]) => name)],
      rows.map((row) =>
        row.kind === 'gap'
          ? ['gap', ...columns.map(([name]) => (name === 'message' ? shape.gapText(row) : ''))]
          : [row.message.type, ...columns.map(([, value]) => value(row.message))],
      ),
    );
  }
  type Item = LogMessage | { type: 'gap'; data: GapData };
  const items = rows.map((row): Item => (row.kind === 'gap' ? { type: 'gap', data: row.gap } : row.message));
  if (format === ExportFormat.Ndjson) return items.map((item) => `${safeJson(item)}\n`).join('');
  return `${safeJson(items, 2)}\n`;
}

const MEDIA_TYPES: Record<ExportFormat, string> = { json: 'application/json', ndjson: 'application/x-ndjson', csv: 'text/csv' };

/** Downloads text as `<stem>-<time>.<format>` through a temporary object URL. */
export function downloadText(content: string, format: ExportFormat, stem: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: MEDIA_TYPES[format] }));
  const link = document.createElement('a');
  link.href = url;
  link.download = `${stem}-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
