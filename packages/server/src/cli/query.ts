/**
 * `logwire query <dir|url>` and its shortcuts `errors`, `search <text>`, `user <id>`, `stats`:
 * the query API from a terminal. A directory is read in this process (no server needed) through
 * the same routes the HTTP API serves (../query/routes.ts), so both print the same output for the
 * same data; a URL is asked over HTTP. Pages are followed with their cursors up to `--limit`
 * entries, and printed oldest to newest.
 */
import fs from 'node:fs';
import { parseFieldExpression } from '@logwire/protocol';
import type { AuditEventCounts, LogStats } from '../query/aggregate.js';
import type { QueryPage } from '../query/filter.js';
import { ROUTES } from '../query/routes.js';
import type { Command } from './main.js';
import { formatCounts, formatEntry, MD_HEADER, type QueryFormat } from './query-format.js';
import { escapeForTerminal } from './tail.js';

/** Where the command writes (tests pass their own). */
export interface QueryIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env?: Record<string, string | undefined>;
  /** The clock that relative times (`--since 30m`, the default 24 hours) count back from. @default Date.now */
  now?: () => number;
}

/** The query commands. */
export type QueryCommandName = 'query' | 'errors' | 'search' | 'user' | 'stats';

const COMMON = `Source: a persistence directory (read directly, no server needed) or the URL of a server's
query API (http://host:port, or its /logs base); LOGWIRE_SOURCE when none is given.

Options:
  --since <when>     30m, 2h, 7d (ago) or an ISO 8601 time; --until <when> likewise
  --hours <n>        the last n hours (default 24 when no --since, --until or --hours is given)
  --level <name>     minimum level: trace, debug, info, warning, error, critical
  --logger <name>    logger name prefix by dotted segments (app matches app.db)
  --category <name>  category; repeatable (any of them)
  --field <expr>     field constraint, repeatable (all must hold): user_id=42, status_code>=500,
                     method=GET,POST, path=/api/*, metadata.instance_id=abc, user_id (exists), !user_id
  --text <text>      case-insensitive text in the message, action or metadata
  --audit            the audit trail instead of the system log
  --limit <n>        newest entries shown, printed oldest first (default 100, at most 10000)
  --json             NDJSON, one entry per line;  --md  a Markdown table
  --color, --no-color  force colours on or off (default: on for a terminal, off with NO_COLOR)
  --token-env <NAME> send the token in environment variable NAME as "Authorization: Bearer" (URL sources)
  -h, --help         this help
`;

const USAGES: Record<QueryCommandName, string> = {
  query: `Usage: logwire query [dir|url] [options]\n\nPrints the log entries that match, oldest to newest.\n\n${COMMON}`,
  errors: `Usage: logwire errors [dir|url] [options]\n\nPrints entries at level ERROR and above (--level lowers it).\n\n${COMMON}`,
  search: `Usage: logwire search <text> [dir|url] [options]\n\nPrints entries holding <text> (case-insensitive).\n\n${COMMON}`,
  user: `Usage: logwire user <id> [dir|url] [options]\n\nPrints entries whose user_id (or metadata.user_id) is <id>.\n\n${COMMON}`,
  stats: `Usage: logwire stats [dir|url] [options]\n\nCounts entries by level, category and hour (with --audit: audit actions per hour).\n\n${COMMON}`,
};

interface Parsed {
  source: string;
  params: URLSearchParams;
  audit: boolean;
  limit: number;
  format: QueryFormat;
  color: boolean | undefined;
  tokenEnv: string | undefined;
}

