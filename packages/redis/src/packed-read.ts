/**
 * The live reader's packed reads: the entries after a position, read with the read script
 * (`READ_LUA` in `lua.ts`), which returns them as two values, a list of byte lengths and one blob,
 * instead of ten values per entry. Each entry is then parsed exactly like one read by `XREAD`
 * (`entryOf` in `entry-codec.ts`, from the same four fields), so a foreign entry is reported and
 * skipped the same way.
 */
import type { ReadItem } from './continuity.js';
import { entryOf, reportForeign } from './entry-codec.js';
import { RedisBackplaneErrorCode } from './errors.js';
import type { ErrorReporter } from './events.js';

/** The read script's command with Buffer replies (lengths are in bytes), as defined on the reader. */
export type ReadCommand = (stream: string, after: string, count: number) => Promise<unknown>;

/** Fields per entry in the reply: `p`, `e`, `h`, `d`, in that order. */
const FIELDS = 4;

/**
 * The entries of one read script reply, in stream order, as `XREAD` would give them; `undefined`
 * (reported) when the reply does not add up, so the caller reads those entries with `XREAD`.
 */
export function unpackEntries(stream: string, reply: unknown, report: ErrorReporter): ReadItem[] | undefined {
  const items: ReadItem[] = [];
  const [lengthsRaw, blob] = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (!Buffer.isBuffer(lengthsRaw) || !Buffer.isBuffer(blob)) return malformed(stream, report);
  const text = lengthsRaw.toString('latin1');
  if (text === '') return items;
  const lengths = text.split(',').map(Number);
  if (lengths.length % (FIELDS + 1) !== 0) return malformed(stream, report);
  let at = 0;
  for (let i = 0; i < lengths.length; i += FIELDS + 1) {
    const idLength = lengths[i]!;
    if (!(idLength > 0 && idLength <= blob.length - at)) return malformed(stream, report);
    const id = blob.toString('latin1', at, (at += idLength));
    const values: Array<string | undefined> = [undefined, undefined, undefined, undefined];
    for (let f = 0; f < FIELDS; f++) {
      const length = lengths[i + 1 + f]!;
      if (length === -1) continue;
      if (!(length >= 0 && length <= blob.length - at)) return malformed(stream, report);
      values[f] = blob.toString('utf8', at, (at += length));
    }
    const entry = entryOf(id, values[0], values[1], values[2], values[3]);
    if (!entry) reportForeign(stream, id, report);
    items.push({ id, entry });
  }
  return at === blob.length ? items : malformed(stream, report);
}

function malformed(stream: string, report: ErrorReporter): undefined {
  report(RedisBackplaneErrorCode.Read, `a packed read of ${stream} did not add up; reading it with XREAD`);
  return undefined;
}
