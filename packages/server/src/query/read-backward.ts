// Reading a log file from its end backwards without blocking the event loop: fs/promises reads one
// chunk at a time into a buffer of the process-wide read pool (./read-pool.ts), and each chunk's
// complete lines are handed on as byte ranges of it, so a line a filter rejects is never decoded.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { StreamId } from '@logwire/protocol';
import { isMissing } from '../persistence/lines.js';
import { inflate, isCompressed } from '../persistence/log-files.js';
import { lineId } from './filter.js';
import { inflateTurns, type ReadPool, sharedReadPool } from './read-pool.js';

const NEWLINE = 0x0a;

/** Longest line kept; a longer one is skipped as unreadable, so one line cannot hold unbounded memory. */
export const MAX_LINE_BYTES = 8 << 20;

/** The complete lines one chunk finished, newest first, as byte ranges; valid until `release`. */
export interface ByteSlice {
  /** The bytes the lines are in. */
  buffer: Buffer;
  /** `[start, end)` of each line in `buffer`, newest first, flat: start₀, end₀, start₁, end₁, … */
  ranges: number[];
  /** Bytes read for these lines (0 for a long line gathered over earlier chunks). */
  bytes: number;
  /** A scratch buffer at least as long as `buffer`, when the pool has one (for folded copies). */
  scratch: (() => Buffer) | undefined;
  /** Hands the pool's buffer back before the next slice is asked for (optional; idempotent). */
  release: () => void;
}

/** The complete lines one chunk finished, newest first, decoded. */
export interface LineSlice {
  lines: string[];
  bytes: number;
}

const NOTHING = (): void => {};

/**
 * Reads the complete lines of `file` from the end backwards, newest first, one slice per chunk
 * of the pool (a slice may hold no line while a long line is being gathered). Each chunk holds one
 * of the pool's buffers from its read until its slice is released or the next one is asked for,
 * so all queries together hold at most the pool's buffers. A last line without a newline (a torn
 * write) is skipped, as is a line longer than {@link MAX_LINE_BYTES}. A missing file has no lines;
 * a file that shrinks while it is read ends there. A compressed rotation is inflated whole, one at
 * a time for all queries (./read-pool.ts `inflateTurns`).
 */
export async function* readChunksBackward(file: string, pool: ReadPool = sharedReadPool): AsyncGenerator<ByteSlice> {
  // --- compressed rotations (`<file>.N.gz`, ../persistence/log-files.ts): inflated, then sliced alike.
  if (isCompressed(file)) {
    const giveBack = await inflateTurns.take();
    try {
      const bytes = await inflate(file);
      if (bytes !== undefined) yield* rangesBackward(bytes, pool.chunkBytes);
    } finally {
      giveBack();
    }
    return;
  }
  // --- end compressed rotations
  const handle = await open(file);
  if (handle === undefined) return;
  try {
    let position = (await handle.stat()).size;
    // Pieces of a line whose beginning lies before `position`, oldest first (copies: they outlive the lease).
    let pieces: Buffer[] = [];
    let pendingBytes = 0;
    let oversized = false;
    let seenLastNewline = false;
    while (position > 0) {
      const lease = await pool.lease();
      try {
        const length = Math.min(pool.chunkBytes, position);
        position -= length;
        const chunk = lease.buffer.subarray(0, length);
        const { bytesRead } = await handle.read(chunk, 0, length, position);
        if (bytesRead < length) return;
        const last = chunk.lastIndexOf(NEWLINE);
        if (last === -1) {
          if (seenLastNewline) {
            pieces.unshift(Buffer.from(chunk));
            pendingBytes += length;
            if (pendingBytes > MAX_LINE_BYTES) [pieces, pendingBytes, oversized] = [[], 0, true];
          }
          yield { buffer: chunk, ranges: [], bytes: length, scratch: undefined, release: lease.release };
          continue;
        }
        if (seenLastNewline && !oversized && length - last - 1 + pendingBytes > 0) {
          // The line that began in this chunk and ended in a later one: newer than this chunk's lines.
          const whole = Buffer.concat([chunk.subarray(last + 1), ...pieces]);
          yield { buffer: whole, ranges: [0, whole.length], bytes: 0, scratch: undefined, release: NOTHING };
        }
        seenLastNewline = true;
        [pieces, pendingBytes, oversized] = [[], 0, false];
        const first = chunk.indexOf(NEWLINE);
        const ranges: number[] = [];
        for (let end = last; end > first;) {
          const start = chunk.lastIndexOf(NEWLINE, end - 1);
          if (end > start + 1) ranges.push(start + 1, end);
          end = start;
        }
        if (first > 0) [pieces, pendingBytes] = [[Buffer.from(chunk.subarray(0, first))], first];
        yield { buffer: chunk, ranges, bytes: length, scratch: lease.spare, release: lease.release };
      } finally {
        lease.release();
      }
    }
    if (pendingBytes > 0 && !oversized) {
      const whole = Buffer.concat(pieces);
      yield { buffer: whole, ranges: [0, whole.length], bytes: 0, scratch: undefined, release: NOTHING };
    }
  } finally {
    await handle.close();
  }
}

