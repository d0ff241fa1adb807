import { Level, loggerMatcher, type NormalizedFilter } from '@logwire/protocol';
import type { StreamMessage } from './log-hub.js';

/** A compiled subscription filter: a predicate plus the key shared by equal filters. */
export interface CompiledFilter {
  /** Equal keys mean equal predicates, so their subscribers can share one encoded batch. */
  key: string;
  filter: NormalizedFilter;
  /** Whether the subscriber may receive `audit_log` at all. */
  audit: boolean;
  /** True when the message passes. */
  accepts(message: StreamMessage): boolean;
  /** True when every message passes (lets the hot path skip the predicate). */
  all: boolean;
}

/**
 * Compiles a normalised filter for a subscriber with or without audit permission. A subscriber
 * without it never receives `audit_log`, whatever the filter says; `level` never removes audit.
 */
export function compileFilter(filter: NormalizedFilter, audit: boolean): CompiledFilter {
  const system = filter.types.includes('system_log');
  const auditAllowed = audit && filter.types.includes('audit_log');
  const minLevel = Level[filter.level];
  const loggerPasses = loggerMatcher(filter.loggers);
  const text = filter.text.toLowerCase();
  const all = system && auditAllowed && minLevel <= Level.TRACE && filter.loggers.length === 0 && text === '';
  const accepts = (message: StreamMessage): boolean => {
    if (message.type === 'audit_log') {
      if (!auditAllowed) return false;
    } else if (!system || message.level < minLevel) return false;
    if (!loggerPasses(message.logger)) return false;
    return text === '' || message.data.toLowerCase().includes(text);
  };
  const effective = effectiveFilter(filter, audit);
  return { key: keyOf(effective, audit), filter: effective, audit, accepts, all };
}

/** The key {@link compileFilter} would give `filter` for this subscriber, without compiling it. */
export function filterKey(filter: NormalizedFilter, audit: boolean): string {
  return keyOf(effectiveFilter(filter, audit), audit);
}

/** The filter in force is what the subscriber can actually get: without permission, no audit. */
function effectiveFilter(filter: NormalizedFilter, audit: boolean): NormalizedFilter {
  return audit ? filter : { ...filter, types: filter.types.filter((type) => type !== 'audit_log') };
}

function keyOf(effective: NormalizedFilter, audit: boolean): string {
  return `${audit ? 'a' : 'n'}${JSON.stringify(effective)}`;
}
