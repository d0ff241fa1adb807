/**
 * Secret redaction, applied while a record is formatted, before it reaches the hub: frames, files
 * and anything else downstream only ever see the redacted text.
 *
 * Why not a library: `@pinojs/redact` and `fast-redact` (the maintained options) match exact,
 * case-sensitive, positional paths. A key named `Password` or `headers.Authorization`, a `password`
 * three levels deep, or `token=…` inside a message all pass through them untouched (measured, see
 * the project's security research). Redacting by key name at any depth, case-insensitively, and
 * by value pattern needs a different mechanism, so this module plugs a key check and a text
 * filter into the JSON encoding logwire already does: one pass, no copies, the caller's objects
 * are never mutated.
 */

import { LogwireError, LogwireErrorCode } from '../errors.js';

/** A value pattern: every match of `pattern` in a string is replaced. */
export interface RedactPattern {
  /** What to look for. Made global if it is not. Keep it linear (no nested quantifiers). */
  pattern: RegExp;
  /** Replacement text or function, as for `String.prototype.replace`. @default the censor */
  replacement?: string | ((match: string, ...groups: string[]) => string);
  /**
   * A cheap test that must hold for the pattern to match (e.g. `text.includes('=')`); the regex
   * only runs when it returns true. Keeps redaction cheap for text that holds no secret.
   * @default always run the pattern
   */
  trigger?: (text: string) => boolean;
}

/** Options of redaction; pass `redact: false` to {@link createLogwire} to switch it off. */
export interface RedactOptions {
  /**
   * More key names whose values are replaced, at any depth, in any case; `-` and `_` are ignored
   * when comparing (`apiKey`, `api_key` and `API-KEY` are the same key).
   */
  keys?: readonly string[];
  /**
   * Dotted paths into a message's `data` whose values are replaced: extras of a `system_log` are
   * at the top (`user.ssn`), audit metadata under `metadata` (`metadata.details.card`). `*`
   * matches any one key or array index. Compared case-insensitively. Set at start-up only;
   * never build paths from request input.
   */
  paths?: readonly string[];
  /** More value patterns, applied to the message and every string value (Error stacks included). */
  patterns?: readonly (RegExp | RedactPattern)[];
  /** Text that replaces a redacted value. @default '[REDACTED]' */
  censor?: string;
  /** Keep the built-in key list ({@link DEFAULT_REDACT_KEYS}). @default true */
  defaultKeys?: boolean;
  /** Keep the built-in value patterns ({@link DEFAULT_REDACT_PATTERNS}). @default true */
  defaultPatterns?: boolean;
}

/**
 * Key names redacted by default. A key matches when, lowercased and without `-`/`_`, it equals one
 * of these or ends with one of {@link SECRET_KEY_SUFFIXES} (`db_password`, `githubToken`).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'api_key',
  'x-api-key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'private_key',
  'client_secret',
  'access_key',
  'secret_key',
  'credentials',
  'jwt',
];

/** Endings that make a key secret (after lowercasing and dropping `-`/`_`). */
const SECRET_KEY_SUFFIXES: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'privatekey',
  'accesskey',
  'secretkey',
  'authorization',
  'cookie',
  'credentials',
];

// Tests for one of several substrings as regexes: on V8 one literal regex test beats several
// `includes` calls (a single substring is tested with `includes`).
const HAS_SEPARATOR = /[=:]/;
const HAS_BEARER = /earer|EARER/;
const HAS_TOKEN_PREFIX = /_|xox|AKIA|ASIA|ABIA|ACCA/;
/** Holds whenever any built-in pattern could match: text that fails it skips them all. */
const DEFAULT_GATE = /[=:_]|earer|EARER|eyJ|xox|AKIA|ASIA|ABIA|ACCA|PRIVATE KEY-----/;

/** The shortest text any built-in pattern matches (`pwd=x`): shorter text (`GET`, `http`) skips them without the gate. */
const MIN_DEFAULT_MATCH = 5;

