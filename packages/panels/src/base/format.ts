/** Formats a wire timestamp as `HH:MM:SS.mmm` in local time or UTC; unparseable input is shown as is. */
export function formatTime(timestamp: string, zone: 'local' | 'utc'): string {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) return timestamp;
  const date = new Date(ms);
  const [h, m, s, milli] =
    zone === 'utc'
      ? [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds(), date.getUTCMilliseconds()]
      : [date.getHours(), date.getMinutes(), date.getSeconds(), date.getMilliseconds()];
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(milli, 3)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Compact one-line JSON for metadata cells; never throws. */
export function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unprintable]';
  }
}
