import { type DBSchema, deleteDB, type IDBPDatabase, type IDBPObjectStore, openDB, unwrap } from 'idb';
import { applyBatches, BufferBase, DEFAULT_REPLAY_LIMIT, emptyState, type ResolvedOptions, type StreamState } from './core.js';
import { MemoryStore } from './memory-buffer.js';
import type { Cursor, StreamEntry } from '@logwire/protocol';
import type { CommittedBatch, Position, ReplayBatch, ReplaySnapshot, StoredEntry } from './types.js';
import { Persistence, ReplayWarningCode } from './types.js';

/** `[stream, generation, ms, seq, sub]`: array keys sort element by element, numbers numerically. */
type EntryKey = [string, number, number, number, number];

interface EntryRecord {
  k: EntryKey;
  m: StreamEntry;
  /** Size in bytes (JSON length), for the byte cap. */
  b: number;
}

interface ReplayDB extends DBSchema {
  entries: { key: EntryKey; value: EntryRecord };
  streams: { key: string; value: StreamState };
}

type Store<Mode extends IDBTransactionMode> = IDBPObjectStore<ReplayDB, ('entries' | 'streams')[], 'entries', Mode>;

const DB_VERSION = 1;
/** A key no stream can have (stream keys contain a newline), for the write probe. */
const PROBE = '\u0000probe';
/**
 * Write attempts under QuotaExceededError before the session goes on in memory: the first failure
 * evicts half of every stream, the second deletes and recreates the database.
 */
const QUOTA_ATTEMPTS = 3;

function streamRange(stream: string, after?: Position | null): IDBKeyRange {
  // `[]` sorts after every number, so [stream, []] is above all of the stream's keys.
  const lower = after == null ? [stream] : [stream, ...after];
  return IDBKeyRange.bound(lower, [stream, []], after != null, false);
}

function toEntry(record: EntryRecord): StoredEntry {
  const [, g, ms, seq, sub] = record.k;
  return { position: [g, ms, seq, sub], message: record.m };
}

function errorName(cause: unknown): string {
  return typeof cause === 'object' && cause !== null && 'name' in cause ? String(cause.name) : '';
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}

/**
 * The replay buffer in IndexedDB (through `idb`): one readwrite transaction per flush holds every
 * entry put and the stream's state (cursor, counts) put, so entries and cursor never drift apart.
 * Shared by the tabs of an origin; survives reloads.
 */
export class IndexedDbReplayBuffer extends BufferBase {
  #db: Promise<IDBPDatabase<ReplayDB>> | undefined;
  #memory: MemoryStore | undefined;
  /** Byte caps lowered after a QuotaExceededError, per stream, for the rest of the session. */
  #quotaCaps = new Map<string, number>();

  private constructor(options: ResolvedOptions) {
    super(options);
  }

  /** Opens the database and proves it writable (private modes used to fail only there); throws if it is not. */
  static async open(options: ResolvedOptions): Promise<IndexedDbReplayBuffer> {
    const buffer = new IndexedDbReplayBuffer(options);
    const db = await buffer.#database();
    const tx = db.transaction('streams', 'readwrite');
    const store = unwrap(tx.store);
    store.put(emptyState(PROBE));
    store.delete(PROBE);
    await tx.done;
    return buffer;
  }

  /** `'indexeddb'`, or `'memory'` once IndexedDB stopped working in this session. */
  get persistence(): Persistence {
    return this.#memory === undefined ? Persistence.IndexedDB : Persistence.Memory;
  }