const SECRET_WORDS =
  'password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|authorization|cookie|credentials';

/**
 * Value patterns redacted by default, in order:
 * `password=…`/`token: …`/`"api_key":"…"` (the value), `Bearer <token>`, URL user-info passwords,
 * JSON Web Tokens, PEM private keys, and well-known token formats (GitHub, AWS access key ids,
 * Slack, Stripe). Each is linear in the length of the text, and runs only when a cheap substring
 * test (`trigger`) finds what it needs, so text without secrets costs a few `includes` calls.
 */
export const DEFAULT_REDACT_PATTERNS: readonly RedactPattern[] = [
  {
    pattern: new RegExp(
      `(${SECRET_WORDS})("?\\s{0,8}[:=]\\s{0,8})("[^"\\n]{0,512}"|'[^'\\n]{0,512}'|(?:bearer|basic|token|digest)\\s+[^\\s&,;"']+|[^\\s&,;"']+)`,
      'gi',
    ),
    replacement: (_match, key, separator, value) => key + separator + quoteLike(value),
    trigger: (text) => HAS_SEPARATOR.test(text),
  },
  {
    pattern: /\b(bearer)\s+[A-Za-z0-9\-._~+/]{16,}=*/gi,
    replacement: '$1 [REDACTED]',
    trigger: (text) => HAS_BEARER.test(text),
  },
  { pattern: /(:\/\/[^\s:@/?#]+):[^\s@/?#]+@/g, replacement: '$1:[REDACTED]@', trigger: (text) => text.includes('://') },
  { pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, trigger: (text) => text.includes('eyJ') },
  {
    pattern: /-----BEGIN[A-Z ]{0,40}PRIVATE KEY-----[\s\S]*?(?:-----END[A-Z ]{0,40}PRIVATE KEY-----|$)/g,
    trigger: (text) => text.includes('PRIVATE KEY-----'),
  },
  {
    pattern:
      /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,}|(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}|xox[abposr]-[A-Za-z0-9-]{10,}|[sr]k_(?:live|test|prod)_[A-Za-z0-9]{16,})\b/g,
    trigger: (text) => HAS_TOKEN_PREFIX.test(text),
  },
];

const DEFAULT_CENSOR = '[REDACTED]';
/** Key decisions are cached; logs reuse a small vocabulary of keys. Bounded so odd keys cannot grow it. */
const KEY_CACHE_LIMIT = 2048;

interface CompiledPattern {
  pattern: RegExp;
  replacement: string | ((match: string, ...groups: string[]) => string);
  trigger: ((text: string) => boolean) | undefined;
}

/** Decides what to hide; built once per logwire instance from {@link RedactOptions}. */
export class Redactor {
  /** Text that replaces a redacted value. */
  readonly censor: string;
  /** True when path rules exist (the encoder then tracks where it is). */
  readonly hasPaths: boolean;
  readonly #exact: Set<string>;
  readonly #suffixes: readonly string[];
  readonly #keyCache = new Map<string, boolean>();
  /** The built-in patterns (empty when `defaultPatterns` is false); skipped together when the gate fails. */
  readonly #defaults: CompiledPattern[];
  /** Patterns from the options. */
  readonly #custom: CompiledPattern[];
  readonly #paths: string[][];

  constructor(options: RedactOptions = {}) {
    this.censor = typeof options.censor === 'string' ? options.censor : DEFAULT_CENSOR;
    const keys = [...(options.defaultKeys === false ? [] : DEFAULT_REDACT_KEYS), ...(options.keys ?? [])];
    this.#exact = new Set(keys.filter((key) => typeof key === 'string').map(normalizeKey));
    this.#suffixes = options.defaultKeys === false ? [] : SECRET_KEY_SUFFIXES;
    this.#defaults = (options.defaultPatterns === false ? [] : DEFAULT_REDACT_PATTERNS).map((entry) => compilePattern(entry, this.censor));
    this.#custom = (options.patterns ?? []).map((entry) => compilePattern(entry, this.censor));
    this.#paths = (options.paths ?? [])
      .filter((path) => typeof path === 'string' && path !== '')
      .map((path) => path.split('.').map((segment) => segment.toLowerCase()));
    this.hasPaths = this.#paths.length > 0;
  }

  /** True when values under `key` are secret, whatever their depth. */
  isSecretKey(key: string): boolean {
    let secret = this.#keyCache.get(key);
    if (secret === undefined) {
      const normal = normalizeKey(key);
      secret = this.#exact.has(normal) || this.#suffixes.some((suffix) => normal.endsWith(suffix));
      // Only keys of ordinary length are kept, so the cache's memory stays bounded by entries × length.
      if (key.length <= 128) {
        if (this.#keyCache.size >= KEY_CACHE_LIMIT) this.#keyCache.clear();
        this.#keyCache.set(key, secret);
      }
    }
    return secret;
  }

  /** True when the value at `path` (segments from the top of `data`) matches a path rule. */
  matchesPath(path: readonly string[]): boolean {
    outer: for (const rule of this.#paths) {
      if (rule.length !== path.length) continue;
      for (let i = 0; i < rule.length; i++) {
        const segment = rule[i] as string;
        if (segment !== '*' && segment !== (path[i] as string).toLowerCase()) continue outer;
      }
      return true;
    }
    return false;
  }

  /** `text` with every value pattern replaced; the same string when nothing matches. */
  text(text: string): string {
    let out = text;
    if (this.#defaults.length > 0 && text.length >= MIN_DEFAULT_MATCH && DEFAULT_GATE.test(text)) out = applyPatterns(this.#defaults, out);
    return this.#custom.length === 0 ? out : applyPatterns(this.#custom, out);
  }
}

function applyPatterns(patterns: readonly CompiledPattern[], text: string): string {
  let out = text;
  for (let i = 0; i < patterns.length; i++) {
    const entry = patterns[i] as CompiledPattern;
    if (entry.trigger !== undefined && !entry.trigger(out)) continue;
    entry.pattern.lastIndex = 0;
    out = out.replace(entry.pattern, entry.replacement as string);
  }
  return out;
}

/** `apiKey`, `API-KEY`, `api_key` → `apikey`. */
function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function compilePattern(entry: RegExp | RedactPattern, censor: string): CompiledPattern {
  const source = entry instanceof RegExp ? entry : entry.pattern;
  if (!(source instanceof RegExp))
    throw new LogwireError(LogwireErrorCode.InvalidOption, 'redact.patterns entries must be RegExp or { pattern: RegExp }');
  const pattern = source.global ? new RegExp(source.source, source.flags) : new RegExp(source.source, source.flags + 'g');
  const given = entry instanceof RegExp ? undefined : entry.replacement;
  let replacement: CompiledPattern['replacement'] = given ?? censor;
  if (typeof replacement === 'string' && censor !== DEFAULT_CENSOR) replacement = replacement.split(DEFAULT_CENSOR).join(censor);
  if (typeof replacement === 'function' && censor !== DEFAULT_CENSOR) {
    const inner = replacement;
    replacement = (...args: string[]) =>
      inner(...(args as [string, ...string[]]))
        .split(DEFAULT_CENSOR)
        .join(censor);
  }
  const trigger = entry instanceof RegExp || typeof entry.trigger !== 'function' ? undefined : entry.trigger;
  return { pattern, replacement, trigger };
}

/** Keeps the quoting of a redacted value, so `"password":"x"` stays readable JSON-ish text. */
function quoteLike(value: string): string {
  const first = value.charAt(0);
  return first === '"' || first === "'" ? first + DEFAULT_CENSOR + first : DEFAULT_CENSOR;
}

/** Builds a redactor from the `redact` option: `false` turns redaction off. */
export function createRedactor(option: boolean | RedactOptions | undefined): Redactor | undefined {
  if (option === false) return undefined;
  return new Redactor(option === true || option === undefined ? {} : option);
}