/**
 * The complete lines of a decompressed file from the end, newest first, in slices of about
 * `chunkBytes` (each slice's buffer a view of exactly its lines). A last line without a newline
 * (a torn write) is skipped.
 */
function* rangesBackward(bytes: Buffer, chunkBytes: number): Generator<ByteSlice> {
  let end = bytes.lastIndexOf(NEWLINE);
  while (end > 0) {
    // Lines ending within [sliceEnd - chunkBytes, sliceEnd], as one view.
    const sliceEnd = end;
    const absolute: number[] = [];
    while (end > 0 && sliceEnd - end < chunkBytes) {
      const start = bytes.lastIndexOf(NEWLINE, end - 1);
      if (end > start + 1) absolute.push(start + 1, end);
      end = start;
    }
    const base = Math.max(end + 1, 0);
    const ranges = absolute.map((at) => at - base);
    yield { buffer: bytes.subarray(base, sliceEnd), ranges, bytes: sliceEnd - end, scratch: undefined, release: NOTHING };
  }
}

/** {@link readChunksBackward} with each line decoded (for readers that keep lines, e.g. ./around.ts). */
export async function* readSlicesBackward(file: string, pool: ReadPool = sharedReadPool): AsyncGenerator<LineSlice> {
  for await (const slice of readChunksBackward(file, pool)) {
    const lines: string[] = [];
    for (let i = 0; i < slice.ranges.length; i += 2) lines.push(slice.buffer.toString('utf8', slice.ranges[i], slice.ranges[i + 1]));
    slice.release();
    yield { lines, bytes: slice.bytes };
  }
}

/**
 * The stream id of the first line of `file` that has one, reading at most one chunk; undefined
 * when there is none there. Lines are in id order, so a file whose first id is at or after a
 * cursor holds nothing older than the cursor.
 */
export async function firstLineId(file: string, pool: ReadPool = sharedReadPool): Promise<StreamId | undefined> {
  // --- compressed rotations (../persistence/log-files.ts): the first chunk of the inflated bytes.
  if (isCompressed(file)) {
    const giveBack = await inflateTurns.take();
    try {
      const bytes = await inflate(file);
      return bytes === undefined ? undefined : firstIdIn(bytes.subarray(0, pool.chunkBytes), Math.min(bytes.length, pool.chunkBytes));
    } finally {
      giveBack();
    }
  }
  // --- end compressed rotations
  const handle = await open(file);
  if (handle === undefined) return undefined;
  const lease = await pool.lease();
  try {
    // A few lines first (many concurrent queries call this per file and page), a chunk when they hold no id.
    for (const length of pool.chunkBytes > FIRST_TRY_BYTES ? [FIRST_TRY_BYTES, pool.chunkBytes] : [pool.chunkBytes]) {
      const chunk = lease.buffer.subarray(0, length);
      const { bytesRead } = await handle.read(chunk, 0, length, 0);
      const id = firstIdIn(chunk, bytesRead);
      if (id !== undefined || bytesRead < length) return id;
    }
    return undefined;
  } finally {
    lease.release();
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
