import fs from 'node:fs';
import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { AppendFile, type AppendFileEvents, FileIdentity, syncDir } from './append-file.js';
import { isMissing } from './lines.js';

/** Size rotation settings. */
export interface RotationOptions {
  /** Rotate before a write would make the file larger than this. @default 10 MiB */
  maxBytes?: number;
  /** Rotated files kept (`<file>.1` newest … `<file>.N` oldest). @default 5 */
  backups?: number;
}

/** {@link AppendFileEvents} plus the moment a file is about to be renamed to `<file>.1`. */
export interface RotatingFileEvents extends AppendFileEvents {
  /** `file` is complete and closed, and is about to become `<file>.1`. */
  onRotate?: (file: string) => void;
}

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
  readonly #file: AppendFile;
  readonly #events: RotatingFileEvents;
  #checkedAt = 0;

  constructor(file: string, options: RotationOptions, events: RotatingFileEvents) {
    this.path = file;
    this.maxBytes = options.maxBytes ?? 10 * 1024 * 1024;
    this.backups = options.backups ?? 5;
    this.#events = events;
    this.#file = new AppendFile(file, events);
  }

  /**
   * Appends lines (each without its newline). Lines are grouped into writes that respect the size
   * limit; a line larger than the limit gets a file of its own. Returns how many lines were lost.
   */
  writeLines(lines: readonly string[]): number {
    this.#checkIdentity();
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

  /** The files of this log, newest first (`<file>`, `<file>.1`, …), those that exist. */
  files(): string[] {
    return rotatedFiles(this.path, this.backups);
  }

  /** Renames `<file>` to `<file>.1` (shifting older backups, deleting the oldest) and starts a new file. */
  rotate(): void {
    this.#file.close();
    this.#events.onRotate?.(this.path);
    try {
      for (let index = this.backups; index >= 1; index--) {
        const from = index === 1 ? this.path : `${this.path}.${index - 1}`;
        const to = `${this.path}.${index}`;
        try {
          if (index === this.backups) fs.rmSync(to, { force: true });
          fs.renameSync(from, to);
        } catch (error) {
          if (!isMissing(error)) throw error;
        }
      }
      if (this.backups === 0) fs.rmSync(this.path, { force: true });
      syncDir(path.dirname(this.path));
    } catch {
      // A failed rename leaves the current file growing past the limit; the next write retries.
    }
    this.#file.open();
  }

  sync(): Promise<boolean> {
    return this.#file.sync();
  }

  close(): void {
    this.#file.close();
  }
}

/** Shortest time between two checks that the file is still at its path, in ms. */
const IDENTITY_CHECK_MS = 1000;

/** Existing files of a rotated log, newest first. */
export function rotatedFiles(file: string, backups: number): string[] {
  const out: string[] = [];
  for (let index = 0; index <= backups; index++) {
    const candidate = index === 0 ? file : `${file}.${index}`;
    if (fs.existsSync(candidate)) out.push(candidate);
  }
  return out;
}
