/**
 * `logwire tail <url>`: follows a log stream in a terminal. Resumes across disconnects (the client
 * keeps its cursor), filters on the server (or, against a server that cannot, in the client) with
 * `@logwire/protocol`'s filter and logger patterns — no matching of its own — and never lets log
 * content drive the terminal: control characters, ANSI escapes and bidi overrides are printed escaped.
 */
import { LogStreamClient, type WebSocketConstructor } from '@logwire/client';
import {
  type Filter,
  type GapData,
  LEVEL_NAMES,
  type LogMessage,
  type LogType,
  normalizeFilter,
  parseFieldExpression,
  toLevelName,
} from '@logwire/protocol';
import { WebSocket } from 'ws';
import type { Command } from './main.js';

/** Where `tail` writes, and what stops it (tests pass their own). */
export interface TailIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env?: Record<string, string | undefined>;
  /** Aborting it closes the stream and resolves `runTail` with 0. */
  signal?: AbortSignal;
}

const USAGE = `Usage: logwire tail <url> [options]

Follows a logwire (or seed-compatible) log stream, e.g. ws://localhost:8001/ws/logs.

Options:
  --level <name>     minimum level of system logs: trace, debug, info, warning, error, critical
                     (audit events are always shown)
  --logger <glob>    logger names to show; repeatable. "*" matches any characters (dots too),
                     "?" one, the rest itself (case-sensitive, whole name); "!glob" excludes
  --type <type>      system or audit; repeatable (default: both)
  --text <text>      only messages containing this text (case-insensitive)
  --category <name>  only messages of this category; repeatable (any of them)
  --field <expr>     field constraint, repeatable (all must hold): user_id=42, status_code>=500,
                     method=GET,POST, path=/api/*, metadata.instance_id=abc, user_id (exists)
  --json             one JSON object per line instead of text
  --color, --no-color  force colours on or off (default: on for a terminal, off with NO_COLOR)
  --token-env <NAME>  send the token in environment variable NAME (as the logwire.bearer.<base64url>
                     subprotocol, which the server's bearerToken() reads); never on the command line
  --header 'Name: value'  send this HTTP header with the upgrade; repeatable
  --cookie 'a=b'     send this cookie with the upgrade; repeatable (joined with "; ")
  -h, --help         this help
`;

