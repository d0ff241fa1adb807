import { type Filter, type LogMessage, logMessageMatcher, normalizeFilter, type NormalizedFilter } from '@logwire/protocol';

/** The filter in its normal form; throws a TypeError for an invalid one. */
export function checkedFilter(filter: Filter): NormalizedFilter {
  const result = normalizeFilter(filter);
  if (!result.ok) throw new TypeError(`Invalid filter: ${result.message}`);
  return result.filter;
}

/**
 * The server-side filter, applied by the client itself when the server cannot (a server that
 * speaks only the original protocol): the protocol's one message-filter predicate, so the rules
 * are the server's (audit messages are never removed by level; a level the client does not know
 * is never hidden).
 */
export function localFilter(filter: NormalizedFilter): (message: LogMessage) => boolean {
  return logMessageMatcher(filter);
}
