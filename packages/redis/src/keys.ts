/**
 * Redis keys of a stream. The hash tag `{<stream>}` keeps them in one Cluster slot, so the append
 * script may touch all three: `<prefix>{<stream>}:x` the stream, `:m` the meta hash (`e` epoch,
 * `last` newest id, `created`), `:pr` the producers' high-water marks.
 */
export type KeyPart = 'x' | 'm' | 'pr';

/** The key of one part of `stream`. */
export type KeyOf = (stream: string, part: KeyPart) => string;

/** The {@link KeyOf} for keys under `prefix`. */
export function keysUnder(prefix: string): KeyOf {
  return (stream, part) => `${prefix}{${stream}}:${part}`;
}
