import fs from 'node:fs';
import path from 'node:path';
import { compareIds } from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { LogHub, StreamMessage } from '../hub/log-hub.js';
import { AuditTrail, type AuditTrailOptions, listTrailFiles } from './audit-trail.js';
import type { Logger } from '../logger/logger.js';
import type { BackplaneLink } from '../hub/backplane.js';
import { type AuditRead, createQueryHandler, parseTime, type QueryHandler, type QueryHandlerOptions } from '../query/http.js';
import { type LogKind, type LogQuery, MAX_QUERY_LIMIT, type QueryPage, queryLogs } from '../query/query.js';
import { type InstanceLogger, type InstanceLogType, InstanceLogs, type InstanceMetadata } from './instances.js';
import { ensureDir, escapeLineSeparators, readLinesBackwardSync } from './lines.js';
import { recordFileBounds } from './file-bounds.js';
import { RotatingFile, type RotationOptions } from './rotating-file.js';
import { verifyAuditTrail, type VerifyResult } from './verify.js';
import { auditMessage, SYSTEM_LOG_FILE, systemFiles, systemMessage } from './records.js';
import { ChainLinks } from './chain-links.js';
import { CHECKPOINT_FILE } from './trail-format.js';
import { ErrorLog, type ErrorLogOptions } from './error-log.js';
import { acquireLock, LOCK_FILE } from './lock-file.js';
import { type InstanceRetention, pruneInstances } from './instance-retention.js';

/** Options of file persistence (`createLogwire({ persistence: { dir } })`). */
export interface PersistenceOptions {
  /**
   * Directory of the log files; created (mode 0700) when missing. When not given: `$LOGWIRE_DIR`,
   * else `$LOG_DIR` (an explicit `dir` always wins over both).
   */
  dir?: string;
  /** Rotation of `<dir>/system.log`. @default { maxBytes: 10 MiB, backups: 5 } (no daily rotation, compression or age limit) */
  system?: RotationOptions;
  /** `<dir>/error.log`: the system records at or above a level; see {@link ErrorLogOptions}. @default off */
  errors?: ErrorLogOptions | true;
  /** The audit trail under `<dir>/audit/`. */
  audit?: AuditTrailOptions;
  /**
   * Rotation of each `instances/<id>/instance.log` (@default { maxBytes: 5 MiB, backups: 3 }), and
   * `maxAgeDays`: delete an instance directory whose newest file is older than that (@default no limit).
   */
  instances?: RotationOptions & InstanceRetention;
  /** Rebuild the hub's history and id sequence from the files at startup. @default true */
  recover?: boolean;
}

/** What a {@link LogStore} reports to the rest of the pipeline; `Logwire` wires these. */
export interface StoreEvents {
  /** The logger that instance lifecycle records are also sent to (the live stream). */
  instanceEvents?: () => Logger;
  /** Default `onAuditRead` of {@link LogStore.queryHandler}: records an answered audit query. */
  auditRead?: (read: AuditRead) => void;
  /** Default `onError` of {@link LogStore.queryHandler}: what a throwing `authenticate` hook threw. */
  queryError?: (error: LogwireError) => void;
}

/** How `commit()` learns which audit events the caller may own, and where they become durable. */
export interface CommitSource {
  /** Audit events logged so far on this node (1, 2, … in logging order). */
  logged: () => number;
  /** With a backplane, audit events are durable once it confirms them (they reach the files through it). */
  backplane?: BackplaneLink;
}

/** Options of {@link LogStore.commit}. */
export interface CommitOptions {
  /**
   * Only audit events logged after this mark (from {@link LogStore.auditMark}) count. Without it,
   * every audit event logged since the start counts, so after any loss every later commit rejects.
   */
  since?: number;
  /** Reject with `ERR_LOGWIRE_WRITE` when not proven within this time (ms). @default no limit */
  timeoutMs?: number;
}

/** The persistence directory: `dir`, else `$LOGWIRE_DIR`, else `$LOG_DIR`. Throws when none is set. */
export function persistenceDir(dir: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  // An empty variable counts as unset.
  const chosen = [dir, env.LOGWIRE_DIR, env.LOG_DIR].find((value) => value !== undefined && value !== '');
  if (typeof chosen !== 'string' || chosen === '')
    throw new LogwireError(LogwireErrorCode.InvalidOption, 'persistence.dir must be a non-empty path (or set LOGWIRE_DIR or LOG_DIR)');
  return path.resolve(chosen);
}

/** File holding the stream epoch, so ids stay comparable across restarts. */
const STREAM_FILE = 'stream.json';

/** What startup recovery found: the stored epoch and the newest messages, oldest first. */
export interface Recovered {
  epoch: string | undefined;
  messages: StreamMessage[];
}

