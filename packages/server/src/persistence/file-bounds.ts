// Time bounds of log files, kept beside them, so a time-bounded query opens only the files that
// overlap its window. When `system.log` rotates, its first and last stream ids are recorded in
// `.system.log.bounds.json` (hidden, so listings of the logs stay as they were), keyed by the
// file's size and modification time (a rename keeps both, so the entry still names the file once
// it is `system.log.3`; once compressed, its `.gz` keeps the time to the millisecond and its gzip
// trailer the plain size). An entry is used only when exactly one matches: files of equal size
// rotated within the same instant are read rather than risk a wrong skip. A file without an entry (the
// current file, files from before this index, audit trail days) has its bounds read from its first
// and last lines: two small reads.
import fs from 'node:fs';
import path from 'node:path';

/** The span of stream-id times (ms) of a file's lines. */
export interface FileBounds {
  first: number;
  last: number;
}

interface Entry {
  size: number;
  mtimeMs: number;
  first: number;
  last: number;
}

/** The index beside a rotated log: `<dir>/.system.log.bounds.json` for `<dir>/system.log`. */
export function boundsIndexPath(logFile: string): string {
  return path.join(path.dirname(logFile), `.${path.basename(logFile)}.bounds.json`);
}
/** Entries kept: more than the rotated files any configuration keeps (the reader lists at most 999). */
const MAX_ENTRIES = 1000;
/** Bytes read at each end of a file to find its first or last id: a few lines first, then more. */
const SMALL_EDGE_BYTES = 1 << 12;
const EDGE_BYTES = 1 << 16;
const ID = /"id":"(\d+)-\d+"/;

/**
 * Records the bounds of `file` (about to be rotated, already closed) in its index ({@link boundsIndexPath}).
 * Never throws: the index only saves reads, and a missing entry is read from the file instead.
 */
export function recordFileBounds(file: string): void {
  try {
    const stat = fs.statSync(file);
    const bounds = readBounds(file, stat.size);
    if (bounds === undefined) return;
    const index = boundsIndexPath(file);
    const entries = readIndex(index).filter((entry) => entry.first !== bounds.first || entry.size !== stat.size);
    entries.push({ size: stat.size, mtimeMs: stat.mtimeMs, ...bounds });
    const temporary = `${index}.tmp`;
    fs.writeFileSync(temporary, JSON.stringify({ version: 1, files: entries.slice(-MAX_ENTRIES) }), { mode: 0o600 });
    fs.renameSync(temporary, index);
  } catch {
    // An unwritable index costs two reads per file at query time, nothing else.
  }
}

/** Reads the index of a rotated log once per query: a function answering the bounds of each of its files. */
export function boundsReader(logFile: string): (file: string) => FileBounds | undefined {
  const entries = readIndex(boundsIndexPath(logFile));
  return (file) => {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    if (file.endsWith('.gz')) {
      // A compressed rotation keeps its file's modification time (to the millisecond) and its gzip
      // trailer holds the plain size: together they name the entry recorded at rotation. Without
      // one, the query reads the file (its bytes are compressed: nothing to read at its ends).
      const size = gzipPlainSize(file, stat.size);
      const entry = only(
        entries.filter((candidate) => candidate.size === size && Math.floor(candidate.mtimeMs) === Math.floor(stat.mtimeMs)),
      );
      return entry === undefined ? undefined : { first: entry.first, last: entry.last };
    }
    const entry = only(entries.filter((candidate) => candidate.size === stat.size && candidate.mtimeMs === stat.mtimeMs));
    return entry === undefined ? readBounds(file, stat.size) : { first: entry.first, last: entry.last };
  };
}

/** The one entry that matches, or undefined when none or several do (then the file is read: never a wrong skip). */
function only(matches: Entry[]): Entry | undefined {
  return matches.length === 1 ? matches[0] : undefined;
}

/** The plain size a gzip file records in its last four bytes (ISIZE, modulo 2^32; rotations are far smaller). */
function gzipPlainSize(file: string, size: number): number | undefined {
  if (size < 18) return undefined;
  const fd = fs.openSync(file, 'r');
  try {
    const trailer = Buffer.alloc(4);
    return fs.readSync(fd, trailer, 0, 4, size - 4) === 4 ? trailer.readUInt32LE(0) : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function readIndex(index: string): Entry[] {
  try {
    const parsed = JSON.parse(fs.readFileSync(index, 'utf8')) as { files?: unknown };
    if (!Array.isArray(parsed.files)) return [];
    return parsed.files.filter(
      (entry: Partial<Entry>): entry is Entry =>
        typeof entry === 'object' &&
        entry !== null &&
        [entry.size, entry.mtimeMs, entry.first, entry.last].every((value) => typeof value === 'number' && Number.isFinite(value)),
    );
  } catch {
    return [];
  }
}

/**
 * The first id's time near the start and the last id's time near the end of the file; undefined
 * when either has none. Reads 4 KiB at each end first (a few lines), 64 KiB when that holds no id:
 * small reads keep the garbage of many concurrent queries small.
 */
function readBounds(file: string, size: number): FileBounds | undefined {
  if (size === 0) return undefined;
  const fd = fs.openSync(file, 'r');
  try {
    let first: string | undefined;
    let last: string | undefined;
    for (const edge of [SMALL_EDGE_BYTES, EDGE_BYTES]) {
      const length = Math.min(edge, size);
      const buffer = Buffer.allocUnsafe(length);
      first ??= ID.exec(buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, length, 0)))?.[1];
      if (last === undefined) {
        // The last line that starts inside the chunk and holds an id (a torn last line may not).
        const lines = buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, length, size - length)).split('\n');
        const whole = size <= length ? 0 : 1;
        for (let i = lines.length - 1; i >= whole && last === undefined; i--) last = ID.exec(lines[i] as string)?.[1];
      }
      if ((first !== undefined && last !== undefined) || length === size) break;
    }
    if (first === undefined || last === undefined) return undefined;
    return { first: Number(first), last: Number(last) };
  } finally {
    fs.closeSync(fd);
  }
}
