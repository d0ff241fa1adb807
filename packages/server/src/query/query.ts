import path from 'node:path';
import { compareIds, Level, type LevelName, parseId, type StreamId, toLevelName } from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { listTrailFiles } from '../persistence/audit-trail.js';
import { readLinesBackwardSync } from '../persistence/lines.js';
import { auditMessage, systemFiles, systemMessage } from '../persistence/records.js';

/** Which file set a query reads. */
export type LogKind = 'system' | 'audit';

/** Filters of a query; every one is optional. */
export interface LogQuery {
  /** Only entries at or after this time (ms since the epoch, or a Date). */
  since?: number | Date;
  /** Only entries at or before this time. */
  until?: number | Date;
  /** Newest entries returned at most. @default 100, at most {@link MAX_QUERY_LIMIT} */
  limit?: number;
  /** Minimum level. */
  level?: LevelName;
  /** Logger name prefix, by dotted segments: `orchestrator` matches `orchestrator.server`, not `orchestrators`. */
  logger?: string;
  /** Audit action, exact match (audit only). */
  action?: string;
  /** Case-insensitive literal substring of the message (and, for audit entries, the action and metadata). */
  text?: string;
  /** Continue an earlier query: only entries older than this cursor (from `QueryPage.cursor`). */
  cursor?: string;
}

/** One entry, shaped like the stream's messages: `{type, id, data}` (audit entries add `seq`). */
export interface QueryEntry {
  type: 'system_log' | 'audit_log';
  id: string;
  /** Position in the audit trail (audit entries only). */
  seq?: number;
  data: Record<string, unknown>;
}

/** A page of results: the newest matching entries, oldest first (newest last). */
export interface QueryPage {
  entries: QueryEntry[];
  /** Pass as `cursor` to get the next older page; null when there are no older matches. */
  cursor: string | null;
}

/** Largest page a query returns. */
export const MAX_QUERY_LIMIT = 1000;
/** Longest `text` filter accepted. */
export const MAX_TEXT_LENGTH = 200;

/**
 * Queries the files in the persistence directory `dir`, reading them backwards from the newest
 * line and stopping once `limit` matches are found (or `since` is passed), so the cost grows with
 * what is returned and skipped, not with the size of the files.
 * Throws {@link LogwireError} `ERR_LOGWIRE_INVALID_OPTION` for invalid filters.
 */
export function queryLogs(dir: string, kind: LogKind, query: LogQuery = {}): QueryPage {
  const filter = compile(kind, query);
  const files = kind === 'system' ? systemFiles(dir) : listTrailFiles(path.join(dir, 'audit')).reverse().map((name) => path.join(dir, 'audit', name));
  const toMessage = kind === 'system' ? systemMessage : auditMessage;
  const found: QueryEntry[] = [];
  let more = false;
  let done = false;
  for (const file of files) {
    if (done) break;
    readLinesBackwardSync(file, (line) => {
      const message = toMessage(line);
      if (message === undefined) return true;
      if (filter.before !== undefined && compareIds(message.position, filter.before) >= 0) return true;
      if (message.position.ms > filter.until) return true;
      if (message.position.ms < filter.since) {
        done = true;
        return false;
      }
      if (message.level < filter.level) return true;
      if (filter.logger !== '' && message.logger !== filter.logger && !message.logger.startsWith(filter.logger + '.')) return true;
      let data: Record<string, unknown>;
      try {
        data = JSON.parse(message.data) as Record<string, unknown>;
      } catch {
        return true;
      }
      if (filter.action !== undefined && data['action'] !== filter.action) return true;
      if (filter.text !== undefined && !matchesText(data, filter.text)) return true;
      if (found.length === filter.limit) {
        more = true;
        done = true;
        return false;
      }
      const entry: QueryEntry = { type: message.type, id: message.id, data };
      if (kind === 'audit') entry.seq = Number(/^\{"seq":(\d+)/.exec(line)?.[1]);
      found.push(entry);
      return true;
    });
  }
  found.reverse();
  return { entries: found, cursor: more && found.length > 0 ? (found[0] as QueryEntry).id : null };
}

interface CompiledFilter {
  since: number;
  until: number;
  limit: number;
  level: number;
  logger: string;
  action: string | undefined;
  text: string | undefined;
  before: StreamId | undefined;
}

function compile(kind: LogKind, query: LogQuery): CompiledFilter {
  const invalid = (message: string): never => {
    throw new LogwireError(LogwireErrorCode.InvalidOption, message);
  };
  const time = (value: number | Date | undefined, name: string, fallback: number): number => {
    if (value === undefined) return fallback;
    const ms = value instanceof Date ? value.getTime() : value;
    if (typeof ms !== 'number' || !Number.isFinite(ms)) return invalid(`${name} must be a valid time`);
    return ms;
  };
  const since = time(query.since, 'since', -Infinity);
  const until = time(query.until, 'until', Infinity);
  if (since > until) invalid('since must not be after until');
  const limit = query.limit ?? 100;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) invalid(`limit must be a whole number from 1 to ${MAX_QUERY_LIMIT}`);
  let level = -Infinity;
  if (query.level !== undefined) {
    const name = typeof query.level === 'string' ? toLevelName(query.level) : undefined;
    if (name === undefined) invalid('level must be one of TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL');
    level = Level[name as LevelName];
  }
  if (query.logger !== undefined && (typeof query.logger !== 'string' || query.logger.length > 200)) invalid('logger must be a name prefix of at most 200 characters');
  if (query.action !== undefined && (typeof query.action !== 'string' || query.action.length > 200)) invalid('action must be a string of at most 200 characters');
  if (query.action !== undefined && kind !== 'audit') invalid('action filters audit entries only');
  if (query.text !== undefined && (typeof query.text !== 'string' || query.text.length > MAX_TEXT_LENGTH)) invalid(`text must be a string of at most ${MAX_TEXT_LENGTH} characters`);
  let before: StreamId | undefined;
  if (query.cursor !== undefined) {
    before = typeof query.cursor === 'string' ? parseId(query.cursor) : undefined;
    if (before === undefined) invalid('cursor must be a cursor returned by an earlier query');
  }
  return {
    since,
    until,
    limit,
    level,
    logger: query.logger ?? '',
    action: query.action,
    text: query.text === undefined || query.text === '' ? undefined : query.text.toLowerCase(),
    before,
  };
}

function matchesText(data: Record<string, unknown>, needle: string): boolean {
  const message = data['message'];
  if (typeof message === 'string' && message.toLowerCase().includes(needle)) return true;
  const action = data['action'];
  if (typeof action === 'string' && action.toLowerCase().includes(needle)) return true;
  if (data['metadata'] !== undefined && JSON.stringify(data['metadata']).toLowerCase().includes(needle)) return true;
  return false;
}
