import fs from 'node:fs';
import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { AppendFile, syncDir } from './append-file.js';
import { ensureDir, escapeLineSeparators, isMissing, readLinesBackwardSync, sha256Hex } from './lines.js';
import {
  CHECKPOINT_FILE,
  type Checkpoint,
  checkpointLine,
  GENESIS,
  lineHead,
  sealLine,
  signCheckpoint,
  trailFileDay,
  trailFileName,
  TrailRecordKind,
} from './trail-format.js';

/** Options of the audit trail. */
export interface AuditTrailOptions {
  /** Days of trail files kept, by the UTC date in their names; older files are deleted. @default 30 */
  retentionDays?: number;
  /**
   * Key for signed checkpoints (HMAC-SHA256). Supplied by the app and kept away from the trail's
   * host if the checkpoints are to prove anything against someone who can edit the files.
   */
  integrityKey?: string | Uint8Array;
  /** Further directories that receive a copy of every checkpoint (another disk, a mounted WORM share). */
  checkpointMirrors?: string[];
  /** Longest time written audit lines wait for fsync, in ms. @default 50 */
  fsyncIntervalMs?: number;
  /** Shortest time between two signed checkpoints, in ms. @default 1000 */
  checkpointIntervalMs?: number;
  /** @internal Clock for tests. */
  now?: () => number;
}

/** An audit event to append: its stream id and the JSON text of its data object. */
export interface TrailEvent {
  id: string;
  data: string;
}

/**
 * Writes the hash-chained audit trail: `<dir>/audit-YYYYMMDD.jsonl`, one file per UTC day.
 *
 * Durability policy (batched fsync, "group commit"): each batch of events the hub hands over (one
 * per event-loop turn) is written with one synchronous `write(2)`, so once the batch is written
 * a crash of the process loses nothing of it. The file is fsynced at most `fsyncIntervalMs` after
 * a write, in the background, so a power cut or kernel crash loses at most that window. Signed
 * checkpoints are written after the fsync that covers them.
 */
export class AuditTrail {
  readonly dir: string;
  readonly #options: Required<Omit<AuditTrailOptions, 'integrityKey' | 'checkpointMirrors'>> & Pick<AuditTrailOptions, 'integrityKey'>;
  readonly #checkpointFiles: AppendFile[] = [];
  readonly #onError: (error: LogwireError) => void;
  #file: AppendFile | undefined;
  #fileName = '';
  #lineInFile = 0;
  #previousFile: string | null = null;
  #seq = 0;
  #lastHash = GENESIS;
  #lost = 0;
  #lostSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #syncing: Promise<void> | undefined;
  #checkpointedSeq = 0;
  #lastCheckpointAt = 0;
  #lastSig = '';
  #closed = false;
  #recovered = false;
  #lastSyncOk = true;
  #recoveryFailed = false;
  /** Newest file found at startup: if the clock is behind it, lines keep going there. */
  #floorName = '';

