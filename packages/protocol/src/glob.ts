/**
 * Logger-name globs, matched without regular expressions so that no pattern can make matching
 * slow: `*` matches any run of characters (dots included), `?` exactly one UTF-16 code unit (a
 * character outside the Basic Multilingual Plane, such as an emoji, is two units and needs `??`),
 * every other character itself; the pattern must cover the whole name. Case-sensitive.
 *
 * A compiled glob is its `*`-separated segments: the first must start the name, the last must end
 * it, and each one between is found at its leftmost place after the previous one (`indexOf` for a
 * segment without `?`). Each segment is looked for once, never retried: at most O(pattern × name)
 * character comparisons for any input, O(pattern + name) for every pattern whose middle segments
 * have no `?` — never the exponential backtracking of a regular expression such as `^.*.*.*…Z$`.
 */
export function compileGlob(pattern: string): (name: string) => boolean {
  const segments = pattern.split('*');
  const head = segments.shift() as string;
  const tail = segments.pop();
  // Empty segments come from runs of `*`, which match what one `*` matches.
  const middle = segments.filter((segment) => segment !== '');
  const literal = middle.map((segment) => !segment.includes('?'));
  // Characters the name needs at least: all but the stars.
  const shortest = pattern.length - segments.length - (tail === undefined ? 0 : 1);
  return (name) => {
    if (tail === undefined) return name.length === head.length && segmentAt(name, 0, head);
    const end = name.length - tail.length;
    if (name.length < shortest || !segmentAt(name, 0, head) || !segmentAt(name, end, tail)) return false;
    let from = head.length;
    for (let i = 0; i < middle.length; i++) {
      const segment = middle[i] as string;
      const at = literal[i] ? name.indexOf(segment, from) : search(name, segment, from, end);
      if (at < 0 || at + segment.length > end) return false;
      from = at + segment.length;
    }
    return true;
  };
}

/** Whether `name` matches the glob `pattern` (see {@link compileGlob}; compile once to match many names). */
export function globMatches(pattern: string, name: string): boolean {
  return compileGlob(pattern)(name);
}

/** True when `pattern` holds a `*` or a `?`. */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('*') || pattern.includes('?');
}

const QUESTION = 63;

/** Whether `segment` (`?` for any unit) matches `name` at `at`; the caller ensures it fits. */
function segmentAt(name: string, at: number, segment: string): boolean {
  for (let i = 0; i < segment.length; i++) {
    const code = segment.charCodeAt(i);
    if (code !== QUESTION && code !== name.charCodeAt(at + i)) return false;
  }
  return true;
}

/** Leftmost index ≥ `from` where `segment` matches and ends by `end`, or -1. */
function search(name: string, segment: string, from: number, end: number): number {
  for (let at = from; at + segment.length <= end; at++) if (segmentAt(name, at, segment)) return at;
  return -1;
}
