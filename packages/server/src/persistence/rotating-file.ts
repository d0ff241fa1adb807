import fs from 'node:fs';
import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { AppendFile, type AppendFileEvents, FileIdentity, syncDir } from './append-file.js';
import { isMissing } from './lines.js';
import { DAY_MS, LogCompressor, pruneByAge } from './log-compression.js';
import { GZIP_SUFFIX, listLogFiles } from './log-files.js';

/** Rotation, compression and retention of one log file. */
export interface RotationOptions {
  /** Rotate before a write would make the file larger than this (0: no size limit). @default 10 MiB */
  maxBytes?: number;
  /** Rotated files kept (`<file>.1` newest … `<file>.N` oldest); older ones are deleted. @default 5 */
  backups?: number;
  /** Also rotate at each UTC midnight: a file never holds lines of two UTC days. @default false */
  daily?: boolean;
  /** Gzip rotated files (`<file>.N.gz`), in the background, off the logging path. @default false */
  compress?: boolean;
  /** Delete rotated files whose last line is older than this many days (by modification time). @default no limit */
  maxAgeDays?: number;
}

/** {@link AppendFileEvents} plus the moment a file is about to be renamed to `<file>.1`. */
export interface RotatingFileEvents extends AppendFileEvents {
  /** `file` is complete and closed, and is about to become `<file>.1`. */
  onRotate?: (file: string) => void;
}

/** Shortest time between two deletions by age, in ms. */
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/**
 * A line file with size rotation: `<file>`, `<file>.1` … `<file>.<backups>`, as Python's
 * RotatingFileHandler names them (the layout the seeds use).
 *
 * Written here rather than taken from npm: the rotation libraries (rotating-file-stream,
 * file-stream-rotator, pino-roll) are asynchronous streams that decide on their own when to
 * rotate, so a batch can be split at a byte rather than a line boundary, and their issue
 * trackers list lost lines and stale targets after restarts (rotating-file-stream #99, pino-roll
 * #75 and #114); pino's sonic-boom (under pino-roll) also duplicates and tears lines when
 * `flush(cb)` runs inside its 'ready' handler (reproduced on 4.2.x and 5.0.0). Here every write is
 * synchronous and whole-line, rotation happens only between lines, and the current file is always
 * `<file>`, so restart recovery and the query API read a layout that cannot be mid-rotation.
 */
export class RotatingFile {
  readonly path: string;
  readonly maxBytes: number;
  readonly backups: number;
  readonly daily: boolean;
  readonly maxAgeDays: number | undefined;
  readonly #file: AppendFile;
  readonly #events: RotatingFileEvents;
  readonly #compressor: LogCompressor | undefined;
  #checkedAt = 0;
  #prunedAt = 0;
  /** UTC day (days since the epoch) of the lines in the current file; undefined until known. */
  #day: number | undefined;

  constructor(file: string, options: RotationOptions, events: RotatingFileEvents) {
    this.path = file;
    this.maxBytes = checkCount(options.maxBytes ?? 10 * 1024 * 1024, 'maxBytes') || Infinity;
    this.backups = checkCount(options.backups ?? 5, 'backups');
    this.daily = options.daily === true;
    this.maxAgeDays = options.maxAgeDays === undefined ? undefined : checkCount(options.maxAgeDays, 'maxAgeDays');
    this.#events = events;
    this.#file = new AppendFile(file, events);
    if (options.compress === true) {
      this.#compressor = new LogCompressor(file, events.onError);
      this.#compressor.recoverAndQueue();
    }
    try {
      const stat = fs.statSync(file);
      if (stat.size > 0) this.#day = Math.floor(stat.mtimeMs / DAY_MS);
    } catch {
      // No file yet: its day is the day of its first line.
    }
    this.#prune();
  }

