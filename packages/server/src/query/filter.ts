// The filters of a query and the page they build: what a query asks for, how a filter is checked
// against one line of a log file, and how the page and its cursor come out. Reading the files
// (synchronously or in yielding slices) lives in ./query.ts and ./read-backward.ts.
import { auditChainFields } from './chain-fields.js';
import {
  compareIds,
  type FieldConstraint,
  type FilterSubject,
  formatId,
  Level,
  type LevelName,
  messageMatcher,
  normalizeFilter,
  parseFieldExpression,
  parseId,
  requiredKeys,
  type QueryEntry,
  type QueryPage,
  type StreamId,
  toLevelName,
} from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { LineProbe } from './line-probe.js';
import { parseStoredLine, type StoredLine } from './stored-line.js';

/** Which file set a query reads. */
export type LogKind = 'system' | 'audit';

/** Filters of a query; every one is optional, and one given as `undefined` means its default. */
export interface LogQuery {
  /** Only entries at or after this time (ms since the epoch, or a Date). */
  since?: number | Date | undefined;
  /** Only entries at or before this time. */
  until?: number | Date | undefined;
  /** Newest entries returned at most. @default 100, at most {@link MAX_QUERY_LIMIT} */
  limit?: number | undefined;
  /** Minimum level. */
  level?: LevelName | undefined;
  /** Logger name prefix, by dotted segments: `orchestrator` matches `orchestrator.server`, not `orchestrators`. */
  logger?: string | undefined;
  /** Audit action, exact match (audit only). */
  action?: string | undefined;
  /** Case-insensitive literal substring of the message (and, for audit entries, the action and metadata). */
  text?: string | undefined;
  /** Continue an earlier query: only entries older than this cursor (from `QueryPage.cursor`). */
  cursor?: string | undefined;
  /** Only entries of the last `hours` hours (instead of `since`; fractions allowed, at most 10 years). */
  hours?: number | undefined;
  /** `data.category` equal to this one, or to any of these. */
  category?: string | readonly string[] | undefined;
  /**
   * Field constraints, all of which must hold: the protocol's `FieldConstraint` objects or their
   * text form (`user_id=42`, `status_code>=500`, `metadata.instance_id=abc`, `user_id` for exists).
   */
  fields?: readonly (FieldConstraint | string)[] | undefined;
  /**
   * `since` is a default window (the HTTP API's last 24 hours), not the caller's own: a page that
   * reaches it still gets a cursor, so paging on goes further back.
   */
  defaultWindow?: boolean | undefined;
}

/**
 * An entry and a page of query results are the wire's `QueryEntry` and `QueryPage` from
 * `@logwire/protocol`. A page cut short by a query budget may hold fewer than `limit` entries
 * (even none) and still have a cursor.
 */
export type { QueryEntry, QueryPage };

/** Largest page a query returns. */
export const MAX_QUERY_LIMIT = 1000;
/**
 * Characters of stored lines one page holds at most (besides its first entry): a page of long
 * entries ends sooner, with a cursor to the rest, so one answer's memory does not grow with `limit`
 * times the longest line.
 */
export const MAX_PAGE_BYTES = 4 << 20;
/** Longest `text` filter accepted. */
export const MAX_TEXT_LENGTH = 200;

/** A validated query. */
export interface CompiledFilter {
  kind: LogKind;
  since: number;
  until: number;
  limit: number;
  level: number;
  logger: string;
  action: string | undefined;
  text: string | undefined;
  before: StreamId | undefined;
  /** The protocol's predicate for `category` and `fields` over parsed data; undefined without them. */
  structured: ((subject: FilterSubject) => boolean) | undefined;
  /** JSON key text (`"user_id":`) a line must hold to match `category`/`fields` (a cheap test before parsing). */
  keys: string[];
  /** See {@link LogQuery.defaultWindow}. */
  defaultWindow: boolean;
}

