import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { inflateSync, isCompressed, visitLinesBackward } from './log-files.js';

/**
 * Makes a line of JSON text safe for every line splitter: `JSON.stringify` already escapes CR, LF,
 * NUL, ESC and lone surrogates, but leaves U+2028, U+2029 and U+0085 (NEL) raw, and some
 * splitters treat them as line breaks (Python's `str.splitlines`, JavaScript regexes with `\s`,
 * editors). In JSON text they can only occur inside strings, so replacing them with their `\u`
 * escapes keeps the value and the validity of the line.
 */
export function escapeLineSeparators(json: string): string {
  return LINE_BREAKERS.test(json)
    ? json.replace(LINE_BREAKERS_ALL, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0'))
    : json;
}

const LINE_BREAKERS = /[\u0085\u2028\u2029]/;
const LINE_BREAKERS_ALL = /[\u0085\u2028\u2029]/g;

/** SHA-256 of `bytes`, lower-case hex. */
export function sha256Hex(bytes: string | Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const NEWLINE = 0x0a;

/** One line read from a file: its bytes (without the newline) and whether a newline ended it. */
export interface RawLine {
  bytes: Buffer;
  /** 1-based line number in the file. */
  number: number;
  /** False only for a last line that the file ends without a newline (a torn write). */
  terminated: boolean;
}

/**
 * Reads a file line by line as raw bytes, streaming in chunks, so hashes are computed over the
 * exact bytes on disk (a text decoder would replace invalid UTF-8 and hide an edit).
 */
export async function* readRawLines(path: string, chunkSize = 1 << 16): AsyncGenerator<RawLine> {
  const handle = await fs.promises.open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(chunkSize);
    let carry: Buffer[] = [];
    let number = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
      if (bytesRead === 0) break;
      let start = 0;
      for (;;) {
        const end = buffer.indexOf(NEWLINE, start);
        if (end === -1 || end >= bytesRead) break;
        const piece = buffer.subarray(start, end);
        const bytes = carry.length === 0 ? Buffer.from(piece) : Buffer.concat([...carry, piece]);
        carry = [];
        yield { bytes, number: ++number, terminated: true };
        start = end + 1;
      }
      if (start < bytesRead) carry.push(Buffer.from(buffer.subarray(start, bytesRead)));
    }
    if (carry.length > 0) yield { bytes: Buffer.concat(carry), number: ++number, terminated: false };
  } finally {
    await handle.close();
  }
}

/**
 * Reads complete lines of a file from the end backwards, synchronously, newest first, calling
 * `visit` with each line's text until it returns false. Only the chunks it needs are read, so the
 * newest lines of a large file cost as much as those lines. A last line without a newline (a torn
 * write) is skipped.
 */
export function readLinesBackwardSync(path: string, visit: (line: string) => boolean, chunkSize = 1 << 16): void {
  if (isCompressed(path)) {
    // A gzip rotation (./log-files.ts): inflated whole, at most MAX_INFLATED_BYTES.
    const bytes = inflateSync(path);
    if (bytes !== undefined) visitLinesBackward(bytes, visit);
    return;
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  try {
    // Skip an unterminated last line: it is a torn write, not a record.
    let position = lastNewlineOffset(fd, fs.fstatSync(fd).size, chunkSize);
    // Bytes of a terminated line whose beginning lies before `position` (no newline inside).
    let pending = Buffer.alloc(0);
    while (position > 0) {
      const size = Math.min(chunkSize, position);
      position -= size;
      const chunk = Buffer.allocUnsafe(size);
      fs.readSync(fd, chunk, 0, size, position);
      const buffer = pending.length === 0 ? chunk : Buffer.concat([chunk, pending]);
      let end = buffer.length;
      while (end > 0) {
        const start = buffer.lastIndexOf(NEWLINE, end - 1);
        if (start === -1) break;
        if (end > start + 1 && !visit(buffer.toString('utf8', start + 1, end))) return;
        end = start;
      }
      pending = Buffer.from(buffer.subarray(0, end));
    }
    if (pending.length > 0) visit(pending.toString('utf8'));
  } finally {
    fs.closeSync(fd);
  }
}

/** Offset of the last newline of the file (0 when it has none), reading backwards from `size`. */
function lastNewlineOffset(fd: number, size: number, chunkSize: number): number {
  let position = size;
  while (position > 0) {
    const length = Math.min(chunkSize, position);
    position -= length;
    const chunk = Buffer.allocUnsafe(length);
    fs.readSync(fd, chunk, 0, length, position);
    const index = chunk.lastIndexOf(NEWLINE);
    if (index !== -1) return position + index;
  }
  return 0;
}

/** True for the error of a path that does not exist. */
export function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'ENOENT';
}

/** Creates `dir` (and parents) with owner-only permissions when it does not exist. */
export function ensureDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
}
