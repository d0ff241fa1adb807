import fs from 'node:fs';
import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { ensureDir, isMissing } from './lines.js';

/** How an append file reports trouble: a failed write, and the first good write after failures. */
export interface AppendFileEvents {
  /** A write failed (disk full, directory gone, permissions). Called once per outage, not per write. */
  onError: (error: LogwireError) => void;
  /** Writes succeed again after `lost` lines were dropped since `since` (ms). */
  onRecover?: (lost: number, since: number) => void;
  /** The file was found removed or replaced while open (and a new one is started). */
  onLost?: () => void;
}

/** Retry a broken file at most this often, so a dead disk does not cost a syscall per log call. */
const REOPEN_INTERVAL_MS = 1000;

/**
 * A file opened for appending with synchronous writes. Each `append` writes whole lines in one
 * or more `write(2)` calls from the calling thread: after it returns, the bytes are in the kernel
 * and survive the death of the process (not a power cut: that needs {@link AppendFile.sync}).
 *
 * A failed write never leaves part of a line behind: the file is cut back to its length before
 * the write, so every line in it stays whole. The lines of a failed write are dropped and
 * counted, the error is reported once, and the file is reopened on a later write.
 */
export class AppendFile {
  readonly path: string;
  #fd: number | undefined;
  #size = 0;
  #broken = false;
  #lost = 0;
  #lostSince = 0;
  #lastAttempt = 0;
  readonly #events: AppendFileEvents;
  #unsynced = false;
  /** Device and inode of the open file, to notice when its path names another file or none. */
  #identity: { dev: number; ino: number } | undefined;

  constructor(file: string, events: AppendFileEvents) {
    this.path = file;
    this.#events = events;
  }

  /** Bytes in the file as far as this writer knows. */
  get size(): number {
    return this.#size;
  }

  /** True while writes fail. */
  get broken(): boolean {
    return this.#broken;
  }

  /** Opens the file (creating it and its directory, mode 0600/0700); false when that fails. */
  open(): boolean {
    if (this.#fd !== undefined) return true;
    try {
      ensureDir(path.dirname(this.path));
      const fd = fs.openSync(this.path, 'a', 0o600);
      const stat = fs.fstatSync(fd);
      this.#size = stat.size;
      this.#identity = { dev: stat.dev, ino: stat.ino };
      this.#fd = fd;
      return true;
    } catch (error) {
      this.#fail(error, 0);
      return false;
    }
  }

  /**
   * Appends `text` (whole lines, each ending with a newline). Returns false when the write failed;
   * `lines` is how many lines that drops, for the loss count. Never throws.
   */
  append(text: string | Buffer, lines: number): boolean {
    if (this.#broken) {
      const now = Date.now();
      if (now - this.#lastAttempt < REOPEN_INTERVAL_MS) {
        this.#lost += lines;
        return false;
      }
      this.#lastAttempt = now;
      this.#closeQuietly();
    }
    if (!this.open()) {
      this.#lost += lines;
      return false;
    }
    const fd = this.#fd as number;
    const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
    const before = this.#size;
    let written = 0;
    try {
      while (written < bytes.length) written += fs.writeSync(fd, bytes, written, bytes.length - written);
    } catch (error) {
      // Cut a partial write back off so no torn line stays in the middle of the file.
      if (written > 0) {
        try {
          fs.ftruncateSync(fd, before);
        } catch {
          // The file stays longer; readers skip the torn line and verify reports it.
        }
      }
      this.#fail(error, lines);
      return false;
    }
    this.#size = before + bytes.length;
    this.#unsynced = true;
    if (this.#broken) {
      this.#broken = false;
      const lost = this.#lost;
      const since = this.#lostSince;
      this.#lost = 0;
      this.#events.onRecover?.(lost, since);
    }
    return true;
  }

  /** Flushes written bytes to the disk (fsync) in the background; resolves with false if that failed. */
  sync(): Promise<boolean> {
    const fd = this.#fd;
    if (fd === undefined || !this.#unsynced) return Promise.resolve(!this.#broken);
    this.#unsynced = false;
    return new Promise((resolve) => {
      fs.fsync(fd, (error) => {
        if (error !== null && error.code !== 'EBADF') {
          this.#events.onError(
            new LogwireError(LogwireErrorCode.Write, `fsync of ${this.path} failed: ${error.message}`, { cause: error }),
          );
          resolve(false);
          return;
        }
        resolve(true);
      });
    });
  }

  /** Flushes to the disk now, blocking (used at close and rollover); false if that failed. */
  syncNow(): boolean {
    if (this.#fd === undefined || !this.#unsynced) return !this.#broken;
    this.#unsynced = false;
    try {
      fs.fsyncSync(this.#fd);
      return true;
    } catch {
      // The caller counts the lines as not durable; close must not throw.
      return false;
    }
  }

  /**
   * Whether the path still names the open file: `removed` when it (or its directory) was deleted,
   * `replaced` when another file took its name; writes to the open descriptor would then reach no
   * file anyone can read. Two `stat` calls: meant for each batched fsync, not each line.
   */
  identity(): FileIdentity {
    if (this.#fd === undefined || this.#identity === undefined) return FileIdentity.Closed;
    let stat: fs.Stats;
    try {
      stat = fs.statSync(this.path);
    } catch (error) {
      return isMissing(error) || (error as { code?: unknown }).code === 'ENOTDIR' ? FileIdentity.Removed : FileIdentity.Same;
    }
    return stat.dev === this.#identity.dev && stat.ino === this.#identity.ino ? FileIdentity.Same : FileIdentity.Replaced;
  }

  /** Drops the open descriptor without syncing (its file is gone); the next append opens the path afresh. */
  abandon(): void {
    this.#unsynced = false;
    this.#closeQuietly();
  }

  /** Closes the file; a later `append` opens it again. */
  close(): void {
    this.syncNow();
    this.#closeQuietly();
  }

  #closeQuietly(): void {
    if (this.#fd === undefined) return;
    try {
      fs.closeSync(this.#fd);
    } catch {
      // Already closed or the device is gone; nothing to keep.
    }
    this.#fd = undefined;
    this.#identity = undefined;
  }

  #fail(error: unknown, lines: number): void {
    this.#lost += lines;
    this.#lastAttempt = Date.now();
    this.#closeQuietly();
    if (this.#broken) return;
    this.#broken = true;
    this.#lostSince = Date.now();
    const reason = error instanceof Error ? error.message : String(error);
    const hint = isMissing(error) ? 'the directory was removed' : 'check free space and permissions';
    this.#events.onError(
      new LogwireError(
        LogwireErrorCode.Write,
        `Cannot write ${this.path} (${hint}): ${reason}. Records are dropped until writes succeed again.`,
        { cause: error },
      ),
    );
  }
}

/** What {@link AppendFile.identity} found at the file's path. */
export const FileIdentity = {
  Same: 'same',
  Removed: 'removed',
  Replaced: 'replaced',
  Closed: 'closed',
} as const;

/** One of {@link FileIdentity}. */
export type FileIdentity = (typeof FileIdentity)[keyof typeof FileIdentity];

/** Fsyncs a directory so a created or renamed entry survives a power cut. Best effort. */
export function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename itself has happened.
  }
}