  /**
   * Appends lines (each without its newline). Lines are grouped into writes that respect the size
   * limit; a line larger than the limit gets a file of its own. Returns how many lines were lost.
   */
  writeLines(lines: readonly string[]): number {
    this.#checkIdentity();
    const now = Date.now();
    const today = Math.floor(now / DAY_MS);
    if (this.daily && this.#day !== undefined && today > this.#day && !this.#file.broken) {
      this.#file.open();
      if (this.#file.size > 0) this.rotate();
    }
    // A clock stepped back keeps writing the newest file rather than reopening an earlier day.
    if (this.#day === undefined || today > this.#day) this.#day = today;
    if (now - this.#prunedAt >= PRUNE_INTERVAL_MS) this.#prune();
    let lost = 0;
    let group: Buffer[] = [];
    let groupBytes = 0;
    const flush = (): void => {
      if (group.length === 0) return;
      if (!this.#file.append(Buffer.concat(group, groupBytes), group.length)) lost += group.length;
      group = [];
      groupBytes = 0;
    };
    // Learn the current size before the first group; a failure here is counted by `append`.
    if (!this.#file.broken) this.#file.open();
    for (const line of lines) {
      const bytes = Buffer.from(line + '\n', 'utf8');
      if (this.#file.size + groupBytes + bytes.length > this.maxBytes && this.#file.size + groupBytes > 0) {
        flush();
        if (this.#file.size > 0 && !this.#file.broken) this.rotate();
      }
      group.push(bytes);
      groupBytes += bytes.length;
    }
    flush();
    return lost;
  }

  /**
   * At most once a second (two `stat` calls, not one per line): if the path no longer names the
   * open file (removed with its directory, or replaced), report it and start a new file, so lines
   * do not go on into a file nobody can read. Returns true when that happened.
   */
  #checkIdentity(): boolean {
    const now = Date.now();
    if (now - this.#checkedAt < IDENTITY_CHECK_MS) return false;
    this.#checkedAt = now;
    const identity = this.#file.identity();
    if (identity !== FileIdentity.Removed && identity !== FileIdentity.Replaced) return false;
    this.#file.abandon();
    this.#events.onError(
      new LogwireError(
        LogwireErrorCode.Write,
        `${this.path} was ${identity === FileIdentity.Removed ? 'removed' : 'replaced by another file'} while open: ` +
          'the lines written to it are gone; writing a new file',
      ),
    );
    this.#events.onLost?.();
    return true;
  }

  /** True while writes fail. */
  get broken(): boolean {
    return this.#file.broken;
  }

  /** The files of this log, newest first (`<file>`, `<file>.1`, `<file>.2.gz`, …), those that exist. */
  files(): string[] {
    return rotatedFiles(this.path, this.backups);
  }

  /**
   * Renames `<file>` to `<file>.1` (shifting older rotations, plain or `.gz`, deleting those beyond
   * `backups`), starts a new file and queues `<file>.1` for compression. The file being written is
   * only ever renamed, never deleted or rewritten, and only between lines.
   */
  rotate(): void {
    this.#file.close();
    this.#events.onRotate?.(this.path);
    try {
      // Oldest first, each one up by one; those that would go beyond `backups` are deleted. Only the
      // rotations that exist are touched (a crash may have left gaps).
      for (const entry of listLogFiles(this.path).reverse()) {
        if (entry.index === 0) continue;
        const plain = `${this.path}.${entry.index}`;
        // A plain copy beside a complete `.gz` (a crash during compression) is redundant.
        if (entry.compressed) fs.rmSync(plain, { force: true });
        if (entry.index >= this.backups) fs.rmSync(entry.path, { force: true });
        else fs.renameSync(entry.path, `${this.path}.${entry.index + 1}${entry.compressed ? GZIP_SUFFIX : ''}`);
      }
      if (this.backups > 0) {
        try {
          fs.renameSync(this.path, `${this.path}.1`);
        } catch (error) {
          if (!isMissing(error)) throw error;
        }
      }
      if (this.backups === 0) fs.rmSync(this.path, { force: true });
      syncDir(path.dirname(this.path));
      if (this.backups > 0) this.#compressor?.queue(`${this.path}.1`);
    } catch {
      // A failed rename leaves the current file growing past the limit; the next write retries.
    }
    this.#file.open();
    this.#prune();
  }

  /** Resolves once no compression is queued or running (for tests and orderly shutdowns). */
  async compressed(): Promise<void> {
    await this.#compressor?.idle();
  }

  sync(): Promise<boolean> {
    return this.#file.sync();
  }

  close(): void {
    this.#file.close();
    this.#compressor?.close();
  }

  /** Deletes rotations older than `maxAgeDays`; never the current file. */
  #prune(): void {
    this.#prunedAt = Date.now();
    if (this.maxAgeDays !== undefined) pruneByAge(this.path, this.maxAgeDays, this.#prunedAt, this.#events.onError);
  }
}

function checkCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw new LogwireError(LogwireErrorCode.InvalidOption, `rotation ${name} must be a whole number ≥ 0, got ${String(value)}`);
  return value;
}

/** Shortest time between two checks that the file is still at its path, in ms. */
const IDENTITY_CHECK_MS = 1000;

/** Existing files of a rotated log, newest first, plain or `.gz`, up to `backups` rotations. */
export function rotatedFiles(file: string, backups: number): string[] {
  return listLogFiles(file)
    .filter((entry) => entry.index <= backups)
    .map((entry) => entry.path);
}