  #database(): Promise<IDBPDatabase<ReplayDB>> {
    if (this.#db !== undefined) return this.#db;
    const forget = () => {
      this.#db = undefined;
    };
    const opening = openDB<ReplayDB>(this.options.name, DB_VERSION, {
      upgrade(db) {
        db.createObjectStore('entries', { keyPath: 'k' });
        db.createObjectStore('streams', { keyPath: 's' });
      },
      // Another tab wants a newer schema: let it, and reopen (or fall back) on the next write.
      blocking: () => {
        void opening.then((db) => db.close());
        forget();
      },
      terminated: forget,
    });
    const timeout = this.options.openTimeout;
    const db = new Promise<IDBPDatabase<ReplayDB>>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`opening IndexedDB "${this.options.name}" took longer than ${timeout} ms (blocked by another tab?)`));
        // If it opens after all, nobody will use it: close it so it blocks nobody.
        opening.then(
          (late) => late.close(),
          () => undefined,
        );
      }, timeout);
      opening.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (cause: unknown) => {
          clearTimeout(timer);
          reject(cause instanceof Error ? cause : new Error(describe(cause)));
        },
      );
    });
    this.#db = db;
    db.catch(forget);
    return db;
  }

  async #reopen(): Promise<void> {
    const db = this.#db;
    this.#db = undefined;
    try {
      (await db)?.close();
    } catch {
      // It never opened; nothing to close.
    }
  }

  #fallBack(reason: string, cause: unknown): MemoryStore {
    this.#memory ??= new MemoryStore(this.options);
    this.warn(ReplayWarningCode.Unavailable, `${reason}; keeping the replay buffer in memory for this session`, cause);
    this.events.emit('persistence', Persistence.Memory);
    return this.#memory;
  }

  protected async write(groups: Map<string, ReplayBatch[]>): Promise<CommittedBatch[]> {
    if (this.#memory !== undefined) return this.#memory.write(groups, this.skipReporter());
    for (let attempt = 1; ; attempt++) {
      let db: IDBPDatabase<ReplayDB>;
      try {
        db = await this.#database();
      } catch (cause) {
        return this.#fallBack(`IndexedDB could not be reopened (${describe(cause)})`, cause).write(groups, this.skipReporter());
      }
      try {
        return await this.#writeTransaction(db, groups);
      } catch (cause) {
        const name = errorName(cause);
        if (name === 'QuotaExceededError') {
          if (attempt >= QUOTA_ATTEMPTS)
            return this.#fallBack(`the storage quota is still exceeded after evicting everything`, cause).write(
              groups,
              this.skipReporter(),
            );
          if (attempt === 1) {
            this.warn(
              ReplayWarningCode.Quota,
              'the storage quota was exceeded: evicting the oldest half of every stream, reopening, retrying',
              cause,
            );
            try {
              await this.#evictHalf(db);
            } catch {
              // Eviction may fail for the same reason; reopening and retrying is still worth it.
            }
            // Firefox can leave a database read-only near its quota until it is reopened.
            await this.#reopen();
          } else {
            // Deleted rows do not free space at once (Chromium's LevelDB keeps them until it
            // compacts), so the sure way back under the quota is a new database. Entries and
            // cursors go together, so what remains stays consistent: the client resumes as if new.
            this.warn(
              ReplayWarningCode.Quota,
              'the storage quota is still exceeded: deleting the stored replay history and starting afresh',
              cause,
            );
            await this.#reopen();
            try {
              // Other tabs close their connections when asked (`blocking`); one that does not would
              // block the deletion for good, so do not wait for it longer than for an open.
              await Promise.race([deleteDB(this.options.name), new Promise((resolve) => setTimeout(resolve, this.options.openTimeout))]);
            } catch {
              // Reopening below tells whether storage still works.
            }
            this.events.emit('reset', 'quota');
            // The quota manager learns of the freed space a little later.
            await new Promise((resolve) => setTimeout(resolve, 1000));
          }
          continue;
        }
        if ((name === 'InvalidStateError' || name === 'UnknownError') && attempt === 1) {
          // The connection was closed under us (another tab's upgrade, the browser): reopen once.
          await this.#reopen();
          continue;
        }
        this.warn(
          ReplayWarningCode.WriteFailed,
          `a replay buffer write failed (${describe(cause)}); the batch is not stored and its cursor not advanced`,
          cause,
        );
        return [];
      }
    }
  }

  async #writeTransaction(db: IDBPDatabase<ReplayDB>, groups: Map<string, ReplayBatch[]>): Promise<CommittedBatch[]> {
    // One transaction for every entry and every cursor. Nothing but IndexedDB requests is awaited
    // inside it, or it would commit early (idb README, "Transaction lifetime").
    const tx = db.transaction(['entries', 'streams'], 'readwrite', { durability: this.options.durability });
    const done = tx.done;
    done.catch(() => undefined); // awaited below; this only keeps an early throw from leaving it unhandled
    const entries = tx.objectStore('entries');
    const streams = tx.objectStore('streams');
    // Raw requests for the puts: errors abort the transaction and surface on `done`, without one
    // promise per entry.
    const rawEntries = unwrap(entries);
    const rawStreams = unwrap(streams);
    const skip = this.skipReporter();
    const keys = [...groups.keys()];
    // Read-compare-write inside the transaction: tabs that write without a leader stay consistent.
    const states = await Promise.all(keys.map((stream) => streams.get(stream)));
    const committed: CommittedBatch[] = [];
    for (let i = 0; i < keys.length; i++) {
      const stream = keys[i]!;
      const state = states[i] ?? emptyState(stream);
      const before = state.tail;
      const stored: StoredEntry[] = [];
      for (const entry of applyBatches(state, groups.get(stream)!, skip)) {
        try {
          rawEntries.put({ k: [stream, ...entry.position], m: entry.message, b: entry.size });
          stored.push({ position: entry.position, message: entry.message });
        } catch (cause) {
          // The transaction died under us: its own error (e.g. QuotaExceededError) is the one to handle.
          if (errorName(cause) !== 'DataCloneError') {
            await done;
            throw cause;
          }
          // DataCloneError: put throws before queuing anything, so the transaction goes on.
          state.count--;
          state.bytes -= entry.size;
          skip(entry.message, `not storable (${describe(cause)})`);
        }
      }
      const maxBytes = Math.min(this.options.maxBytes, this.#quotaCaps.get(stream) ?? Infinity);
      if (state.count > this.options.maxEntries || state.bytes > maxBytes) {
        await evict(entries, state, Math.floor(this.options.maxEntries * 0.9), Math.floor(maxBytes * 0.9));
      }
      rawStreams.put(state);
      committed.push({ stream, after: before, entries: stored, cursor: state.cursor });
    }
    // Commit now rather than when the event loop gets round to it: an open transaction in a tab
    // that is about to be frozen would block every other tab.
    tx.commit?.();
    await done;
    return committed;
  }

  async #evictHalf(db: IDBPDatabase<ReplayDB>): Promise<void> {
    const tx = db.transaction(['entries', 'streams'], 'readwrite');
    const done = tx.done;
    done.catch(() => undefined);
    const entries = tx.objectStore('entries');
    const rawStreams = unwrap(tx.objectStore('streams'));
    for (const state of await tx.objectStore('streams').getAll()) {
      await evict(entries, state, Math.floor(state.count / 2), Math.floor(state.bytes / 2));
      // Stay at this size from now on instead of running into the quota again and again.
      this.#quotaCaps.set(state.s, Math.max(1000, state.bytes));
      rawStreams.put(state);
    }
    tx.commit?.();
    await done;
  }

  protected async doClear(): Promise<void> {
    if (this.#memory !== undefined) this.#memory.clear();
    try {
      const db = await this.#database();
      const tx = db.transaction(['entries', 'streams'], 'readwrite');
      await Promise.all([tx.objectStore('entries').clear(), tx.objectStore('streams').clear(), tx.done]);
    } catch (cause) {
      if (this.#memory === undefined) throw cause;
    }
  }

  protected async doPurgeAudit(): Promise<void> {
    this.#memory?.purgeAudit();
    try {
      const db = await this.#database();
      // Strict: this removes what another user of the browser may not read, so it must reach the disk.
      const tx = db.transaction(['entries', 'streams'], 'readwrite', { durability: 'strict' });
      const done = tx.done;
      done.catch(() => undefined); // awaited below
      const entries = tx.objectStore('entries');
      const streams = tx.objectStore('streams');
      for (const state of await streams.getAll()) {
        if (state.audit === false) continue;
        for (let cursor = await entries.openCursor(streamRange(state.s)); cursor !== null; cursor = await cursor.continue()) {
          if (cursor.value.m.type !== 'audit_log') continue;
          state.count--;
          state.bytes -= cursor.value.b;
          unwrap(cursor).delete();
        }
        state.audit = false;
        unwrap(streams).put(state);
      }
      tx.commit?.();
      await done;
    } catch (cause) {
      if (this.#memory === undefined) throw cause;
    }
  }

  protected async doClose(): Promise<void> {
    await this.#reopen();
    this.#memory?.clear();
  }

  async load(stream: string, options: { limit?: number } = {}): Promise<ReplaySnapshot> {
    const limit = Math.max(0, options.limit ?? DEFAULT_REPLAY_LIMIT);
    if (this.#memory !== undefined) return this.#memory.load(stream, limit);
    try {
      const db = await this.#database();
      // One read-only transaction: the cursor and the entries are one consistent snapshot.
      const tx = db.transaction(['entries', 'streams'], 'readonly');
      const store = tx.objectStore('entries');
      const state = await tx.objectStore('streams').get(stream);
      let entries: EntryRecord[] = [];
      if (limit > 0) {
        // Walk back `limit` keys in one step, then read forward from there with one getAll.
        const newest = await store.openKeyCursor(streamRange(stream), 'prev');
        const oldest = newest === null || limit === 1 ? newest : await newest.advance(limit - 1);
        const range = oldest === null ? streamRange(stream) : IDBKeyRange.bound(oldest.key, [stream, []]);
        entries = newest === null ? [] : await store.getAll(range);
      }
      return { cursor: state?.cursor ?? null, entries: entries.map(toEntry) };
    } catch (cause) {
      this.warn(ReplayWarningCode.Unavailable, `reading the replay buffer failed (${describe(cause)})`, cause);
      return { cursor: null, entries: [] };
    }
  }

  async readAfter(stream: string, after: Position | null, limit = Infinity): Promise<StoredEntry[]> {
    if (this.#memory !== undefined) return this.#memory.readAfter(stream, after, limit);
    try {
      const db = await this.#database();
      const records = await db.getAll('entries', streamRange(stream, after), Number.isFinite(limit) ? Math.max(1, limit) : undefined);
      return records.map(toEntry);
    } catch (cause) {
      this.warn(ReplayWarningCode.Unavailable, `reading the replay buffer failed (${describe(cause)})`, cause);
      return [];
    }
  }

  async cursor(stream: string): Promise<Cursor | null> {
    if (this.#memory !== undefined) return this.#memory.cursor(stream);
    try {
      const db = await this.#database();
      return (await db.get('streams', stream))?.cursor ?? null;
    } catch (cause) {
      this.warn(ReplayWarningCode.Unavailable, `reading the replay buffer failed (${describe(cause)})`, cause);
      return null;
    }
  }
}

/** Deletes a stream's oldest entries until it is within `maxCount` and `maxBytes`, inside the caller's transaction. */
async function evict(entries: Store<'readwrite'>, state: StreamState, maxCount: number, maxBytes: number): Promise<void> {
  let count = 0;
  let bytes = 0;
  let last: EntryKey | undefined;
  let range = streamRange(state.s);
  outer: for (;;) {
    const page = await entries.getAll(range, 1000);
    if (page.length === 0) break;
    for (const record of page) {
      if (state.count - count <= maxCount && state.bytes - bytes <= maxBytes) break outer;
      count++;
      bytes += record.b;
      last = record.k;
    }
    range = IDBKeyRange.bound(last, [state.s, []], true, false);
  }
  if (last === undefined) return;
  unwrap(entries).delete(IDBKeyRange.bound([state.s], last));
  state.count -= count;
  state.bytes -= bytes;
}
