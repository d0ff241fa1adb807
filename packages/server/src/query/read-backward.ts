// Reading a log file from its end backwards without blocking the event loop: fs/promises reads in
// chunks, one slice of complete lines per chunk, so the caller can yield between slices.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { StreamId } from '@logwire/protocol';
import { isMissing } from '../persistence/lines.js';
import { inflate, isCompressed, sliceLinesBackward } from '../persistence/log-files.js';
import { lineId } from './filter.js';

const NEWLINE = 0x0a;

/** Bytes read at a time. */
export const READ_CHUNK_BYTES = 1 << 16;

/** Longest line kept; a longer one is skipped as unreadable, so one line cannot hold unbounded memory. */
export const MAX_LINE_BYTES = 8 << 20;

/** The complete lines one chunk finished, newest first, and the bytes read for them. */
export interface LineSlice {
  lines: string[];
  bytes: number;
}

/**
 * Reads the complete lines of `file` from the end backwards, newest first, one slice per chunk of
 * `chunkBytes` (a slice may hold no line while a long line is being gathered). A last line without
 * a newline (a torn write) is skipped, as is a line longer than {@link MAX_LINE_BYTES}. A missing
 * file has no lines; a file that shrinks while it is read ends there.
 */
export async function* readSlicesBackward(file: string, chunkBytes = READ_CHUNK_BYTES): AsyncGenerator<LineSlice> {
  // --- compressed rotations (`<file>.N.gz`, ../persistence/log-files.ts): inflated, then sliced alike.
  if (isCompressed(file)) {
    const bytes = await inflate(file);
    if (bytes !== undefined) yield* sliceLinesBackward(bytes, chunkBytes);
    return;
  }
  // --- end compressed rotations
  const handle = await open(file);
  if (handle === undefined) return;
  try {
    let position = (await handle.stat()).size;
    // Pieces of a line whose beginning lies before `position`, oldest first.
    let pieces: Buffer[] = [];
    let pendingBytes = 0;
    let oversized = false;
    let seenLastNewline = false;
    // One buffer for every read (a fresh one each time makes many short-lived external allocations,
    // which trigger full garbage collections): what outlives a read is copied out of it.
    const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, position));
    while (position > 0) {
      const length = Math.min(chunkBytes, position);
      position -= length;
      const chunk = buffer.subarray(0, length);
      const { bytesRead } = await handle.read(chunk, 0, length, position);
      if (bytesRead < length) return;
      const last = chunk.lastIndexOf(NEWLINE);
      if (last === -1) {
        if (seenLastNewline) {
          pieces.unshift(Buffer.from(chunk));
          pendingBytes += length;
          if (pendingBytes > MAX_LINE_BYTES) [pieces, pendingBytes, oversized] = [[], 0, true];
        }
        yield { lines: [], bytes: length };
        continue;
      }
      const lines: string[] = [];
      if (seenLastNewline && !oversized && length - last - 1 + pendingBytes > 0) {
        lines.push(Buffer.concat([chunk.subarray(last + 1), ...pieces]).toString('utf8'));
      }
      seenLastNewline = true;
      [pieces, pendingBytes, oversized] = [[], 0, false];
      // The complete lines of the chunk decoded at once and split: one string copy per chunk, the
      // lines slices of it, instead of one decode per line (less garbage with many queries running).
      const first = chunk.indexOf(NEWLINE);
      if (first < last) {
        const complete = chunk.toString('utf8', first + 1, last).split('\n');
        for (let i = complete.length - 1; i >= 0; i--) if ((complete[i] as string).length > 0) lines.push(complete[i] as string);
      }
      const end = first;
      if (end > 0) [pieces, pendingBytes] = [[Buffer.from(chunk.subarray(0, end))], end];
      yield { lines, bytes: length };
    }
    if (pendingBytes > 0 && !oversized) yield { lines: [Buffer.concat(pieces).toString('utf8')], bytes: 0 };
  } finally {
    await handle.close();
  }
}

/**
 * The stream id of the first line of `file` that has one, reading at most one chunk; undefined
 * when there is none there. Lines are in id order, so a file whose first id is at or after a
 * cursor holds nothing older than the cursor.
 */
export async function firstLineId(file: string, chunkBytes = READ_CHUNK_BYTES): Promise<StreamId | undefined> {
  // --- compressed rotations (../persistence/log-files.ts): the first chunk of the inflated bytes.
  if (isCompressed(file)) {
    const bytes = await inflate(file);
    return bytes === undefined ? undefined : firstIdIn(bytes.subarray(0, chunkBytes), bytes.length);
  }
  // --- end compressed rotations
  const handle = await open(file);
  if (handle === undefined) return undefined;
  try {
    // A few lines first (many concurrent queries call this per file and page), a chunk when they hold no id.
    for (const length of chunkBytes > FIRST_TRY_BYTES ? [FIRST_TRY_BYTES, chunkBytes] : [chunkBytes]) {
      const chunk = Buffer.allocUnsafe(length);
      const { bytesRead } = await handle.read(chunk, 0, length, 0);
      const id = firstIdIn(chunk, bytesRead);
      if (id !== undefined || bytesRead < length) return id;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Bytes {@link firstLineId} reads first. */
const FIRST_TRY_BYTES = 1 << 12;

/** The id of the first line with one among the complete lines of `chunk[0, bytesRead)`. */
function firstIdIn(chunk: Buffer, bytesRead: number): StreamId | undefined {
  let start = 0;
  for (;;) {
    const end = chunk.indexOf(NEWLINE, start);
    if (end === -1 || end >= bytesRead) return undefined;
    const id = lineId(chunk.toString('utf8', start, Math.min(end, start + 200)));
    if (id !== undefined) return id;
    start = end + 1;
  }
}

async function open(file: string): Promise<FileHandle | undefined> {
  try {
    return await fs.promises.open(file, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
