import { type FieldConstraint, MAX_FIELD_CONSTRAINTS, normalizeFieldConstraint } from './field-filter.js';
import { compileGlob, hasWildcard } from './glob.js';
import { isLevelName, LEVEL_NAMES } from './levels.js';
import type { LogType } from './messages.js';
import { isRecord } from './shape.js';

/** Most logger patterns a filter may hold. */
export const MAX_FILTER_PATTERNS = 64;
/** Longest logger pattern or `text`, in characters. */
export const MAX_FILTER_STRING = 256;

/** A filter with every field present: what lets everything through is spelled out. */
export interface NormalizedFilter {
  types: LogType[];
  level: (typeof LEVEL_NAMES)[number];
  loggers: string[];
  text: string;
  /** Values of `data.category`, any of which passes; present only when not empty. */
  categories?: string[];
  /** Field constraints, all of which must hold; present only when not empty. */
  fields?: FieldConstraint[];
}

/** The outcome of {@link normalizeFilter}. */
export type FilterResult = { ok: true; filter: NormalizedFilter } | { ok: false; message: string; path: string };

const TYPES: readonly LogType[] = ['system_log', 'audit_log'];

/**
 * Checks an untrusted filter and spells it out in a canonical form (types in a fixed order,
 * duplicate patterns removed), so equal filters have equal JSON and can share one encoding.
 * Never throws.
 */
export function normalizeFilter(input: unknown): FilterResult {
  if (input === undefined || input === null) return { ok: true, filter: { types: [...TYPES], level: 'TRACE', loggers: [], text: '' } };
  if (!isRecord(input)) return { ok: false, message: 'filter must be an object', path: 'filter' };
  const record = input;
  let types: LogType[] = [...TYPES];
  if (record['types'] !== undefined) {
    const raw = record['types'];
    if (!Array.isArray(raw) || raw.length > 8)
      return { ok: false, message: 'filter.types must be an array of message types', path: 'filter.types' };
    for (const [index, type] of raw.entries()) {
      if (!TYPES.includes(type as LogType))
        return { ok: false, message: `filter.types[${index}] must be "system_log" or "audit_log"`, path: `filter.types.${index}` };
    }
    types = TYPES.filter((type) => raw.includes(type));
  }
  let level: NormalizedFilter['level'] = 'TRACE';
  if (record['level'] !== undefined) {
    const raw = record['level'];
    const upper = typeof raw === 'string' ? raw.toUpperCase() : raw;
    const name = upper === 'WARN' ? 'WARNING' : upper;
    if (!isLevelName(name)) return { ok: false, message: `filter.level must be one of ${LEVEL_NAMES.join(', ')}`, path: 'filter.level' };
    level = name;
  }
  let loggers: string[] = [];
  if (record['loggers'] !== undefined) {
    const raw = record['loggers'];
    if (!Array.isArray(raw) || raw.length > MAX_FILTER_PATTERNS)
      return { ok: false, message: `filter.loggers must be an array of at most ${MAX_FILTER_PATTERNS} globs`, path: 'filter.loggers' };
    for (const [index, pattern] of raw.entries()) {
      if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_FILTER_STRING || pattern === '!') {
        return {
          ok: false,
          message: `filter.loggers[${index}] must be a glob of 1 to ${MAX_FILTER_STRING} characters`,
          path: `filter.loggers.${index}`,
        };
      }
    }
    loggers = [...new Set(raw as string[])].sort();
  }
  let text = '';
  if (record['text'] !== undefined) {
    const raw = record['text'];
    if (typeof raw !== 'string' || raw.length > MAX_FILTER_STRING)
      return { ok: false, message: `filter.text must be a string of at most ${MAX_FILTER_STRING} characters`, path: 'filter.text' };
    text = raw;
  }
  const filter: NormalizedFilter = { types, level, loggers, text };
  if (record['categories'] !== undefined) {
    const raw = record['categories'];
    const fine =
      Array.isArray(raw) && raw.length <= MAX_FILTER_PATTERNS && raw.every((c) => typeof c === 'string' && c.length > 0 && c.length <= 64);
    if (!fine)
      return {
        ok: false,
        message: `filter.categories must be an array of at most ${MAX_FILTER_PATTERNS} names of 1 to 64 characters`,
        path: 'filter.categories',
      };
    if (raw.length > 0) filter.categories = [...new Set(raw as string[])].sort();
  }
  if (record['fields'] !== undefined) {
    const raw = record['fields'];
    if (!Array.isArray(raw) || raw.length > MAX_FIELD_CONSTRAINTS)
      return {
        ok: false,
        message: `filter.fields must be an array of at most ${MAX_FIELD_CONSTRAINTS} field constraints`,
        path: 'filter.fields',
      };
    const fields: FieldConstraint[] = [];
    for (const [index, item] of raw.entries()) {
      const result = normalizeFieldConstraint(item, MAX_FILTER_STRING);
      if (!result.ok) return { ok: false, message: `filter.fields[${index}]: ${result.message}`, path: `filter.fields.${index}` };
      fields.push(result.constraint);
    }
    if (fields.length > 0) filter.fields = fields;
  }
  return { ok: true, filter };
}

/**
 * The logger part of a filter as a predicate, by the one rule for logger patterns (README, "Logger
 * patterns"): `*` matches any characters (dots included), `?` one UTF-16 code unit, anything else
 * itself, over the whole name, case-sensitively; a pattern starting with `!` excludes. A name passes
 * when it matches at least one positive pattern (or there is none) and no negative one. Matching is
 * linear-time for ordinary patterns and O(pattern × name) at worst (see `globMatches`).
 */
export function loggerMatcher(patterns: readonly string[]): (logger: string) => boolean {
  const positive: ((name: string) => boolean)[] = [];
  const negative: ((name: string) => boolean)[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) negative.push(compileGlob(pattern.slice(1)));
    else positive.push(compileGlob(pattern));
  }
  if (positive.length === 0 && negative.length === 0) return () => true;
  const decide = (logger: string): boolean =>
    (positive.length === 0 || positive.some((matches) => matches(logger))) && !negative.some((matches) => matches(logger));
  // Logger names come from the application and repeat; patterns come from viewers. Remembering the
  // answer per name makes a hostile pattern list cost its worst case once per distinct name, not per
  // message. The memo is bounded: when full it starts over.
  const memo = new Map<string, boolean>();
  return (logger) => {
    let passes = memo.get(logger);
    if (passes === undefined) {
      passes = decide(logger);
      if (memo.size >= LOGGER_MEMO_SIZE) memo.clear();
      memo.set(logger, passes);
    }
    return passes;
  };
}

/** Distinct logger names whose answer one compiled logger filter remembers. */
const LOGGER_MEMO_SIZE = 1024;

/**
 * Turns what someone typed into a logger box into a pattern of the one rule: the text is trimmed,
 * and a term without `*` or `?` is wrapped as `*term*` (so `db` finds `app.db.pool`); a leading `!`
 * stays in front (`!health` → `!*health*`). Returns `undefined` for nothing typed (or a bare `!`).
 */
export function loggerPatternFromInput(input: string): string | undefined {
  const text = input.trim();
  const negated = text.startsWith('!');
  const term = negated ? text.slice(1) : text;
  if (term === '') return undefined;
  const pattern = hasWildcard(term) ? term : `*${term}*`;
  return negated ? `!${pattern}` : pattern;
}