  constructor(dir: string, options: AuditTrailOptions, onError: (error: LogwireError) => void) {
    this.dir = dir;
    this.#onError = onError;
    this.#options = {
      retentionDays: options.retentionDays ?? 30,
      fsyncIntervalMs: options.fsyncIntervalMs ?? 50,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 1000,
      now: options.now ?? Date.now,
      integrityKey: options.integrityKey,
    };
    if (!(Number.isInteger(this.#options.retentionDays) && this.#options.retentionDays >= 1)) {
      throw new LogwireError(LogwireErrorCode.InvalidOption, `persistence.audit.retentionDays must be a whole number of days ≥ 1, got ${String(options.retentionDays)}`);
    }
    if (options.integrityKey !== undefined && options.integrityKey.length === 0) {
      throw new LogwireError(LogwireErrorCode.InvalidOption, 'persistence.audit.integrityKey must not be empty');
    }
    if (options.integrityKey !== undefined) {
      const events = { onError: (error: LogwireError) => this.#report(error) };
      for (const where of [dir, ...(options.checkpointMirrors ?? [])]) this.#checkpointFiles.push(new AppendFile(path.join(where, CHECKPOINT_FILE), events));
    }
    this.#tryRecover();
  }

  /** Sequence number of the last line written. */
  get seq(): number {
    return this.#seq;
  }

  /** Trail files on disk, oldest first (names only). */
  files(): string[] {
    return listTrailFiles(this.dir);
  }

  /** Appends events in one write. Never throws; a failed write is reported and counted as a gap. */
  append(events: readonly TrailEvent[]): void {
    if (this.#closed || events.length === 0) return;
    try {
      // Never start a fresh chain over a trail that could not be read: count the events as lost.
      if (!this.#recovered && !this.#tryRecover()) {
        if (this.#lost === 0) this.#lostSince = this.#options.now();
        this.#lost += events.length;
        return;
      }
      const now = this.#options.now();
      this.#rollover(now);
      const lines: string[] = [];
      if (this.#lost > 0) {
        lines.push(`"kind":"${TrailRecordKind.Gap}","timestamp":"${iso(now)}","lost":${this.#lost},"since":"${iso(this.#lostSince)}"`);
      }
      for (const event of events) {
        const body = event.data.length > 2 ? event.data.slice(1, -1) : '';
        lines.push('"id":"' + event.id + '"' + (body === '' ? '' : ',' + escapeLineSeparators(body)));
      }
      if (this.#writeRecords(lines, now)) {
        this.#lost = 0;
      } else {
        if (this.#lost === 0) this.#lostSince = now;
        this.#lost += events.length;
      }
    } catch (error) {
      this.#report(new LogwireError(LogwireErrorCode.Write, `audit trail append failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  }

  /** Fsyncs written lines and writes a checkpoint if one is due; resolves when done. */
  async sync(force = false): Promise<void> {
    if (this.#syncing !== undefined) await this.#syncing;
    this.#syncing = this.#syncAndCheckpoint(force);
    try {
      await this.#syncing;
    } finally {
      this.#syncing = undefined;
    }
  }

  /**
   * Resolves once every audit line written so far is on disk (fsynced); rejects with
   * `ERR_LOGWIRE_WRITE` when events were dropped since the last successful write or the fsync
   * failed. The building block of a fail-closed policy: audit, `await commit()`, then act.
   */
  async commit(): Promise<void> {
    if (this.#closed) throw new LogwireError(LogwireErrorCode.Closed, 'the audit trail is closed');
    if (!this.#recovered || this.#lost > 0) {
      throw new LogwireError(LogwireErrorCode.Write, `${this.#lost} audit event(s) could not be written to ${this.dir}; see onError for the cause`);
    }
    await this.sync(true);
    if (!this.#lastSyncOk) throw new LogwireError(LogwireErrorCode.Write, `fsync of the audit trail in ${this.dir} failed; see onError for the cause`);
  }

  /** Fsyncs the current file now, blocking (for exit handlers). */
  syncNow(): void {
    this.#file?.syncNow();
  }

  /** Fsyncs, writes a final checkpoint, closes the files. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#file?.syncNow();
    this.#writeCheckpoint(true);
    this.#file?.close();
    for (const file of this.#checkpointFiles) file.close();
  }

  /** Deletes trail files whose name date is more than `retentionDays` before today (UTC). */
  purgeExpired(now = this.#options.now()): string[] {
    const today = trailFileDay(trailFileName(now)) as number;
    const cutoff = today - this.#options.retentionDays * 86_400_000;
    const purged: string[] = [];
    let throughSeq = 0;
    for (const name of listTrailFiles(this.dir)) {
      const day = trailFileDay(name) as number;
      if (day >= cutoff || name === this.#fileName) continue;
      const full = path.join(this.dir, name);
      try {
        // Only regular files: a symlink named like a trail file is never followed or removed.
        if (!fs.lstatSync(full).isFile()) continue;
        readLinesBackwardSync(full, (line) => {
          const seq = seqOf(line);
          if (seq !== undefined) throughSeq = Math.max(throughSeq, seq);
          return seq === undefined;
        });
        fs.unlinkSync(full);
        purged.push(name);
      } catch (error) {
        if (!isMissing(error)) this.#report(new LogwireError(LogwireErrorCode.Write, `retention could not delete ${full}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
    }
    if (purged.length > 0) {
      syncDir(this.dir);
      this.#rollover(now);
      this.#writeRecords([`"kind":"${TrailRecordKind.RetentionPurge}","timestamp":"${iso(now)}","files":${JSON.stringify(purged)},"through_seq":${throughSeq}`], now);
    }
    return purged;
  }

  /** Runs startup recovery; reports (once per outage) instead of throwing when the directory is unusable. */
  #tryRecover(): boolean {
    try {
      this.#recover();
      this.#recovered = true;
      this.#recoveryFailed = false;
      return true;
    } catch (error) {
      if (!this.#recoveryFailed) {
        this.#recoveryFailed = true;
        this.#report(new LogwireError(LogwireErrorCode.Write, `Cannot open the audit trail in ${this.dir} (audit events are dropped and counted until it can be opened): ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
      }
      return false;
    }
  }

  /** Reads the state left by the previous run: last seq and hash, torn tail, last checkpoint. */
  #recover(): void {
    ensureDir(this.dir);
    const names = listTrailFiles(this.dir);
    let truncated = 0;
    let tornFile = '';
    for (let index = names.length - 1; index >= 0 && this.#seq === 0; index--) {
      const full = path.join(this.dir, names[index] as string);
      if (index === names.length - 1) {
        truncated = cutTornTail(full);
        if (truncated > 0) tornFile = names[index] as string;
      }
      readLinesBackwardSync(full, (line) => {
        const seq = seqOf(line);
        if (seq === undefined) return true;
        this.#seq = seq;
        this.#lastHash = sha256Hex(line);
        return false;
      });
      if (this.#seq > 0) this.#previousFile = names[index] as string;
    }
    this.#floorName = names[names.length - 1] ?? '';
    if (this.#checkpointFiles.length > 0) {
      readLinesBackwardSync(path.join(this.dir, CHECKPOINT_FILE), (line) => {
        try {
          const checkpoint = JSON.parse(line) as Checkpoint;
          this.#lastSig = checkpoint.sig;
          this.#checkpointedSeq = checkpoint.seq;
        } catch {
          return true;
        }
        return false;
      });
    }
    const now = this.#options.now();
    this.purgeExpired(now);
    if (truncated > 0) {
      this.#rollover(now);
      this.#writeRecords([`"kind":"${TrailRecordKind.Recovery}","timestamp":"${iso(now)}","file":${JSON.stringify(tornFile)},"truncated_bytes":${truncated}`], now);
    }
  }

  /** Switches to the file of the current UTC day (never back to an earlier day). */
  #rollover(now: number): void {
    const today = trailFileName(now);
    const name = today < this.#floorName ? this.#floorName : today;
    if (this.#file !== undefined && name <= this.#fileName) return;
    const switching = this.#file !== undefined;
    if (this.#file !== undefined) {
      this.#file.syncNow();
      this.#file.close();
    }
    if (this.#fileName !== '' && this.#seq > 0) this.#previousFile = this.#fileName;
    this.#fileName = name;
    const full = path.join(this.dir, name);
    this.#file = new AppendFile(full, { onError: (error) => this.#report(error) });
    this.#lineInFile = countLines(full);
    if (this.#lineInFile > 0 && this.#previousFile === name) this.#previousFile = previousName(this.dir, name);
    if (switching) this.purgeExpired(now);
  }

  /** Chains, seals and writes record bodies (JSON members without braces) in one write. */
  #writeRecords(bodies: readonly string[], now: number): boolean {
    const file = this.#file as AppendFile;
    const needsOpen = this.#lineInFile === 0;
    const all = needsOpen
      ? [`"kind":"${TrailRecordKind.FileOpen}","timestamp":"${iso(now)}","file":"${this.#fileName}","previous_file":${JSON.stringify(this.#previousFile === this.#fileName ? null : this.#previousFile)}`, ...bodies]
      : bodies;
    let seq = this.#seq;
    let prev = this.#lastHash;
    let text = '';
    for (const body of all) {
      seq++;
      const line = sealLine(lineHead(seq, prev) + ',' + body);
      prev = sha256Hex(line);
      text += line + '\n';
    }
    if (!file.append(text, all.length)) return false;
    this.#seq = seq;
    this.#lastHash = prev;
    this.#lineInFile += all.length;
    this.#scheduleSync();
    return true;
  }

  #scheduleSync(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.sync();
    }, this.#options.fsyncIntervalMs);
    this.#timer.unref?.();
  }

  async #syncAndCheckpoint(force: boolean): Promise<void> {
    if (this.#closed) return;
    this.#lastSyncOk = (await this.#file?.sync()) ?? true;
    if (this.#closed) return;
    this.#writeCheckpoint(force);
    await Promise.all(this.#checkpointFiles.map((file) => file.sync()));
  }

  #writeCheckpoint(force: boolean): void {
    const key = this.#options.integrityKey;
    if (key === undefined || this.#seq === this.#checkpointedSeq || this.#seq === 0) return;
    const now = this.#options.now();
    if (!force && now - this.#lastCheckpointAt < this.#options.checkpointIntervalMs) {
      this.#scheduleSync();
      return;
    }
    const unsigned = { seq: this.#seq, hash: this.#lastHash, file: this.#fileName, line: this.#lineInFile, timestamp: iso(now), prev_sig: this.#lastSig };
    const checkpoint: Checkpoint = { ...unsigned, sig: signCheckpoint(key, unsigned) };
    const line = checkpointLine(checkpoint) + '\n';
    let written = false;
    for (const file of this.#checkpointFiles) written = file.append(line, 1) || written;
    if (!written) return;
    this.#lastSig = checkpoint.sig;
    this.#checkpointedSeq = this.#seq;
    this.#lastCheckpointAt = now;
  }

  #report(error: LogwireError): void {
    try {
      this.#onError(error);
    } catch {
      // The error hook itself failed; a log call must still not throw.
    }
  }
}

/** Trail file names in `dir`, oldest first. */
export function listTrailFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  // Only regular files: a symlink named like a trail file is neither read nor deleted.
  return names.filter((name) => trailFileDay(name) !== undefined && isRegularFile(path.join(dir, name))).sort();
}

function isRegularFile(file: string): boolean {
  try {
    return fs.lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/** Cuts an unterminated last line off (a write torn by a crash); returns the bytes removed. */
function cutTornTail(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch {
    return 0;
  }
  try {
    const size = fs.fstatSync(fd).size;
    let position = size;
    const chunk = Buffer.allocUnsafe(65_536);
    while (position > 0) {
      const length = Math.min(chunk.length, position);
      position -= length;
      fs.readSync(fd, chunk, 0, length, position);
      const index = chunk.subarray(0, length).lastIndexOf(0x0a);
      if (index !== -1) {
        const keep = position + index + 1;
        if (keep < size) fs.ftruncateSync(fd, keep);
        return size - keep;
      }
    }
    if (size > 0) fs.ftruncateSync(fd, 0);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}

function countLines(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return 0;
  }
  try {
    const chunk = Buffer.allocUnsafe(65_536);
    let count = 0;
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return count;
      for (let index = chunk.indexOf(0x0a); index !== -1 && index < read; index = chunk.indexOf(0x0a, index + 1)) count++;
    }
  } finally {
    fs.closeSync(fd);
  }
}

function previousName(dir: string, name: string): string | null {
  const older = listTrailFiles(dir).filter((other) => other < name);
  return older.length === 0 ? null : (older[older.length - 1] as string);
}

function seqOf(line: string): number | undefined {
  const match = /^\{"seq":(\d+),/.exec(line);
  return match === null ? undefined : Number(match[1]);
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