const DURATION = /^(\d{1,9})(s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `30m`, `2h`, `7d` (ago) → epoch ms as text; anything else passes on as written (the API checks ISO times). */
function when(value: string, now: number): string {
  const match = DURATION.exec(value.trim());
  return match === null ? value : String(now - Number(match[1]) * (UNIT_MS[match[2] as string] as number));
}

/** Puts a field expression in the query string so the API reads it back as written (see ../query/params.ts). */
function appendField(params: URLSearchParams, expression: string): void {
  const at = expression.indexOf('=');
  if (at === -1) params.append(`field.${expression.trim()}`, '');
  else params.append(`field.${expression.slice(0, at).trim()}`, expression.slice(at + 1).trim());
}

function parseArgs(name: QueryCommandName, args: string[], env: Record<string, string | undefined>, now: number): Parsed | string {
  const params = new URLSearchParams();
  const positional: string[] = [];
  const categories: string[] = [];
  let audit = false;
  let limit = 100;
  let format: QueryFormat = 'text';
  let color: boolean | undefined;
  let tokenEnv: string | undefined;
  let timeGiven = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = (): string => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    try {
      if (arg === '-h' || arg === '--help') return 'help';
      else if (arg === '--json') format = 'json';
      else if (arg === '--md') format = 'md';
      else if (arg === '--color') color = true;
      else if (arg === '--no-color') color = false;
      else if (arg === '--audit') audit = true;
      else if (arg === '--since' || arg === '--until') {
        if (arg === '--since' && params.has('since')) return 'give --since or --hours, not both';
        params.set(arg.slice(2), when(value(), now));
        timeGiven = true;
      } else if (arg === '--hours') {
        const hours = Number(value());
        if (!(hours > 0 && hours <= 87_600)) return '--hours must be a number of hours above 0';
        // As a time, not `hours=`: the directory and the server then count from the same instant.
        params.set('since', String(Math.round(now - hours * 3_600_000)));
        timeGiven = true;
      } else if (arg === '--level' || arg === '--logger' || arg === '--text') params.set(arg.slice(2), value());
      else if (arg === '--category') categories.push(value());
      else if (arg === '--field') {
        const expression = value();
        const checked = parseFieldExpression(expression);
        if (!checked.ok) return `--field ${checked.message}`;
        appendField(params, expression);
      } else if (arg === '--limit') {
        limit = Number(value());
        if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) return '--limit must be a whole number from 1 to 10000';
      } else if (arg === '--token-env') tokenEnv = value();
      else if (arg.startsWith('-') && arg !== '-') return `unknown option ${arg}`;
      else positional.push(arg);
    } catch (error) {
      return (error as Error).message;
    }
  }
  if (categories.length > 0) params.set('category', categories.join(','));
  const needs = name === 'search' || name === 'user' ? 1 : 0;
  if (positional.length < needs) return name === 'search' ? 'missing <text>' : 'missing <id>';
  if (name === 'search') params.set('q', positional.shift() as string);
  if (name === 'user') appendField(params, `user_id=${positional.shift() as string}`);
  if (positional.length > 1) return `unexpected argument ${positional[1] as string}`;
  const source = positional[0] ?? env['LOGWIRE_SOURCE'];
  if (source === undefined || source === '') return 'missing <dir|url> (or set LOGWIRE_SOURCE)';
  // The CLI's own default window, explicit, so every cursor it follows is a page or budget cursor.
  if (!timeGiven) params.set('since', String(now - 24 * 3_600_000));
  return { source, params, audit, limit, format, color, tokenEnv };
}

/** A failure with the exit code to end with and a message for stderr. */
class QueryFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Asks a route for one answer: from the directory through the API's own routes, or over HTTP. */
type Ask = (route: string, params: URLSearchParams) => Promise<unknown>;

function directorySource(dir: string): Ask {
  return async (route, params) => {
    const handler = ROUTES[route] as (typeof ROUTES)[string];
    const query = handler.parse(`/?${params.toString()}`);
    if (typeof query === 'string') throw new QueryFailure(query, 2);
    try {
      const { body } = await handler.run(dir, query, {});
      // Through JSON, as over HTTP: the same values, the same output.
      return JSON.parse(JSON.stringify(body)) as unknown;
    } catch (error) {
      throw new QueryFailure((error as Error).message, 2);
    }
  };
}

function httpSource(url: string, token: string | undefined): Ask {
  const base = new URL(url);
  if (base.pathname === '/' || base.pathname === '') base.pathname = '/logs';
  const root = base.href.replace(/\/+$/, '');
  return async (route, params) => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    let response: Response;
    try {
      response = await fetch(`${root}/${route}?${params.toString()}`, { headers });
    } catch (error) {
      throw new QueryFailure(`cannot reach ${root}: ${(error as Error).message}`, 1);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new QueryFailure(`${root}/${route} answered HTTP ${response.status} without JSON`, 1);
    }
    if (response.status !== 200) {
      const message = (body as { message?: unknown }).message;
      throw new QueryFailure(
        `HTTP ${response.status}: ${typeof message === 'string' ? message : 'the query failed'}`,
        response.status === 400 ? 2 : 1,
      );
    }
    return body;
  };
}