/** Validates a query; throws {@link LogwireError} `ERR_LOGWIRE_INVALID_OPTION` saying what is wrong. */
export function compileQuery(kind: LogKind, query: LogQuery): CompiledFilter {
  const invalid = (message: string): never => {
    throw new LogwireError(LogwireErrorCode.InvalidOption, message);
  };
  const time = (value: number | Date | undefined, name: string, fallback: number): number => {
    if (value === undefined) return fallback;
    const ms = value instanceof Date ? value.getTime() : value;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return invalid(`${name} must be a valid time`);
    return ms;
  };
  let since = time(query.since, 'since', -Infinity);
  if (query.hours !== undefined) {
    const hours = query.hours;
    if (typeof hours !== 'number' || !(hours > 0) || hours > 87_600) invalid('hours must be a number of hours from above 0 to 87600');
    if (query.since !== undefined) invalid('give since or hours, not both');
    since = Date.now() - hours * 3_600_000;
  }
  const until = time(query.until, 'until', Infinity);
  if (since > until) invalid('since must not be after until');
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    invalid(`limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`);
  }
  let level = -Infinity;
  if (query.level !== undefined) {
    const name = typeof query.level === 'string' ? toLevelName(query.level) : undefined;
    if (name === undefined) invalid('level must be one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL');
    level = Level[name as LevelName];
  }
  const { logger, action, text, cursor } = query;
  if (logger !== undefined && (typeof logger !== 'string' || logger.length > 200)) {
    invalid('logger must be a name prefix of at most 200 characters');
  }
  if (action !== undefined && (typeof action !== 'string' || action.length > 200)) {
    invalid('action must be a string of at most 200 characters');
  }
  if (action !== undefined && kind !== 'audit') invalid('action filters audit entries only');
  if (text !== undefined && (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH)) {
    invalid(`text must be a string of at most ${MAX_TEXT_LENGTH} characters`);
  }
  let before: StreamId | undefined;
  if (cursor !== undefined) {
    before = typeof cursor === 'string' ? parseId(cursor) : undefined;
    if (before === undefined) invalid('cursor must be a cursor returned by an earlier query');
  }
  const needle = text === undefined || text === '' ? undefined : text.toLowerCase();
  const structured = structuredFilter(query, invalid);
  const compiled = { kind, since, until, limit, level, logger: logger ?? '', action, text: needle, before };
  return { ...compiled, ...structured, defaultWindow: query.defaultWindow === true && Number.isFinite(since) };
}

/** `category` and `fields` through the protocol's filter: the stream's own rules and messages. */
function structuredFilter(query: LogQuery, invalid: (message: string) => never): Pick<CompiledFilter, 'structured' | 'keys'> {
  const { category, fields } = query;
  if (category === undefined && (fields === undefined || fields.length === 0)) return { structured: undefined, keys: [] };
  const categories = category === undefined ? undefined : typeof category === 'string' ? [category] : [...category];
  const constraints: unknown[] = [];
  for (const field of fields ?? []) {
    if (typeof field !== 'string') {
      constraints.push(field);
      continue;
    }
    const parsed = parseFieldExpression(field, MAX_TEXT_LENGTH);
    if (!parsed.ok) invalid(`field ${parsed.message}`);
    else constraints.push(parsed.constraint);
  }
  const normalized = normalizeFilter({ categories, fields: constraints });
  if (!normalized.ok) return invalid(normalized.message.replace(/^filter\.categories/, 'category').replace(/^filter\./, ''));
  const matches = messageMatcher(normalized.filter);
  const keys = requiredKeys(normalized.filter.fields ?? []);
  if (categories !== undefined) keys.push('"category":');
  return { structured: matches, keys };
}

/**
 * A text filter of printable ASCII other than `"` and `\` is written unchanged by JSON.stringify
 * wherever it occurs in a message, action or metadata, and lower-casing a line lower-cases those
 * characters alike: a line without it (lower-cased) cannot match, and is skipped unparsed.
 */
const RAW_SEARCHABLE = /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/;

/** Characters whose lower case is ASCII while their upper-case folding (what `/…/i` uses) is not. */
const EXOTIC_CASE = /[\u0130\u212a]/;

