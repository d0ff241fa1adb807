// The files of one rotated log (`<file>`, `<file>.1`, `<file>.2.gz`, …) and reading them whether
// plain or gzip-compressed, so restart recovery, the query API, "load older" and `logwire query`
// page across compressed rotations without knowing about them.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Suffix of a compressed rotation. */
export const GZIP_SUFFIX = '.gz';

/**
 * Largest decompressed size read from one `.gz` file (rotated files are at most `maxBytes`, 10 MiB
 * by default); a larger one is refused rather than held in memory.
 */
export const MAX_INFLATED_BYTES = 256 << 20;

/** One file of a rotated log: its path, its rotation index (0 = the file being written) and whether it is gzip. */
export interface LogFile {
  path: string;
  index: number;
  compressed: boolean;
}

/**
 * The files of the rotated log `file`, newest first: `<file>`, then `<file>.1`, `<file>.2`, … in
 * index order, each plain or `.gz`. Gaps in the numbering (a crash between two renames, a file
 * deleted by age) are skipped, not an end. When a rotation exists both plain and compressed (a
 * crash after the `.gz` was renamed into place, before the plain file was removed), only the
 * `.gz` is listed: it is renamed into place only once complete and fsynced, so it holds every line.
 * Temporary files of a compression in progress never match.
 */
export function listLogFiles(file: string): LogFile[] {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const byIndex = new Map<number, LogFile>();
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const match = ROTATED.exec(name.slice(base.length));
    if (match === null) continue;
    const index = match[1] === undefined ? 0 : Number(match[1]);
    const compressed = match[2] !== undefined;
    if (index === 0 && compressed) continue;
    const known = byIndex.get(index);
    if (known?.compressed === true) continue;
    byIndex.set(index, { path: path.join(dir, name), index, compressed });
  }
  return [...byIndex.values()].sort((a, b) => a.index - b.index);
}

const ROTATED = /^(?:\.([1-9]\d{0,5}))?(\.gz)?$/;

/** True for the path of a gzip-compressed log file. */
export function isCompressed(file: string): boolean {
  return file.endsWith(GZIP_SUFFIX);
}

/** One decompressed file kept, so paging through a `.gz` rotation does not inflate it on every page. */
let cached: { file: string; mtimeMs: number; size: number; bytes: Buffer } | undefined;

function isCached(file: string, stat: fs.Stats): boolean {
  return cached?.file === file && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size;
}

/**
 * The decompressed bytes of a `.gz` log file, or undefined when it does not exist. Throws for a
 * file that is not valid gzip or inflates beyond {@link MAX_INFLATED_BYTES}.
 */
export function inflateSync(file: string): Buffer | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  if (isCached(file, stat)) return (cached as { bytes: Buffer }).bytes;
  const bytes = zlib.gunzipSync(fs.readFileSync(file), { maxOutputLength: MAX_INFLATED_BYTES });
  cached = { file, mtimeMs: stat.mtimeMs, size: stat.size, bytes };
  return bytes;
}

/** {@link inflateSync} without blocking the event loop while inflating. */
export async function inflate(file: string): Promise<Buffer | undefined> {
  let compressed: Buffer;
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
    if (isCached(file, stat)) return (cached as { bytes: Buffer }).bytes;
    compressed = await fs.promises.readFile(file);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw error;
  }
  const bytes = await new Promise<Buffer>((resolve, reject) =>
    zlib.gunzip(compressed, { maxOutputLength: MAX_INFLATED_BYTES }, (error, result) => (error ? reject(error) : resolve(result))),
  );
  cached = { file, mtimeMs: stat.mtimeMs, size: stat.size, bytes };
  return bytes;
}

const NEWLINE = 0x0a;

/**
 * Calls `visit` with each complete line of `bytes`, newest first, until it returns false. A last
 * line without a newline (a torn write) is skipped.
 */
export function visitLinesBackward(bytes: Buffer, visit: (line: string) => boolean): void {
  let end = bytes.lastIndexOf(NEWLINE);
  while (end > 0) {
    const start = bytes.lastIndexOf(NEWLINE, end - 1);
    if (end > start + 1 && !visit(bytes.toString('utf8', start + 1, end))) return;
    end = start;
  }
}
