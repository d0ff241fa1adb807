// What the memory and IndexedDB buffers share: positions, the per-stream bookkeeping that turns
// received batches into stored entries (dedupe, epochs, gap placement), caps, and the write queue
// that coalesces appends into one transaction.
import { createNanoEvents, type Emitter, type Unsubscribe } from 'nanoevents';
import { type Cursor, parseCursor, parseId, type StreamEntry } from '@logwire/protocol';
import type {
  CommittedBatch,
  Persistence,
  Position,
  ReplayBatch,
  ReplayBuffer,
  ReplayBufferEvents,
  ReplayBufferOptions,
  ReplaySnapshot,
  StoredEntry,
} from './types.js';
import { ReplayWarningCode } from './types.js';

/** Entries `load()` returns when no limit is given. */
export const DEFAULT_REPLAY_LIMIT = 1000;

/** Options with their defaults filled in. */
export type ResolvedOptions = Required<Omit<ReplayBufferOptions, 'persistence'>>;

/** Fills in defaults and rejects nonsense early, with the option's name in the message. */
export function resolveOptions(options: ReplayBufferOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    name: 'logwire-replay',
    maxEntries: 50_000,
    maxBytes: 16_000_000,
    flushDelay: 100,
    flushEntries: 500,
    openTimeout: 3000,
    durability: 'relaxed',
    ...Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && key !== 'persistence')),
  };
  for (const key of ['maxEntries', 'maxBytes', 'flushEntries'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 1)
      throw new TypeError(`ReplayBuffer option ${key} must be a number >= 1, got ${String(resolved[key])}`);
  }
  for (const key of ['flushDelay', 'openTimeout'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0)
      throw new TypeError(`ReplayBuffer option ${key} must be a number >= 0, got ${String(resolved[key])}`);
  }
  if (typeof resolved.name !== 'string' || resolved.name === '') throw new TypeError('ReplayBuffer option name must be a non-empty string');
  return resolved;
}

/**
 * The key of one stream: the endpoint URL, the client's filter key and, when given, the principal
 * (the logged-in user) the entries were received for. A newline cannot occur in a parsed URL nor in
 * a filter key (JSON), so newlines separate the parts unambiguously; the principal comes last.
 */
export function streamKey(url: string, filterKey = '', principal?: string): string {
  return principal === undefined ? `${url}\n${filterKey}` : `${url}\n${filterKey}\n${principal}`;
}