const ID_IN_PREFIX = /"id":"(\d+-\d+)"/;

/**
 * The stream id of a log line: the first `"id":"…"` of the line, which both `system.log` and audit
 * trail lines put before any free text (see ../persistence/records.ts); cheap enough to skip lines
 * newer than a cursor without parsing them.
 */
export function lineId(line: string): StreamId | undefined {
  const match = ID_IN_PREFIX.exec(line);
  return match === null ? undefined : parseId(match[1] as string);
}

/**
 * Builds one page from lines visited newest first. `visit` answers false once the page is full or
 * the lines are older than `since`. `examined` is the position of the oldest line looked at after
 * the cursor: every newer line after the cursor has been looked at, so a reading cut short by a
 * budget continues from there without gaps or repeats.
 */
export class PageBuilder {
  readonly #filter: CompiledFilter;
  readonly #found: QueryEntry[] = [];
  /** Characters of the lines in `#found` (a page ends before it passes {@link MAX_PAGE_BYTES}). */
  #foundBytes = 0;
  readonly #sink: ((entry: QueryEntry) => void) | undefined;
  #more = false;
  #passedSince = false;
  /** Whether the line's id alone may settle it (cursor, until, required keys, raw text): read before parsing. */
  readonly #cheap: boolean;
  #examined: StreamId | undefined;
  /** The text filter when a line that does not hold it as written cannot match it (see RAW_SEARCHABLE). */
  readonly #rawText: string | undefined;
  readonly #textPattern: RegExp | undefined;
  /** The cheap tests on a line's bytes (see {@link visitRange}); undefined when there are none. */
  readonly #probe: LineProbe | undefined;

