import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { AppendFile, FileIdentity } from './append-file.js';
import { CommitLedger } from './commit-ledger.js';
import { ensureDir, escapeLineSeparators, readLinesBackwardSync, sha256Hex } from './lines.js';
import {
  CHECKPOINT_FILE,
  type Checkpoint,
  checkpointLine,
  GENESIS,
  lineHead,
  sealLine,
  signCheckpoint,
  trailFileName,
  TrailRecordKind,
  type TrailObserver,
} from './trail-format.js';
import { countLines, cutTornTail, iso, lastRecord, listTrailFiles, previousName } from './trail-files.js';
import { deleteExpiredTrailFiles } from './trail-retention.js';

export { listTrailFiles } from './trail-files.js';

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
  readonly #onLost: (() => void) | undefined;
  /** Told every line and checkpoint written (the stream's chain fields, see chain-links.ts). */
  observer: TrailObserver | undefined;
  #file: AppendFile | undefined;
  #fileName = '';
  #lineInFile = 0;
  #previousFile: string | null = null;
  #seq = 0;
  #lastHash = GENESIS;
  /** File and line of line `#seq`: what a checkpoint names ('' until known). */
  #seqFile = '';
  #seqLine = 0;
  #lost = 0;
  #lostSince = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #syncing: Promise<void> | undefined;
  #checkpointedSeq = 0;
  #lastCheckpointAt = 0;
  #lastSig = '';
  #closed = false;
  #recovered = false;
  #recoveryFailed = false;
  /** `trail_lost` records waiting to be written (a trail or checkpoint file vanished). */
  readonly #pendingLoss: string[] = [];
  /** Which audit events are durable or dropped, for `commit()`. */
  readonly #ledger = new CommitLedger();
  /** Newest file found at startup: if the clock is behind it, lines keep going there. */
  #floorName = '';

  /** `onLost` is told when a trail file was found removed or replaced (its directory may be gone too). */
  constructor(dir: string, options: AuditTrailOptions, onError: (error: LogwireError) => void, onLost?: () => void) {
    this.dir = dir;
    this.#onError = onError;
    this.#onLost = onLost;
    this.#options = {
      retentionDays: options.retentionDays ?? 30,
      fsyncIntervalMs: options.fsyncIntervalMs ?? 50,
      checkpointIntervalMs: options.checkpointIntervalMs ?? 1000,
      now: options.now ?? Date.now,
      integrityKey: options.integrityKey,
    };
    if (!(Number.isInteger(this.#options.retentionDays) && this.#options.retentionDays >= 1)) {
      throw new LogwireError(
        LogwireErrorCode.InvalidOption,
        `persistence.audit.retentionDays must be a whole number of days ≥ 1, got ${String(options.retentionDays)}`,
      );
    }
    if (options.integrityKey?.length === 0) {
      throw new LogwireError(LogwireErrorCode.InvalidOption, 'persistence.audit.integrityKey must not be empty');
    }
    if (options.integrityKey !== undefined) {
      const events = { onError: (error: LogwireError) => this.#report(error) };
      for (const where of [dir, ...(options.checkpointMirrors ?? [])])
        this.#checkpointFiles.push(new AppendFile(path.join(where, CHECKPOINT_FILE), events));
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

  /** Ordinal of the newest audit event handed to {@link append} (1, 2, … in logging order). */
  get handed(): number {
    return this.#ledger.handed;
  }

  /** Appends events in one write. Never throws; a failed write is reported and counted as a gap. */
  append(events: readonly TrailEvent[]): void {
    if (events.length === 0) return;
    const range = this.#ledger.hand(events.length);
    if (this.#closed) {
      this.#ledger.drop(range.from, range.to);
      return;
    }
    let written = false;
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
      written = this.#writeRecords(lines, now);
      if (written) {
        this.#lost = 0;
      } else {
        if (this.#lost === 0) this.#lostSince = now;
        this.#lost += events.length;
      }
    } catch (error) {
      this.#report(
        new LogwireError(LogwireErrorCode.Write, `audit trail append failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        }),
      );
    } finally {
      if (written) this.#ledger.written(range.to);
      else this.#ledger.drop(range.from, range.to);
    }
  }

  /** Fsyncs written lines and writes a checkpoint if one is due; resolves when done. */
  async sync(force = false): Promise<void> {
    // One at a time: a second fsync started while one runs would find nothing unsynced and claim too much.
    while (this.#syncing !== undefined) await this.#syncing;
    this.#syncing = this.#syncAndCheckpoint(force);
    try {
      await this.#syncing;
    } finally {
      this.#syncing = undefined;
    }
  }

  /**
   * Resolves once every audit event with an ordinal in `(since, through]` (by default: every one
   * handed over so far) is on disk: written, fsynced, and in a file that is still at its path.
   * Rejects with `ERR_LOGWIRE_WRITE` when any of them was dropped (a failed write, a file removed
   * before its fsync, a failed fsync), however many later writes succeeded.
   */
  async commit(since = 0, through = this.#ledger.handed): Promise<void> {
    if (this.#closed) throw new LogwireError(LogwireErrorCode.Closed, 'the audit trail is closed');
    if (this.#ledger.durable < through && this.#ledger.droppedIn(since, through) === 0) await this.sync(true);
    const dropped = this.#ledger.droppedIn(since, through);
    if (dropped > 0) {
      const message = `${dropped} audit event(s) could not be written to ${this.dir}; see onError for the cause`;
      throw new LogwireError(LogwireErrorCode.Write, message);
    }
    if (this.#ledger.durable < through) {
      const why = this.#closed ? 'the trail was closed first' : 'they were not handed to the trail';
      const code = this.#closed ? LogwireErrorCode.Closed : LogwireErrorCode.Write;
      throw new LogwireError(code, `audit events up to #${through} are not proven on disk: ${why}`);
    }
  }

  /** Fsyncs the current file now, blocking (for exit handlers). */
  syncNow(): void {
    this.#syncFileNow();
  }

  /** Fsyncs, writes a final checkpoint, closes the files. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#syncFileNow();
    this.#writeCheckpoint(true);
    this.#file?.close();
    for (const file of this.#checkpointFiles) file.close();
  }

  /** Deletes trail files whose name date is more than `retentionDays` before today (UTC). */
  purgeExpired(now = this.#options.now()): string[] {
    const report = (error: LogwireError): void => this.#report(error);
    const { purged, throughSeq } = deleteExpiredTrailFiles(this.dir, now, this.#options.retentionDays, this.#fileName, report);
    if (purged.length > 0) {
      this.#rollover(now);
      const files = JSON.stringify(purged);
      const body = `"kind":"${TrailRecordKind.RetentionPurge}","timestamp":"${iso(now)}","files":${files},"through_seq":${throughSeq}`;
      this.#writeRecords([body], now);
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
        this.#report(
          new LogwireError(
            LogwireErrorCode.Write,
            `Cannot open the audit trail in ${this.dir} (audit events are dropped and counted until it can be opened): ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          ),
        );
      }
      return false;
    }
  }

  /** Reads the state left by the previous run: last seq and hash, torn tail, last checkpoint. */
  #recover(): void {
    ensureDir(this.dir);
    const names = listTrailFiles(this.dir);
    let truncated = 0;
    const tornFile = names[names.length - 1] ?? '';
    if (tornFile !== '') truncated = cutTornTail(path.join(this.dir, tornFile));
    const last = lastRecord(this.dir, names);
    if (last !== undefined) {
      this.#seq = last.seq;
      this.#lastHash = last.hash;
      this.#previousFile = last.file;
      // A checkpoint written before the first new line (close, commit) names this real position.
      this.#seqFile = last.file;
      this.#seqLine = last.line;
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
      this.#writeRecords(
        [
          `"kind":"${TrailRecordKind.Recovery}","timestamp":"${iso(now)}","file":${JSON.stringify(tornFile)},"truncated_bytes":${truncated}`,
        ],
        now,
      );
    }
  }

  /** Switches to the file of the current UTC day (never back to an earlier day). */
  #rollover(now: number): void {
    const today = trailFileName(now);
    const name = today < this.#floorName ? this.#floorName : today;
    if (this.#file !== undefined && name <= this.#fileName) return;
    const switching = this.#file !== undefined;
    if (this.#file !== undefined) {
      const old = this.#file;
      this.#syncFileNow();
      old.close();
    }
    if (this.#fileName !== '' && this.#seq > 0) this.#previousFile = this.#fileName;
    this.#fileName = name;
    const full = path.join(this.dir, name);
    this.#file = new AppendFile(full, { onError: (error) => this.#report(error) });
    this.#lineInFile = countLines(full);
    if (this.#lineInFile > 0 && this.#previousFile === name) this.#previousFile = previousName(this.dir, name);
    if (switching) this.purgeExpired(now);
  }

  /** Chains, seals and writes record bodies (JSON members without braces) in one write, after any queued loss record. */
  #writeRecords(records: readonly string[], now: number): boolean {
    const file = this.#file as AppendFile;
    const needsOpen = this.#lineInFile === 0;
    const losses = this.#pendingLoss.length;
    const bodies = losses === 0 ? records : [...this.#pendingLoss, ...records];
    const all = needsOpen
      ? [
          `"kind":"${TrailRecordKind.FileOpen}","timestamp":"${iso(now)}","file":"${this.#fileName}","previous_file":${JSON.stringify(this.#previousFile === this.#fileName ? null : this.#previousFile)}`,
          ...bodies,
        ]
      : bodies;
    if (all.length === 0) return true;
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
    this.#seqFile = this.#fileName;
    this.#seqLine = this.#lineInFile;
    this.#pendingLoss.splice(0, losses);
    this.observer?.written(text);
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
    const target = this.#ledger.writtenThrough;
    const file = this.#file;
    const synced = (await file?.sync()) ?? true;
    if (this.#closed) return;
    // A rollover meanwhile fsynced and checked the old file itself.
    if (file === this.#file) this.#settle(file, synced, target);
    this.#checkCheckpointFiles();
    this.#writeLosses();
    this.#writeCheckpoint(force);
    await Promise.all(this.#checkpointFiles.map((checkpoints) => checkpoints.sync()));
  }

  /** Fsyncs the current file, blocking, and settles what it holds; false when its lines were lost. */
  #syncFileNow(): boolean {
    const file = this.#file;
    if (file === undefined) return true;
    const target = this.#ledger.writtenThrough;
    return this.#settle(file, file.syncNow(), target);
  }

  /**
   * After an fsync of `file`: the events up to `target` are durable if it succeeded and the path
   * still names the file. A file removed or replaced since it was opened means every line written
   * since the last proven fsync is lost (and what was in it is no longer readable at its path):
   * that is reported, and the trail continues in a new file that starts with a `trail_lost` record.
   */
  #settle(file: AppendFile | undefined, synced: boolean, target: number): boolean {
    const identity = file?.identity() ?? FileIdentity.Closed;
    if (identity === FileIdentity.Removed || identity === FileIdentity.Replaced) {
      this.#fileLost(file as AppendFile, identity);
      return false;
    }
    if (!synced) {
      this.#ledger.loseUnsynced();
      return false;
    }
    this.#ledger.durableThrough(target);
    return true;
  }

  #fileLost(file: AppendFile, how: typeof FileIdentity.Removed | typeof FileIdentity.Replaced): void {
    // A trail file and the trail's own checkpoint file go by their names; a mirror by its path.
    const name = file === this.#file || file === this.#checkpointFiles[0] ? path.basename(file.path) : file.path;
    const unsynced = file === this.#file ? this.#ledger.loseUnsynced() : 0;
    file.abandon();
    if (file === this.#file) {
      this.#file = undefined;
      this.#lineInFile = 0;
      // Line `seq` is gone with its file: no checkpoint until the trail_lost record gives it a place again.
      this.#seqFile = '';
      this.#seqLine = 0;
    }
    // A new checkpoint file continues the signed chain: the record says from which signature, so its start cannot be cut off unseen.
    const lastSig = this.#checkpointFiles.includes(file) ? `,"last_sig":"${this.#lastSig}"` : '';
    this.#report(
      new LogwireError(
        LogwireErrorCode.Write,
        `${file.path} was ${how === FileIdentity.Removed ? 'removed' : 'replaced by another file'} while open: ` +
          `${unsynced} audit event(s) ` +
          'written since its last fsync are lost, and the lines it held are no longer there. The trail continues with a trail_lost record.',
      ),
    );
    try {
      this.#onLost?.();
    } catch {
      // The hook must not stop the trail from recording the loss.
    }
    const now = this.#options.now();
    this.#pendingLoss.push(
      `"kind":"${TrailRecordKind.TrailLost}","timestamp":"${iso(now)}","file":${JSON.stringify(name)},"reason":"${how}",` +
        `"through_seq":${this.#seq},"unsynced_events":${unsynced}${lastSig}`,
    );
  }

  /** Writes queued `trail_lost` records now (in a new file when the trail file itself was lost). */
  #writeLosses(): void {
    if (this.#pendingLoss.length === 0 || this.#closed) return;
    try {
      const now = this.#options.now();
      this.#rollover(now);
      this.#writeRecords([], now);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#report(new LogwireError(LogwireErrorCode.Write, `cannot record a lost trail file: ${reason}`, { cause: error }));
    }
  }

  /** A checkpoint file removed or replaced is recreated, and the trail records the loss. */
  #checkCheckpointFiles(): void {
    for (const file of this.#checkpointFiles) {
      const identity = file.identity();
      if (identity !== FileIdentity.Removed && identity !== FileIdentity.Replaced) continue;
      this.#fileLost(file, identity);
    }
  }

  #writeCheckpoint(force: boolean): void {
    const key = this.#options.integrityKey;
    // Never a checkpoint without the real position of line `seq` (e.g. before the first write after a restart).
    if (key === undefined || this.#seq === this.#checkpointedSeq || this.#seq === 0 || this.#seqFile === '' || this.#seqLine === 0) return;
    const now = this.#options.now();
    if (!force && now - this.#lastCheckpointAt < this.#options.checkpointIntervalMs) {
      this.#scheduleSync();
      return;
    }
    const position = { file: this.#seqFile, line: this.#seqLine };
    const unsigned = { seq: this.#seq, hash: this.#lastHash, ...position, timestamp: iso(now), prev_sig: this.#lastSig };
    const checkpoint: Checkpoint = { ...unsigned, sig: signCheckpoint(key, unsigned) };
    const line = checkpointLine(checkpoint) + '\n';
    let written = false;
    for (const file of this.#checkpointFiles) written = file.append(line, 1) || written;
    if (!written) return;
    this.#lastSig = checkpoint.sig;
    this.#checkpointedSeq = this.#seq;
    this.#lastCheckpointAt = now;
    this.observer?.wroteCheckpoint(checkpoint);
  }

  #report(error: LogwireError): void {
    try {
      this.#onError(error);
    } catch {
      // The error hook itself failed; a log call must still not throw.
    }
  }
}