/** Characters that must never reach a terminal raw: C0, DEL, C1, bidi controls, line/paragraph separators, BOM. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\\]/g;

/** Escapes everything a terminal could interpret (and backslashes, so escapes stay unambiguous). */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (char) => {
    if (char === '\\') return '\\\\';
    const code = char.charCodeAt(0);
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** What {@link safeJson} escapes: {@link UNSAFE} but the backslash, which JSON escapes itself. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped
const UNSAFE_IN_JSON = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** JSON text with every character that could drive a terminal escaped as \uXXXX (still valid JSON). */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(UNSAFE_IN_JSON, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

interface Parsed {
  url: string;
  filter: Filter;
  json: boolean;
  color: boolean | undefined;
  tokenEnv: string | undefined;
  headers: Record<string, string>;
}

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
/** Headers the WebSocket handshake sets itself: overriding them would break the upgrade. */
const RESERVED_HEADERS = new Set(['connection', 'upgrade', 'host', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol']);

/** Adds a `Name: value` header (or a cookie) to `headers`; returns an error message for a malformed one. */
function addHeader(headers: Record<string, string>, raw: string, option: string): string | undefined {
  const colon = raw.indexOf(':');
  const name = option === '--cookie' ? 'cookie' : raw.slice(0, colon).trim();
  const value = option === '--cookie' ? raw.trim() : raw.slice(colon + 1).trim();
  if (option === '--header' && (colon === -1 || !HEADER_NAME.test(name))) return `${option} must look like 'Name: value'`;
  // eslint-disable-next-line no-control-regex -- a header value may hold no control character (no CR/LF injection)
  if (value === '' || value.length > 8192 || /[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
    return `${option} needs a value of 1 to 8192 characters without control characters`;
  }
  const key = name.toLowerCase();
  if (RESERVED_HEADERS.has(key)) return `${option} cannot set ${name}: the WebSocket handshake sets it`;
  const previous = headers[key];
  headers[key] = previous === undefined ? value : `${previous}${key === 'cookie' ? '; ' : ', '}${value}`;
  return undefined;
}

function parseArgs(args: string[]): Parsed | string {
  let url: string | undefined;
  const filter: Filter = {};
  let json = false;
  let color: boolean | undefined;
  let tokenEnv: string | undefined;
  const headers: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    try {
      if (arg === '-h' || arg === '--help') return 'help';
      else if (arg === '--json') json = true;
      else if (arg === '--color') color = true;
      else if (arg === '--no-color') color = false;
      else if (arg === '--level') {
        const level = toLevelName(value());
        if (level === undefined) return `--level must be one of ${LEVEL_NAMES.join(', ').toLowerCase()}`;
        filter.level = level;
      } else if (arg === '--logger') (filter.loggers ??= []).push(value());
      else if (arg === '--type') {
        const raw = value().toLowerCase();
        const type: LogType | undefined =
          raw === 'system' || raw === 'system_log' ? 'system_log' : raw === 'audit' || raw === 'audit_log' ? 'audit_log' : undefined;
        if (type === undefined) return '--type must be system or audit';
        (filter.types ??= []).push(type);
      } else if (arg === '--text') filter.text = value();
      else if (arg === '--category') (filter.categories ??= []).push(value());
      else if (arg === '--field') {
        const field = parseFieldExpression(value());
        if (!field.ok) return `--field ${field.message}`;
        (filter.fields ??= []).push(field.constraint);
      } else if (arg === '--token-env') tokenEnv = value();
      else if (arg === '--header' || arg === '--cookie') {
        const problem = addHeader(headers, value(), arg);
        if (problem !== undefined) return problem;
      } else if (arg.startsWith('-')) return `unknown option ${arg}`;
      else if (url === undefined) url = arg;
      else return `unexpected argument ${arg}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
  if (url === undefined) return 'missing <url>';
  // The protocol's own check: what the server and the client's fallback filter will accept.
  const checked = normalizeFilter(filter);
  if (!checked.ok) return `${OPTION_OF[checked.path.split('.')[1] ?? ''] ?? '--logger'}: ${checked.message}`;
  return { url, filter, json, color, tokenEnv, headers };
}

/** The option behind each filter field, for messages. */
const OPTION_OF: Record<string, string> = { text: '--text', categories: '--category', fields: '--field', loggers: '--logger' };

const RESET = '\u001b[0m';
const COLOURS: Record<string, string> = {
  TRACE: '\u001b[2m',
  DEBUG: '\u001b[2m',
  INFO: '\u001b[32m',
  WARNING: '\u001b[33m',
  ERROR: '\u001b[31m',
  CRITICAL: '\u001b[1;31m',
  AUDIT: '\u001b[35m',
};

function formatText(message: LogMessage, colour: boolean): string {
  // The protocol's parser checked that these fields are strings.
  const { data } = message;
  const paint = (key: string, text: string) => (colour && COLOURS[key] !== undefined ? `${COLOURS[key]}${text}${RESET}` : text);
  const level = escapeForTerminal(data.level);
  const time = escapeForTerminal(data.timestamp);
  const logger = escapeForTerminal(data.logger);
  const text = escapeForTerminal(data.message);
  if (message.type === 'audit_log') {
    const action = escapeForTerminal(message.data.action ?? '');
    const metadata = message.data.metadata === undefined ? '' : ` ${escapeForTerminal(JSON.stringify(message.data.metadata))}`;
    return `${time} ${paint('AUDIT', 'AUDIT')} ${paint(level, level)} ${logger} ${action}: ${text}${metadata}\n`;
  }
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(message.data)) {
    if (!['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line'].includes(key)) extra[key] = value;
  }
  const fields = Object.keys(extra).length === 0 ? '' : ` ${escapeForTerminal(JSON.stringify(extra))}`;
  return `${time} ${paint(level, level.padEnd(8))} ${logger}: ${text}${fields}\n`;
}

function formatGap(gap: GapData): string {
  const count = gap.count === undefined ? 'messages' : `~${gap.count} messages`;
  return `-- gap: ${count} missing (${escapeForTerminal(String(gap.reason))}) after ${escapeForTerminal(String(gap.from ?? 'the start'))} up to ${escapeForTerminal(String(gap.to ?? 'an unknown end'))} --\n`;
}

/** Runs `logwire tail`; resolves with the exit code (0 when stopped by the signal or Ctrl-C). */
export async function runTail(args: string[], io: TailIo): Promise<number> {
  const parsed = parseArgs(args);
  if (parsed === 'help') {
    io.stdout.write(USAGE);
    return 0;
  }
  if (typeof parsed === 'string') {
    io.stderr.write(`logwire tail: ${parsed}\n\n${USAGE}`);
    return 2;
  }
  const env = io.env ?? {};
  const colour = parsed.color ?? (io.stdout.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === ''));
  let token: string | undefined;
  if (parsed.tokenEnv !== undefined) {
    token = env[parsed.tokenEnv];
    if (token === undefined || token === '') {
      io.stderr.write(`logwire tail: --token-env ${escapeForTerminal(parsed.tokenEnv)}: that environment variable is not set or empty\n`);
      return 2;
    }
  }
  let client: LogStreamClient;
  let refusal: string | undefined;
  try {
    const socket = withHeaders(parsed.headers);
    client = new LogStreamClient(parsed.url, { WebSocket: socket, filter: parsed.filter, token });
  } catch (error) {
    io.stderr.write(`logwire tail: ${escapeForTerminal((error as Error).message)}\n`);
    return 2;
  }
  client.on('message', (message) => io.stdout.write(parsed.json ? `${safeJson(message)}\n` : formatText(message, colour)));
  client.on('gap', (gap) => io.stdout.write(parsed.json ? `${safeJson({ type: 'gap', data: gap })}\n` : formatGap(gap)));
  client.on('state', (state) => io.stderr.write(`logwire tail: ${state}\n`));
  client.on('error', (error) => {
    io.stderr.write(`logwire tail: ${escapeForTerminal(error.message)}\n`);
    refusal = /refused the connection for good: (HTTP \d{3}|close \d+)/.exec(error.message)?.[1] ?? refusal;
  });
  return new Promise<number>((resolve) => {
    let stopped = false;
    const stop = () => {
      stopped = true;
      client.close();
      resolve(0);
    };
    if (io.signal?.aborted) stop();
    io.signal?.addEventListener('abort', stop, { once: true });
    client.on('state', (state) => {
      // Closed without being asked: the server refused us for good (auth, version, forbidden).
      if (state === 'closed' && !stopped) {
        io.stderr.write(`logwire tail: ${refusalHint(refusal)}\n`);
        resolve(1);
      }
    });
  });
}

/** What to tell the user when the server refused the stream for good. */
function refusalHint(refusal: string | undefined): string {
  if (refusal === 'HTTP 401' || refusal === 'close 4001') {
    return `the server refused the credentials (${refusal}): check --token-env, --header and --cookie`;
  }
  if (refusal === 'HTTP 403') return 'the server refused this client (HTTP 403): check its allowedOrigins and --header';
  return `the server refused the stream${refusal === undefined ? '' : ` (${refusal})`}`;
}

/** The `ws` WebSocket, sending `headers` with every upgrade (Node clients can set headers; browsers cannot). */
function withHeaders(headers: Record<string, string>): WebSocketConstructor {
  if (Object.keys(headers).length === 0) return WebSocket as unknown as WebSocketConstructor;
  class HeaderWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  return HeaderWebSocket as unknown as WebSocketConstructor;
}

/** The `tail` command for the CLI dispatcher. */
export const tailCommand: Command = {
  summary: 'follow a log stream in the terminal',
  run: (args) => {
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    process.once('SIGTERM', () => controller.abort());
    return runTail(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
  },
};
