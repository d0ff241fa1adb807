/**
 * Redis keys of a stream. The hash tag `{<stream>}` keeps them in one Cluster slot, so the append
 * script may touch them all: `<prefix>{<stream>}:x` the stream, `:m` the meta hash (`e` epoch,
 * `last` newest record id, `created`, `kept` records listed in `:c`), `:pr` the producers'
 * high-water marks, `:c` the id and record count of each entry, oldest first (for trimming by
 * length in records; only with `retention.maxLength`).
 */
export type KeyPart = 'x' | 'm' | 'pr' | 'c';

/** The key of one part of `stream`. */
export type KeyOf = (stream: string, part: KeyPart) => string;

/** The {@link KeyOf} for keys under `prefix`. */
export function keysUnder(prefix: string): KeyOf {
  return (stream, part) => `${prefix}{${stream}}:${part}`;
}
