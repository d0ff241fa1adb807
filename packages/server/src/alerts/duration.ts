import { LogwireError, LogwireErrorCode } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in ms from a number of ms or a string like `'500ms'`, `'30s'`, `'5m'`, `'1h'`. */
export function parseDuration(value: unknown, option: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  const match = typeof value === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)$/.exec(value.trim()) : null;
  if (match === null)
    throw new LogwireError(
      LogwireErrorCode.InvalidOption,
      `${option} must be ms or a duration like '30s', '5m', '1h'; got ${String(value)}`,
    );
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}