/**
 * The files behind a logwire instance: `system.log` (rotated), the hash-chained audit trail,
 * per-instance logs and the stream epoch. It receives every batch from the hub and writes it
 * synchronously, so it needs no queue of its own and a crash loses at most the batch being built.
 */
export class LogStore {
  readonly dir: string;
  readonly auditDir: string;
  readonly system: RotatingFile;
  /** `error.log`, when `errors` is set. */
  readonly errors: ErrorLog | undefined;
  readonly audit: AuditTrail;
  /** The audit events' chain fields and the checkpoints, for the stream (see chain-links.ts). */
  readonly chains = new ChainLinks(10_000);
  /** Per-instance logs under `<dir>/instances/`. */
  readonly instances: InstanceLogs;
  readonly #onError: (error: unknown) => void;
  #detach: (() => void) | undefined;
  #systemLost = 0;
  #epoch: string | undefined;
  #epochStored = false;
  #hub: LogHub | undefined;
  #lock: string | undefined;
  #epochFailed = false;
  readonly #stopPruning: () => void;

  readonly #events: StoreEvents;
  readonly #options: PersistenceOptions;
  #commitSource: CommitSource | undefined;

  /** `events` connects the store to the rest of the pipeline (`Logwire` passes them). */
  constructor(options: PersistenceOptions, onError: (error: unknown) => void, events: StoreEvents = {}) {
    this.#events = events;
    this.#options = options;
    this.dir = persistenceDir(options?.dir);
    this.auditDir = path.join(this.dir, 'audit');
    this.#onError = onError;
    const report = (error: unknown): void => this.#report(error);
    try {
      ensureDir(this.dir);
    } catch (error) {
      // Reported, not thrown: the app keeps running and writes are retried.
      report(
        new LogwireError(
          LogwireErrorCode.Write,
          `Cannot create log directory ${this.dir}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
    }
    this.#lock = acquireLock(path.join(this.dir, LOCK_FILE), report);
    this.system = new RotatingFile(path.join(this.dir, SYSTEM_LOG_FILE), options.system ?? {}, {
      onError: report,
      onRecover: (lost) =>
        report(
          new LogwireError(LogwireErrorCode.Write, `system.log is writable again; ${lost} system log lines were dropped while it was not`),
        ),
      // The directory may have gone with it: take the lock and store the epoch again.
      onLost: () => this.#restoreDirectory(),
      // Time bounds beside the rotated files let time-bounded queries skip the others.
      onRotate: recordFileBounds,
    });
    this.audit = new AuditTrail(this.auditDir, options.audit ?? {}, report, () => this.#restoreDirectory());
    this.audit.observer = this.chains;
    this.chains.loadCheckpoint(path.join(this.auditDir, CHECKPOINT_FILE));
    this.errors =
      options.errors === undefined || (options.errors as unknown) === false ? undefined : new ErrorLog(this.dir, options.errors, report);
    this.instances = new InstanceLogs(path.join(this.dir, 'instances'), options.instances ?? {}, report);
    this.#stopPruning = pruneInstances(this.instances, options.instances?.maxAgeDays, report);
  }

  /** Resolves once no rotated file is waiting to be compressed (for tests and orderly shutdowns). */
  async compressed(): Promise<void> {
    await Promise.all([this.system.compressed(), this.errors?.file.compressed()]);
  }

  /** System log lines dropped because writes failed. */
  get systemLinesLost(): number {
    return this.#systemLost;
  }

  /**
   * Reads the stored epoch and the newest `limit` messages of both files (synchronously: reading
   * backwards costs about as much as the messages returned).
   */
  recover(limit: number): Recovered {
    let epoch: string | undefined;
    try {
      const stored = JSON.parse(fs.readFileSync(path.join(this.dir, STREAM_FILE), 'utf8')) as { epoch?: unknown };
      if (typeof stored.epoch === 'string' && stored.epoch !== '') epoch = stored.epoch;
    } catch {
      // No stored epoch (first start, or unreadable): the hub picks a fresh one.
    }
    const messages: StreamMessage[] = [];
    try {
      for (const file of systemFiles(this.dir)) {
        if (messages.length >= limit) break;
        readLinesBackwardSync(file, (line) => {
          const message = systemMessage(line);
          if (message !== undefined) messages.push(message);
          return messages.length < limit;
        });
      }
      const audit: StreamMessage[] = [];
      const lines: string[] = [];
      for (const name of listTrailFiles(this.auditDir).reverse()) {
        if (audit.length >= limit) break;
        readLinesBackwardSync(path.join(this.auditDir, name), (line) => {
          const message = auditMessage(line);
          lines.push(line);
          if (message !== undefined) audit.push(message);
          return audit.length < limit;
        });
      }
      // Replays after a restart send the same chain fields as the live stream did.
      for (let index = lines.length - 1; index >= 0; index--) this.chains.line(lines[index] as string);
      messages.push(...audit);
    } catch (error) {
      this.#report(
        new LogwireError(
          LogwireErrorCode.Write,
          `Could not read history from ${this.dir}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
    }
    messages.sort((a, b) => compareIds(a.position, b.position));
    return { epoch, messages: messages.slice(Math.max(0, messages.length - limit)) };
  }

  /** The scoped logger of instance `id`: `instances/<id>/` files, plus the `instance` logger of the stream. */
  instanceLogger(id: string, name?: string | null): InstanceLogger {
    return this.instances.logger(id, name, this.#events.instanceEvents?.());
  }

  /** The last `tail` lines (0 = all) of an instance's `instance`, `communication` or `tmux_output` file. */
  getInstanceLogs(id: string, type: InstanceLogType = 'instance', tail = 100): string[] {
    return this.instances.getInstanceLogs(id, type, tail);
  }

  /** The metadata of every instance with logs, including terminated ones. */
  listLoggedInstances(): InstanceMetadata[] {
    return this.instances.listLoggedInstances();
  }

  /**
   * The newest `limit` audit entries at or after `since` (ISO text, ms or Date), oldest first, each
   * the entry's data plus its stream `id` and trail `seq`.
   */
  getAuditLogs(since?: string | number | Date, limit = 100): Record<string, unknown>[] {
    let from: number | undefined;
    if (typeof since === 'string') {
      from = parseTime(since);
      if (from === undefined)
        throw new LogwireError(
          LogwireErrorCode.InvalidOption,
          `since must be an ISO 8601 date or time, got ${JSON.stringify(since).slice(0, 60)}`,
        );
    } else if (since !== undefined) {
      from = since instanceof Date ? since.getTime() : since;
    }
    const page = queryLogs(this.dir, 'audit', { since: from, limit: Math.min(limit, MAX_QUERY_LIMIT) });
    return page.entries.map((entry) => ({ ...entry.data, id: entry.id, seq: entry.seq }));
  }

  /**
   * The HTTP query API over these files (`GET /logs/system`, `GET /logs/audit`), behind
   * `authenticate`. Unless `onAuditRead` is given, every answered audit query is itself recorded
   * as an `audit_read` event (who, which filters, how many entries), and every audit query refused
   * for lack of audit permission as an `audit_read_refused` event (who, which filters).
   */
  queryHandler(options: Omit<QueryHandlerOptions, 'dir'> = {}): QueryHandler {
    const onAuditRead = options.onAuditRead ?? this.#events.auditRead;
    return createQueryHandler({ ...options, dir: this.dir, onAuditRead, onError: options.onError ?? this.#events.queryError });
  }

  /** Verifies this directory's audit trail with the configured key and checkpoint mirrors; see {@link verifyAuditTrail}. */
  verify(): Promise<VerifyResult> {
    const audit = this.#options.audit ?? {};
    return verifyAuditTrail(this.dir, { key: audit.integrityKey, checkpoints: audit.checkpointMirrors });
  }

  /** Queries `system.log` or the audit trail; see {@link queryLogs}. */
  query(kind: LogKind, query?: LogQuery): QueryPage {
    return queryLogs(this.dir, kind, query);
  }

  /**
   * Writes every batch of `hub` from now on and records its epoch; returns the detach function.
   * `commits` says how many audit events were logged and, with a backplane, where they are confirmed.
   */
  attach(hub: LogHub, commits?: CommitSource): () => void {
    this.#epoch = hub.epoch;
    this.#hub = hub;
    this.chains.capacity = hub.historySize;
    this.#commitSource = commits;
    this.#storeEpoch(hub.epoch);
    const off = hub.on((batch) => this.write(batch));
    // Writes are synchronous, so they still work in an 'exit' handler: records logged in the
    // same turn as `process.exit()` (or before a normal exit) reach the files.
    const onExit = (): void => {
      try {
        hub.flush();
        this.audit.syncNow();
      } catch {
        // Exiting anyway; nothing else to try.
      }
    };
    process.on('exit', onExit);
    this.#detach = () => {
      off();
      process.off('exit', onExit);
    };
    return () => this.#detach?.();
  }

  /** Writes one batch: system messages to `system.log`, audit messages to the trail. Never throws. */
  write(batch: readonly StreamMessage[]): void {
    const system: string[] = [];
    const audit: { id: string; data: string }[] = [];
    const systemMessages: StreamMessage[] = [];
    for (const message of batch) {
      if (message.type === 'audit_log') audit.push(message);
      else {
        systemMessages.push(message);
        system.push(escapeLineSeparators('{"id":"' + message.id + '"' + (message.data.length > 2 ? ',' + message.data.slice(1) : '}')));
      }
    }
    if (system.length > 0) {
      try {
        this.#systemLost += this.system.writeLines(system);
        if (this.errors !== undefined) this.errors.write(systemMessages, system);
      } catch (error) {
        this.#report(error);
      }
    }
    if (audit.length > 0) this.audit.append(audit);
    // The directory may have been unwritable at startup; store the epoch once writes work.
    if (!this.#epochStored && this.#epoch !== undefined && !this.system.broken) this.#storeEpoch(this.#epoch);
  }

  /** Fsyncs the files and writes a due checkpoint. */
  async sync(): Promise<void> {
    await Promise.all([this.system.sync(), this.errors?.file.sync(), this.audit.sync(true)]);
  }

  /** The current audit mark: pass it as `commit({ since })` to cover only audit events logged after this call. */
  auditMark(): number {
    return this.#logged();
  }

  /**
   * Resolves once every audit event logged before the call (after `since`, if given) is durable:
   * written and fsynced in the trail, or, with a backplane, confirmed by it. Rejects with
   * `ERR_LOGWIRE_WRITE` if any of them was dropped, however many later writes succeeded; with a
   * backplane that is away it waits (until `timeoutMs`, or `close()`, which reject). For actions
   * that must not happen unaudited: `logwire.audit(…); await logwire.persistence.commit();`.
   */
  commit(options: CommitOptions = {}): Promise<void> {
    const since = options.since ?? 0;
    const proof = this.#prove(since, this.#logged());
    const timeoutMs = options.timeoutMs;
    if (timeoutMs === undefined) return proof;
    return new Promise((resolve, reject) => {
      const late = (): void => reject(new LogwireError(LogwireErrorCode.Write, `audit events not proven durable within ${timeoutMs} ms`));
      const timer = setTimeout(late, timeoutMs);
      proof.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }

  /** Audit events logged so far, with the hub's pending batch handed to the files. */
  #logged(): number {
    if (this.#commitSource?.backplane === undefined) this.#hub?.flush();
    return this.#commitSource?.logged() ?? this.audit.handed;
  }

  async #prove(since: number, through: number): Promise<void> {
    const backplane = this.#commitSource?.backplane;
    if (backplane === undefined) return this.audit.commit(since, through);
    if (backplane.confirm === undefined) {
      throw new LogwireError(LogwireErrorCode.Write, 'the backplane cannot confirm appended records, so commit() cannot prove durability');
    }
    // The hub hands its queued entries to the backplane in an immediate callback queued before this one.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      await backplane.confirm(since, through);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new LogwireError(LogwireErrorCode.Write, `audit events were not confirmed by the backplane: ${reason}`, { cause: error });
    }
  }

  /** Stops writing, fsyncs and closes every file. */
  close(): void {
    this.#detach?.();
    this.#detach = undefined;
    this.system.close();
    this.errors?.file.close();
    this.#stopPruning();
    this.audit.close();
    this.instances.close();
    if (this.#lock !== undefined) {
      try {
        if (fs.readFileSync(this.#lock, 'utf8').trim() === String(process.pid)) fs.unlinkSync(this.#lock);
      } catch {
        // Already gone; nothing to release.
      }
      this.#lock = undefined;
    }
  }

  #restoreDirectory(): void {
    try {
      ensureDir(this.dir);
    } catch {
      // Reported by the next failing write.
    }
    if (this.#lock === undefined || !fs.existsSync(this.#lock)) {
      this.#lock = acquireLock(path.join(this.dir, LOCK_FILE), (error) => this.#report(error));
    }
    this.#epochStored = false;
    this.#epochFailed = false;
  }

  #storeEpoch(epoch: string): void {
    const file = path.join(this.dir, STREAM_FILE);
    try {
      const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
      const text = JSON.stringify({ epoch }) + '\n';
      if (current === text) {
        this.#epochStored = true;
        return;
      }
      // Write then rename, so a crash never leaves a half-written epoch.
      fs.writeFileSync(file + '.tmp', text, { mode: 0o600 });
      fs.renameSync(file + '.tmp', file);
      this.#epochStored = true;
    } catch (error) {
      if (this.#epochFailed) return;
      this.#epochFailed = true;
      this.#report(
        new LogwireError(
          LogwireErrorCode.Write,
          `Cannot store the stream epoch in ${file}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
    }
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // Never let the error hook break a write.
    }
  }
}