  /** With `sink`, every matching entry goes to it and the page never fills (for counting). */
  constructor(filter: CompiledFilter, sink?: (entry: QueryEntry) => void) {
    this.#filter = filter;
    this.#sink = sink;
    this.#cheap = filter.before !== undefined || filter.keys.length > 0 || Number.isFinite(filter.until);
    this.#rawText = filter.text !== undefined && RAW_SEARCHABLE.test(filter.text) ? filter.text : undefined;
    this.#cheap ||= this.#rawText !== undefined;
    if (this.#rawText !== undefined) this.#textPattern = new RegExp(this.#rawText.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), 'i');
    if (this.#cheap) this.#probe = new LineProbe(filter.keys, this.#rawText);
  }

  /** Starts a slice of lines given as byte ranges of `buffer` (see {@link visitRange}); `scratch` lends a buffer. */
  beginBytes(buffer: Buffer, scratch?: () => Buffer): void {
    this.#probe?.begin(buffer, scratch);
  }

  /** Ends the slice begun with {@link beginBytes}: its buffer may be reused. */
  endBytes(): void {
    this.#probe?.end();
  }

  /**
   * {@link visit} for the line `buffer[start, end)` of the slice begun with {@link beginBytes}:
   * the same answer, with the cheap tests done on the bytes, so a line they reject is never decoded.
   */
  visitRange(buffer: Buffer, start: number, end: number): boolean {
    const probe = this.#probe;
    if (probe === undefined) return this.visit(buffer.toString('utf8', start, end));
    const id = probe.id(start, end);
    if (id === null) return this.visit(buffer.toString('utf8', start, end));
    const filter = this.#filter;
    if (id === undefined || (filter.before !== undefined && compareIds(id, filter.before) >= 0)) return true;
    if (id.ms > filter.until && id.ms >= filter.since) {
      this.#examined = id;
      return true;
    }
    if (!probe.mayMatch(start, end)) {
      if (id.ms < filter.since) return this.reachedSince();
      this.#examined = id;
      return true;
    }
    return this.visit(buffer.toString('utf8', start, end));
  }

  /** Position of the oldest line examined so far (undefined before the first one after the cursor). */
  get examined(): StreamId | undefined {
    return this.#examined;
  }

  /** Looks at one line; false when no older line can belong to the page. */
  visit(line: string): boolean {
    const filter = this.#filter;
    if (this.#cheap) {
      const id = lineId(line);
      if (id === undefined || (filter.before !== undefined && compareIds(id, filter.before) >= 0)) return true;
      if (id.ms > filter.until && id.ms >= filter.since) {
        this.#examined = id;
        return true;
      }
      if (!filter.keys.every((key) => line.includes(key)) || (this.#rawText !== undefined && !this.#mayHoldText(line))) {
        if (id.ms < filter.since) return this.reachedSince();
        this.#examined = id;
        return true;
      }
    }
    const message = parseStoredLine(filter.kind, line);
    if (message === undefined) return true;
    if (filter.before !== undefined && compareIds(message.position, filter.before) >= 0) return true;
    if (message.position.ms < filter.since) return this.reachedSince();
    const entry = this.#accepts(message, line);
    if (entry !== undefined && this.#sink !== undefined) this.#sink(entry);
    else if (entry !== undefined) {
      if (this.#found.length === filter.limit || (this.#found.length > 0 && this.#foundBytes + line.length > MAX_PAGE_BYTES)) {
        this.#more = true;
        return false;
      }
      this.#found.push(entry);
      this.#foundBytes += line.length;
    }
    this.#examined = message.position;
    return true;
  }

  /**
   * The page, entries newest last. `complete`: the reading ended by itself (page full, `since`
   * passed, or no older lines); otherwise it was cut short and the cursor is where it stopped.
   */
  page(complete: boolean): QueryPage {
    const entries = [...this.#found].reverse();
    if (!complete && this.#examined !== undefined) return { entries, cursor: formatId(this.#examined) };
    if (this.#more && entries.length > 0) return { entries, cursor: (entries[0] as QueryEntry).id };
    // Older lines exist beyond a default window: the cursor goes on from the window's start.
    if (this.#passedSince && this.#filter.defaultWindow)
      return { entries, cursor: formatId({ ms: Math.floor(this.#filter.since), seq: 0 }) };
    return { entries, cursor: null };
  }

  /**
   * Whether a line may hold the raw text filter, case-insensitively: a regular expression with the
   * `i` flag scans without making a lower-cased copy of every line. It folds case as toUpperCase
   * does, so a line with one of the two characters that lower-case to ASCII but not from it
   * (U+0130 İ → i̇, U+212A Kelvin → k) is checked as the filter itself checks, lower-cased.
   */
  #mayHoldText(line: string): boolean {
    if ((this.#textPattern as RegExp).test(line)) return true;
    return EXOTIC_CASE.test(line) && line.toLowerCase().includes(this.#rawText as string);
  }

  /** Tells the builder the reading went past `since` (no older line can match); returns false. */
  reachedSince(): false {
    this.#passedSince = true;
    return false;
  }

  #accepts(message: StoredLine, line: string): QueryEntry | undefined {
    const filter = this.#filter;
    if (message.position.ms > filter.until) return undefined;
    if (message.level < filter.level) return undefined;
    if (filter.logger !== '' && message.logger !== filter.logger && !message.logger.startsWith(filter.logger + '.')) return undefined;
    const data = message.data;
    if (filter.action !== undefined && data['action'] !== filter.action) return undefined;
    if (filter.text !== undefined && !matchesText(data, filter.text)) return undefined;
    if (filter.structured !== undefined && !filter.structured({ type: message.type, level: undefined, logger: message.logger, data })) {
      return undefined;
    }
    const entry: QueryEntry = { type: message.type, id: message.id, data };
    if (filter.kind === 'audit') Object.assign(entry, auditChainFields(line));
    return entry;
  }
}

function matchesText(data: Record<string, unknown>, needle: string): boolean {
  const message = data['message'];
  if (typeof message === 'string' && message.toLowerCase().includes(needle)) return true;
  const action = data['action'];
  if (typeof action === 'string' && action.toLowerCase().includes(needle)) return true;
  if (data['metadata'] !== undefined && JSON.stringify(data['metadata']).toLowerCase().includes(needle)) return true;
  return false;
}
