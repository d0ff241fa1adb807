/** Formats a wire timestamp as `HH:MM:SS.mmm` in local time or UTC; unparseable input is shown as is. */
export function formatTime(timestamp: string, zone: 'local' | 'utc'): string {
  if (typeof timestamp !== 'string') return '';
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return timestamp;
  const date = new Date(ms);
  const [h, m, s, milli] =
    zone === 'utc'
      ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()]
      : [date.getHours(), date.getMinutes(), date.getSeconds(), date.getMilliseconds()];
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(milli, 3)}`;
}

/** Full ISO-8601 of a wire timestamp in local time (with offset) or UTC, for tooltips and exports. */
export function formatIso(timestamp: string, zone: 'local' | 'utc'): string {
  if (typeof timestamp !== 'string') return '';
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return timestamp;
  const date = new Date(ms);
  if (zone === 'utc') return date.toISOString();
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const abs = Math.abs(offset);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1, 2)}-${pad(date.getDate(), 2)}T${formatTime(timestamp, 'local')}` +
    `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

export { compactJson } from './text.js';

/** The zone times are shown in: `utc`, or `local` for anything else. */
export function zoneOf(timeZone: string | undefined): 'local' | 'utc' {
  return timeZone === 'utc' ? 'utc' : 'local';
}
