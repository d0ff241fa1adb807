import { messageMatcher, type NormalizedFilter } from '@logwire/protocol';
import type { StreamMessage } from './log-hub.js';

/** A compiled subscription filter: a predicate plus the key shared by equal filters. */
export interface CompiledFilter {
  /** Equal keys mean equal predicates, so their subscribers can share one encoded batch. */
  key: string;
  filter: NormalizedFilter;
  /** Whether the subscriber may receive `audit_log` at all. */
  audit: boolean;
  /** True when the message passes (a plain function: handed to `filter` and `recent` as it is). */
  readonly accepts: (message: StreamMessage) => boolean;
  /** True when every message passes (lets the hot path skip the predicate). */
  all: boolean;
}

/**
 * Compiles a normalised filter for a subscriber with or without audit permission, with the
 * protocol's one message filter (`messageMatcher`): a subscriber without permission never receives
 * `audit_log`, whatever the filter says; `level` never removes audit. A stored message is a filter
 * subject as it is (numeric level, `data` as JSON text), so matching allocates nothing.
 */
export function compileFilter(filter: NormalizedFilter, audit: boolean): CompiledFilter {
  const accepts = messageMatcher(filter, { audit });
  const effective = effectiveFilter(filter, audit);
  return { key: keyOf(effective, audit), filter: effective, audit, accepts, all: accepts.all };
}

/** The key {@link compileFilter} would give `filter` for this subscriber, without compiling it. */
export function filterKey(filter: NormalizedFilter, audit: boolean): string {
  return keyOf(effectiveFilter(filter, audit), audit);
}

/** The filter in force is what the subscriber can actually get: without permission, no audit. */
function effectiveFilter(filter: NormalizedFilter, audit: boolean): NormalizedFilter {
  return audit ? filter : { ...filter, types: filter.types.filter((type) => type !== 'audit_log') };
}

/**
 * Keys handed out, so equal filters share one key string: the live path groups its clients by key
 * every turn, and comparing one string with itself is comparing pointers (two equal strings are
 * compared character by character). Bounded by count and length: a stream of distinct filters only
 * empties it, and a long key (a hostile filter) is not kept.
 */
const KEYS_KEPT = 1024;
const MAX_KEPT_KEY_LENGTH = 512;
const keys = new Map<string, string>();

function keyOf(effective: NormalizedFilter, audit: boolean): string {
  const key = `${audit ? 'a' : 'n'}${JSON.stringify(effective)}`;
  if (key.length > MAX_KEPT_KEY_LENGTH) return key;
  const kept = keys.get(key);
  if (kept !== undefined) return kept;
  if (keys.size >= KEYS_KEPT) keys.clear();
  keys.set(key, key);
  return key;
}