/** Runs one of the query commands; resolves with the exit code. */
export async function runQuery(name: QueryCommandName, args: string[], io: QueryIo): Promise<number> {
  const env = io.env ?? {};
  const parsed = parseArgs(name, args, env, (io.now ?? Date.now)());
  if (parsed === 'help') {
    io.stdout.write(USAGES[name]);
    return 0;
  }
  if (typeof parsed === 'string') {
    io.stderr.write(`logwire ${name}: ${escapeForTerminal(parsed)}\n\n${USAGES[name]}`);
    return 2;
  }
  let token: string | undefined;
  if (parsed.tokenEnv !== undefined) {
    token = env[parsed.tokenEnv];
    if (token === undefined || token === '') {
      io.stderr.write(
        `logwire ${name}: --token-env ${escapeForTerminal(parsed.tokenEnv)}: that environment variable is not set or empty\n`,
      );
      return 2;
    }
  }
  const isUrl = /^https?:\/\//i.test(parsed.source);
  if (!isUrl && !fs.existsSync(parsed.source)) {
    io.stderr.write(
      `logwire ${name}: ${escapeForTerminal(parsed.source)}: no such directory (give a persistence directory or an http(s) URL)\n`,
    );
    return 2;
  }
  const ask = isUrl ? httpSource(parsed.source, token) : directorySource(parsed.source);
  const colour = parsed.color ?? (io.stdout.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === ''));
  try {
    if (name === 'stats') io.stdout.write(formatCounts(await countAll(ask, parsed), parsed.format));
    else {
      const entries = await collect(ask, name, parsed);
      if (parsed.format === 'md') io.stdout.write(MD_HEADER);
      for (const entry of entries) io.stdout.write(formatEntry(entry, parsed.format, colour));
    }
    return 0;
  } catch (error) {
    if (!(error instanceof QueryFailure)) throw error;
    io.stderr.write(`logwire ${name}: ${escapeForTerminal(error.message)}\n`);
    return error.code;
  }
}

/** Follows cursors from the newest page until `limit` entries or the end; oldest first. */
async function collect(ask: Ask, name: QueryCommandName, parsed: Parsed): Promise<QueryPage['entries']> {
  const route = parsed.audit ? 'audit' : name === 'query' || name === 'user' ? 'system' : name;
  const params = new URLSearchParams(parsed.params);
  // The audit trail has no errors or search route: the same filters on its own route.
  if (parsed.audit && name === 'errors' && !params.has('level')) params.set('level', 'ERROR');
  if (parsed.audit && name === 'search') params.set('text', params.get('q') ?? '');
  if (parsed.audit) params.delete('q');
  const found: QueryPage['entries'] = [];
  for (;;) {
    params.set('limit', String(Math.min(1000, parsed.limit - found.length)));
    const page = (await ask(route, params)) as QueryPage;
    found.unshift(...page.entries);
    if (page.cursor === null || found.length >= parsed.limit) return found;
    params.set('cursor', page.cursor);
  }
}

/** Counts over the whole window, adding up the parts when the budget splits it. */
async function countAll(ask: Ask, parsed: Parsed): Promise<LogStats | AuditEventCounts> {
  const params = new URLSearchParams(parsed.params);
  let total: LogStats | AuditEventCounts | undefined;
  for (;;) {
    const part = (await ask(parsed.audit ? 'events' : 'stats', params)) as LogStats | AuditEventCounts;
    total = total === undefined ? part : addCounts(total, part);
    if (part.cursor === null) return { ...total, complete: true, cursor: null };
    params.set('cursor', part.cursor);
  }
}

function addCounts<T extends LogStats | AuditEventCounts>(a: T, b: T): T {
  // A Map, not an object: a counted name such as `__proto__` stays an ordinary key.
  const add = (x: Record<string, number>, y: Record<string, number>): Record<string, number> => {
    const out = new Map(Object.entries(x));
    for (const [key, value] of Object.entries(y)) out.set(key, (out.get(key) ?? 0) + value);
    return Object.fromEntries([...out].sort((p, q) => q[1] - p[1]));
  };
  const hours = new Map(a.hours.map((hour) => [hour.hour, { ...hour }]));
  for (const hour of b.hours) {
    const known = hours.get(hour.hour);
    if (known === undefined) hours.set(hour.hour, hour);
    else hours.set(hour.hour, { hour: hour.hour, total: known.total + hour.total, counts: add(known.counts, hour.counts) });
  }
  const merged = { ...a, total: a.total + b.total, hours: [...hours.values()].sort((x, y) => x.hour.localeCompare(y.hour)) };
  if ('levels' in merged && 'levels' in b)
    return { ...merged, levels: add(merged.levels, b.levels), categories: add(merged.categories, b.categories) };
  if ('actions' in merged && 'actions' in b) return { ...merged, actions: add(merged.actions, b.actions) };
  return merged;
}

/** The command for the CLI dispatcher. */
export function queryCommand(name: QueryCommandName, summary: string): Command {
  return { summary, run: (args) => runQuery(name, args, { stdout: process.stdout, stderr: process.stderr, env: process.env }) };
}
