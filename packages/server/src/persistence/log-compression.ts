// Compressing rotated log files with gzip (node:zlib) off the logging path, and pruning rotations
// by age. A `.gz` appears under its final name only once complete: written to a temporary name,
// fsynced, renamed, the directory fsynced, and only then the plain file removed. A crash at any
// step leaves either the plain file, or both (readers then take the `.gz`, which is complete, and
// the next start removes the plain copy), never a partial `.gz` under a name a reader lists.
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { syncDir } from './append-file.js';
import { GZIP_SUFFIX, listLogFiles } from './log-files.js';

/** Milliseconds in a day. */
export const DAY_MS = 86_400_000;

/** Name part of a compression's temporary file: `<file>.compressing-<pid>-<n>.tmp`. */
const TEMP_MARK = '.compressing-';

let tempCounter = 0;

/**
 * Compresses the rotations of one log, one at a time, in the background. Rotation only renames
 * files and shifts their numbers, so a finished compression finds its source again by inode.
 */
export class LogCompressor {
  readonly #file: string;
  readonly #onError: (error: LogwireError) => void;
  readonly #queue: string[] = [];
  #running: Promise<void> | undefined;
  #abort = new AbortController();
  #closed = false;

  constructor(file: string, onError: (error: LogwireError) => void) {
    this.#file = file;
    this.#onError = onError;
  }

  /**
   * Cleans up after a crash and queues every plain rotation: temporary files of this log are
   * deleted, a plain rotation that also exists as `.gz` is removed (the `.gz` is complete).
   */
  recoverAndQueue(): void {
    const dir = path.dirname(this.#file);
    const base = path.basename(this.#file);
    try {
      for (const name of fs.readdirSync(dir)) {
        if (name.startsWith(base + TEMP_MARK) && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
      }
      for (const entry of listLogFiles(this.#file)) {
        if (entry.index === 0) continue;
        const plain = `${this.#file}.${entry.index}`;
        if (entry.compressed) {
          if (fs.existsSync(plain)) fs.rmSync(plain, { force: true });
        } else {
          this.queue(plain);
        }
      }
    } catch (error) {
      this.#report(error);
    }
  }

  /** Queues a rotated plain file for compression (it will be found again by inode if renamed meanwhile). */
  queue(file: string): void {
    if (this.#closed) return;
    let ino: number;
    try {
      ino = fs.statSync(file).ino;
    } catch {
      return;
    }
    this.#queue.push(`${ino}`);
    this.#running ??= this.#drain().finally(() => (this.#running = undefined));
  }

  /** Resolves when no compression is queued or running. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  /** Stops: a compression in progress is abandoned (its temporary file removed); the plain file is compressed on the next start. */
  close(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#abort.abort();
  }

  async #drain(): Promise<void> {
    for (;;) {
      const ino = this.#queue.shift();
      if (ino === undefined || this.#closed) return;
      try {
        await this.#compress(Number(ino));
      } catch (error) {
        if (!this.#closed) this.#report(error);
      }
    }
  }

  /** The current path of the plain rotation with inode `ino`, or undefined when it is gone. */
  #find(ino: number): string | undefined {
    for (const entry of listLogFiles(this.#file)) {
      if (entry.index === 0 || entry.compressed) continue;
      try {
        if (fs.statSync(entry.path).ino === ino) return entry.path;
      } catch {
        // Renamed or deleted meanwhile.
      }
    }
    return undefined;
  }

  async #compress(ino: number): Promise<void> {
    const source = this.#find(ino);
    if (source === undefined) return;
    const temp = `${this.#file}${TEMP_MARK}${process.pid}-${++tempCounter}.tmp`;
    const signal = this.#abort.signal;
    // Opened synchronously, right after finding it: a rename or a delete by count meanwhile does not disturb the read.
    const fd = fs.openSync(source, 'r');
    const mtime = fs.fstatSync(fd).mtime;
    try {
      await pipeline(fs.createReadStream('', { fd }), zlib.createGzip(), fs.createWriteStream(temp, { flags: 'wx', mode: 0o600 }), {
        signal,
      });
      const handle = await fs.promises.open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      // The `.gz` keeps the time of its last line, so deletion by age sees the age of the records.
      await fs.promises.utimes(temp, mtime, mtime);
    } catch (error) {
      fs.rmSync(temp, { force: true });
      if ((error as { code?: unknown }).code === 'ENOENT') return;
      throw error;
    }
    if (this.#closed) {
      fs.rmSync(temp, { force: true });
      return;
    }
    // Synchronous from here: no rotation can shift the files between finding the source and the renames.
    const now = this.#find(ino);
    if (now === undefined) {
      fs.rmSync(temp, { force: true });
      return;
    }
    fs.renameSync(temp, now + GZIP_SUFFIX);
    syncDir(path.dirname(now));
    fs.rmSync(now, { force: true });
  }

  #report(error: unknown): void {
    this.#onError(
      new LogwireError(
        LogwireErrorCode.Write,
        `Cannot compress a rotation of ${this.#file}: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      ),
    );
  }
}

/**
 * Deletes the rotations of `file` (never `file` itself) whose last write is older than `maxAgeDays`.
 * Returns how many were deleted.
 */
export function pruneByAge(file: string, maxAgeDays: number, now: number, onError: (error: LogwireError) => void): number {
  let deleted = 0;
  const cutoff = now - maxAgeDays * DAY_MS;
  for (const entry of listLogFiles(file)) {
    if (entry.index === 0) continue;
    try {
      if (fs.statSync(entry.path).mtimeMs < cutoff) {
        fs.rmSync(entry.path, { force: true });
        deleted++;
      }
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENOENT')
        onError(new LogwireError(LogwireErrorCode.Write, `Cannot delete ${entry.path}: ${String(error)}`, { cause: error }));
    }
  }
  return deleted;
}
