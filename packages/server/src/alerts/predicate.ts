// The one place an alert turns a filter into a record predicate. It takes the filter language of
// @logwire/protocol as it stands (types, level, logger globs, text), so constraints added there
// plug in here without touching the conditions.
import { messageMatcher, normalizeFilter } from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { StreamMessage } from '../hub/log-hub.js';

/** A record predicate: true when the record is selected. */
export type RecordPredicate = (message: StreamMessage) => boolean;

/** Compiles a filter (`{ types, level, loggers, text }`) into a predicate; throws `ERR_LOGWIRE_INVALID_OPTION` on an invalid one. */
export function recordPredicate(filter: unknown, option: string): RecordPredicate {
  const normalized = normalizeFilter(filter);
  if (!normalized.ok) throw new LogwireError(LogwireErrorCode.InvalidOption, `${option}: ${normalized.message}`);
  return messageMatcher(normalized.filter);
}