/** Negative, zero or positive as position `a` sorts before, with or after `b`; `null` sorts first. */
export function comparePositions(a: Position | null, b: Position | null): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  for (let i = 0; i < 4; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Per-stream bookkeeping, stored beside the entries (IndexedDB: in the same transaction). */
export interface StreamState {
  /** The stream key. */
  s: string;
  cursor: Cursor | null;
  /** Bumped at every epoch change so that a new epoch sorts after the old one. */
  gen: number;
  /** Position of the newest entry ever stored (eviction does not move it back). */
  tail: Position | null;
  /** Signature of the newest entry when it is a gap marker, to drop a repeated identical gap. */
  tailGap: string | null;
  count: number;
  bytes: number;
  /**
   * Whether the stream may hold `audit_log` entries: set when one is stored, cleared by a purge.
   * Absent in states stored before it existed, which therefore count as "may".
   */
  audit?: boolean;
}

/** The state of a stream that has stored nothing yet. */
export function emptyState(stream: string): StreamState {
  return { s: stream, cursor: null, gen: 0, tail: null, tailGap: null, count: 0, bytes: 0 };
}

/** A stored entry with its size in bytes (JSON length), which the caps count. */
export interface SizedEntry extends StoredEntry {
  size: number;
}

/** Reports an entry that cannot be stored. */
export type SkipReporter = (entry: unknown, reason: string) => void;

function isReplayMessage(entry: unknown): entry is StreamEntry {
  if (typeof entry !== 'object' || entry === null) return false;
  const { type, data } = entry as { type?: unknown; data?: unknown };
  return (type === 'system_log' || type === 'audit_log' || type === 'gap') && typeof data === 'object' && data !== null;
}

function after(state: StreamState): Position {
  const tail = state.tail;
  return tail !== null && tail[0] === state.gen ? [tail[0], tail[1], tail[2], tail[3] + 1] : [state.gen, 0, 0, 1];
}

/**
 * Turns batches into positioned entries and updates `state` (the caller persists both together).
 * Messages whose position is not after the stream's tail are replayed duplicates and are dropped;
 * a gap identical to the newest stored entry is dropped too. The cursor only moves forward within
 * an epoch; a different epoch replaces it and starts a new generation.
 */
export function applyBatches(state: StreamState, batches: readonly ReplayBatch[], skip: SkipReporter): SizedEntry[] {
  const out: SizedEntry[] = [];
  for (const batch of batches) {
    const cursor = batch.cursor;
    const validCursor = parseCursor(cursor) ?? null;
    if (validCursor !== null && state.cursor !== null && validCursor.epoch !== state.cursor.epoch) {
      state.gen++;
      state.tailGap = null;
    }
    for (const message of Array.isArray(batch.entries) ? batch.entries : []) {
      if (!isReplayMessage(message)) {
        skip(message, 'not a system_log, audit_log or gap message');
        continue;
      }
      let size: number;
      try {
        size = JSON.stringify(message).length;
      } catch (cause) {
        skip(message, `not serialisable (${cause instanceof Error ? cause.message : String(cause)})`);
        continue;
      }
      let position: Position;
      let gapSignature: string | null = null;
      if (message.type === 'gap') {
        const { from, to, reason } = message.data;
        gapSignature = JSON.stringify([from, to, reason]);
        if (gapSignature === state.tailGap) continue;
        position = after(state);
      } else {
        const id = typeof message.id === 'string' ? parseId(message.id) : undefined;
        position = id === undefined ? after(state) : [state.gen, id.ms, id.seq, 0];
        if (comparePositions(position, state.tail) <= 0) continue;
      }
      if (message.type === 'audit_log') state.audit = true;
      state.tail = position;
      state.tailGap = gapSignature;
      state.count++;
      state.bytes += size;
      out.push({ position, message, size });
    }
    if (validCursor !== null) {
      const stored = state.cursor;
      const storedId = stored === null ? undefined : parseId(stored.id);
      const newId = parseId(validCursor.id);
      const older =
        stored !== null &&
        stored.epoch === validCursor.epoch &&
        storedId !== undefined &&
        newId !== undefined &&
        (newId.ms < storedId.ms || (newId.ms === storedId.ms && newId.seq < storedId.seq));
      if (!older) state.cursor = validCursor;
    }
  }
  return out;
}

/** How many of the oldest entries to evict, given their sizes oldest first, to get under 90 % of the caps. */
export function evictionCount(
  state: StreamState,
  options: ResolvedOptions,
  sizesOldestFirst: Iterable<number>,
): { count: number; bytes: number } {
  if (state.count <= options.maxEntries && state.bytes <= options.maxBytes) return { count: 0, bytes: 0 };
  // Evict down to 90 % so that eviction runs once per tenth of the capacity, not on every write.
  const targetCount = Math.floor(options.maxEntries * 0.9);
  const targetBytes = Math.floor(options.maxBytes * 0.9);
  let count = 0;
  let bytes = 0;
  for (const size of sizesOldestFirst) {
    if (state.count - count <= targetCount && state.bytes - bytes <= targetBytes) break;
    count++;
    bytes += size;
  }
  return { count, bytes };
}

interface Pending {
  stream: string;
  batch: ReplayBatch;
  resolve: () => void;
}

/**
 * The write queue and events shared by both buffers: appends wait up to `flushDelay` ms (or until
 * `flushEntries` are pending) and are then written together, one write at a time, in order.
 */
export abstract class BufferBase implements ReplayBuffer {
  abstract readonly persistence: Persistence;
  readonly unavailableReason: string | undefined;
  protected readonly options: ResolvedOptions;
  protected readonly events: Emitter<ReplayBufferEvents> = createNanoEvents<ReplayBufferEvents>();
  #pending: Pending[] = [];
  #pendingEntries = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: ResolvedOptions, unavailableReason?: string) {
    this.options = options;
    this.unavailableReason = unavailableReason;
    // No write is started when the page is hidden or left: a transaction still open when the page
    // is frozen blocks every other tab's access to the database until it thaws, and whatever was
    // not committed is sent again by the server after the reload anyway.
  }

  /** Writes grouped batches; returns what was committed. Must not reject. */
  protected abstract write(groups: Map<string, ReplayBatch[]>): Promise<CommittedBatch[]>;
  protected abstract doClear(): Promise<void>;
  protected abstract doPurgeAudit(): Promise<void>;
  protected abstract doClose(): Promise<void>;
  abstract load(stream: string, options?: { limit?: number }): Promise<ReplaySnapshot>;
  abstract readAfter(stream: string, after: Position | null, limit?: number): Promise<StoredEntry[]>;
  abstract cursor(stream: string): Promise<Cursor | null>;

  append(stream: string, batch: ReplayBatch): Promise<void> {
    if (this.#closed || typeof stream !== 'string' || typeof batch !== 'object' || batch === null) return Promise.resolve();
    return new Promise((resolve) => {
      this.#pending.push({ stream, batch, resolve });
      this.#pendingEntries += Array.isArray(batch.entries) ? batch.entries.length : 0;
      if (this.#pendingEntries >= this.options.flushEntries) void this.flush();
      else this.#timer ??= setTimeout(() => void this.flush(), this.options.flushDelay);
    });
  }

  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const items = this.#pending;
    this.#pending = [];
    this.#pendingEntries = 0;
    if (items.length > 0) {
      const groups = new Map<string, ReplayBatch[]>();
      for (const item of items) {
        const list = groups.get(item.stream);
        if (list === undefined) groups.set(item.stream, [item.batch]);
        else list.push(item.batch);
      }
      this.#enqueue(async () => {
        let committed: CommittedBatch[] = [];
        try {
          committed = await this.write(groups);
        } catch (cause) {
          this.warn(ReplayWarningCode.WriteFailed, 'a replay buffer write failed; the batch is not stored', cause);
        }
        for (const batch of committed) this.events.emit('commit', batch);
        for (const item of items) item.resolve();
      });
    }
    return this.#queue;
  }

  purgeAudit(): Promise<void> {
    // After what is queued, so that nothing queued before brings an audit entry back.
    void this.flush();
    this.#enqueue(() => this.doPurgeAudit());
    return this.#queue;
  }

  clear(): Promise<void> {
    const items = this.#pending;
    this.#pending = [];
    this.#pendingEntries = 0;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const item of items) item.resolve();
    this.#enqueue(async () => {
      await this.doClear();
      this.events.emit('reset', 'clear');
    });
    return this.#queue;
  }

  async close(): Promise<void> {
    if (this.#closed) return this.#queue;
    await this.flush();
    this.#closed = true;
    this.#enqueue(() => this.doClose());
    return this.#queue;
  }

  on<E extends keyof ReplayBufferEvents>(event: E, callback: ReplayBufferEvents[E]): Unsubscribe {
    return this.events.on(event, callback);
  }

  protected warn(code: ReplayWarningCode, message: string, cause?: unknown): void {
    this.events.emit('warning', cause === undefined ? { code, message } : { code, message, cause });
  }

  protected skipReporter(): SkipReporter {
    return (_entry, reason) => this.warn(ReplayWarningCode.BadEntry, `skipped an entry: ${reason}`);
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue
      .then(task)
      .catch((cause: unknown) => this.warn(ReplayWarningCode.WriteFailed, 'a replay buffer operation failed', cause));
  }
}
