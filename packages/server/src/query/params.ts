// The query string of GET /logs/system and /logs/audit: parameters → LogQuery, with a message
// saying what is wrong for anything invalid.
import { type LogKind, type LogQuery, MAX_QUERY_LIMIT } from './filter.js';

const PARAMS = new Set(['since', 'until', 'limit', 'level', 'logger', 'action', 'text', 'cursor']);
/** Parameters of an `around` query (./around.ts), which parses them itself. */
const AROUND = new Set(['around', 'before', 'after']);

/** Turns the query string into a {@link LogQuery}, or a message saying what is wrong. */
export function parseQuery(url: string, kind: LogKind): LogQuery | string {
  let params: URLSearchParams;
  try {
    params = new URL(url, 'http://localhost').searchParams;
  } catch {
    return 'malformed URL';
  }
  const query: LogQuery = {};
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (AROUND.has(name)) continue;
    if (!PARAMS.has(name)) return `unknown parameter "${name.slice(0, 40)}": use ${[...PARAMS].join(', ')}`;
    if (seen.has(name)) return `parameter "${name}" given more than once`;
    seen.add(name);
    if (value.includes('\0')) return `parameter "${name}" contains a NUL character`;
    switch (name) {
      case 'since':
      case 'until': {
        const ms = parseTimeOrError(value);
        if (typeof ms === 'string') return `${name} ${ms}`;
        query[name] = ms;
        break;
      }
      case 'limit': {
        if (!/^\d{1,7}$/.test(value)) return `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`;
        const limit = Number(value);
        if (limit < 1 || limit > MAX_QUERY_LIMIT) return `limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`;
        query.limit = limit;
        break;
      }
      case 'level':
        query.level = value.toUpperCase() as LogQuery['level'];
        break;
      case 'action':
        if (kind !== 'audit') return 'action filters audit entries only';
        query.action = value;
        break;
      case 'logger':
      case 'text':
      case 'cursor':
        query[name] = value;
        break;
    }
  }
  return query;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

const FORMAT = 'must be an ISO 8601 date or time (e.g. 2026-03-14 or 2026-03-14T12:00:00Z) or milliseconds since 1970';

/** Parses an ISO 8601 date or date-time (no time zone means UTC) or epoch milliseconds; undefined when invalid. */
export function parseTime(value: string): number | undefined {
  const ms = parseTimeOrError(value);
  return typeof ms === 'number' ? ms : undefined;
}

/** {@link parseTime}, or what is wrong, worded to follow the parameter's name. */
function parseTimeOrError(value: string): number | string {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  const match = ISO.exec(value);
  if (match === null) return FORMAT;
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', zone] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const ms = Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number((fraction + '000').slice(0, 3)));
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return FORMAT;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return FORMAT;
  if (zone === undefined || zone === 'Z') return ms;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) return `has a time-zone offset out of range (${zone}): offsets go from -23:59 to +23:59`;
  return ms - sign * (hours * 60 + minutes) * 60_000;
}
