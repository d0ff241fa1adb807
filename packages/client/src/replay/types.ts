import type { Unsubscribe } from 'nanoevents';
import type { AlertCommandMessage, AlertInfo, Cursor, StreamEntry, WelcomeData } from '@logwire/protocol';
import type { LogStreamClient } from '../client.js';
import type { ClientErrorCode } from '../errors.js';

/** Where the replay buffer keeps what it stores. */
export const Persistence = {
  /** IndexedDB: survives reloads and is shared by the tabs of one origin. */
  IndexedDB: 'indexeddb',
  /** This page's memory only (Node, or storage unavailable). */
  Memory: 'memory',
} as const;

/** One of the persistence kinds. */
export type Persistence = (typeof Persistence)[keyof typeof Persistence];

/** The stream position a buffer stores: the protocol's {@link Cursor}. @deprecated Use `Cursor`. */
export type StreamCursor = Cursor;

/**
 * Where an entry sits in its stream, in stored order: `[generation, ms, seq, sub]`. A message with
 * id `<ms>-<seq>` sits at `[g, ms, seq, 0]`; gap markers and id-less messages sit just after the
 * entry before them (`sub` 1, 2, …). `generation` goes up by one at every epoch change, so a new
 * epoch always sorts after the old one whatever its ids. Compare with {@link comparePositions}.
 */
export type Position = readonly [generation: number, ms: number, seq: number, sub: number];

/**
 * What the buffer stores, a log message or a gap marker exactly as received: the protocol's
 * {@link StreamEntry}. @deprecated Use `StreamEntry`.
 */
export type ReplayMessage = StreamEntry;

/** An entry as the client hands it to the replay buffer: the protocol's {@link StreamEntry}. @deprecated Use `StreamEntry`. */
export type ReplayEntry = StreamEntry;

/** What the client restored from its replay buffer (the `restore` event). */
export interface ReplayRestored {
  /** Entries emitted from storage (log messages and gap markers). */
  entries: number;
  /** The stored cursor the client resumes from, if any. */
  cursor: Cursor | undefined;
  /** Where the buffer keeps its entries. */
  persistence: Persistence;
}

/**
 * The client's side of a replay attachment. `replay()` implements the
 * other side; applications do not call this.
 */
export interface ReplayHost {
  /** The endpoint URL. */
  readonly url: string;
  /** Identifies the client's filter (given at construction) in stream keys; `''` for no filter. */
  readonly filterKey: string;
  /** Emits stored entries as `message` and `gap` events, dropping messages already emitted (by id). */
  emit(entries: readonly StreamEntry[]): void;
  /** Sets where the next connection resumes from (`null`: a fresh start). */
  resumeFrom(cursor: Cursor | null): void;
  /** Fires the `restore` event. */
  restored(restored: ReplayRestored): void;
  /** `true`: this client may hold the socket (connects if asked to); `false`: it drops its socket and follows. */
  setLeader(leader: boolean): void;
  /** Follower: takes the leader tab's alerts and permission (as from a `welcome`), `changed` the alert that changed. */
  alerts(alerts: AlertInfo[], may: boolean | undefined, changed?: AlertInfo): void;
  /** Emits an `error` event. */
  fail(code: ClientErrorCode, message: string): void;
}

/** A replay buffer attached to one client (what `replay()` returns, after `attach`). */
export interface ReplaySession {
  /** Stores what one received batch delivered, with the cursor after it. Never throws. */
  record(entries: readonly StreamEntry[], cursor: Cursor | null): void;
  /**
   * The server's `welcome` for this client's connection: with `audit: false` the session removes
   * every stored audit entry (an earlier session of this browser may have had the permission).
   */
  welcome?(welcome: WelcomeData): void;
  /**
   * The client acted on an alert: `sent` when on its own socket (the leader notes it, to tell a
   * follower the server's answer); otherwise the session may ask the leader tab. True when under way.
   */
  alertAction?(command: AlertCommandMessage['data'], sent: boolean): boolean;
  /** Removes everything stored (every stream of the buffer); works offline. */
  clear(): Promise<void>;
  /** Detaches: hands the socket over to another tab and closes storage the session opened. */
  close(): void;
  /** Where entries are kept, once the buffer is open. */
  readonly persistence: Persistence | undefined;
  /** `'leader'` (holds the socket), `'follower'` (another tab does), or `undefined` before it is decided. */
  readonly role: 'leader' | 'follower' | undefined;
}

/** Something that attaches a replay buffer to a client: what `replay()` returns. */
export interface ReplayAttachment {
  /** Called once by the client's constructor, with the client itself (to follow its events). */
  attach(host: ReplayHost, client: LogStreamClient): ReplaySession;
}

/** A stored entry and its position. */
export interface StoredEntry {
  position: Position;
  message: StreamEntry;
}

/** One received batch: the messages and gap markers in arrival order, and the cursor after them. */
export interface ReplayBatch {
  entries: readonly StreamEntry[];
  /** The stream cursor after this batch; omit it against servers that send no ids or epochs. */
  cursor?: Cursor | null;
}

/** What `load()` returns: the stored cursor and the newest entries, oldest first. */
export interface ReplaySnapshot {
  cursor: Cursor | null;
  entries: StoredEntry[];
}

/** What one commit stored for one stream (the `commit` event; also what the leader tab broadcasts). */
export interface CommittedBatch {
  stream: string;
  /** Position of the newest entry stored before this commit; `null` when the stream was empty. */
  after: Position | null;
  /** The entries stored, oldest first (duplicates already dropped). */
  entries: StoredEntry[];
  /** The stream's stored cursor after this commit. */
  cursor: Cursor | null;
}

/** Codes of {@link ReplayWarning}: conditions the buffer handled on its own. */
export const ReplayWarningCode = {
  /** Storage could not be opened or written; the buffer keeps to memory. */
  Unavailable: 'storage_unavailable',
  /** The origin's quota was exceeded; the oldest entries were evicted and the write retried. */
  Quota: 'quota_exceeded',
  /** A write failed for another reason; that batch is not stored (its cursor was not advanced either). */
  WriteFailed: 'write_failed',
  /** An entry could not be stored (not a log message or gap, or not serialisable) and was skipped. */
  BadEntry: 'bad_entry',
} as const;

/** One of the replay warning codes. */
export type ReplayWarningCode = (typeof ReplayWarningCode)[keyof typeof ReplayWarningCode];

/** A condition the buffer handled (never thrown): what happened, and the underlying error if any. */
export interface ReplayWarning {
  code: ReplayWarningCode;
  message: string;
  cause?: unknown;
}

/** Events of a {@link ReplayBuffer}. */
export interface ReplayBufferEvents {
  /** A write committed (one event per stream per transaction). */
  commit: (batch: CommittedBatch) => void;
  /** Something went wrong and was handled. */
  warning: (warning: ReplayWarning) => void;
  /**
   * Everything stored is gone: `'clear'` after `clear()`, `'quota'` when the database had to be
   * recreated to get under the storage quota. Positions start afresh after it.
   */
  reset: (reason: 'clear' | 'quota') => void;
  /** The buffer switched to memory because storage stopped working mid-session. */
  persistence: (persistence: Persistence) => void;
}

/** Options of {@link openReplayBuffer}. */
export interface ReplayBufferOptions {
  /** IndexedDB database name. @default 'logwire-replay' */
  name?: string;
  /** `'memory'` never touches IndexedDB; `'auto'` uses it when it works. @default 'auto' */
  persistence?: 'auto' | 'memory';
  /** Most entries kept per stream; the oldest go first. @default 50000 */
  maxEntries?: number;
  /** Most bytes (JSON length of the entries) kept per stream; the oldest go first. @default 16000000 */
  maxBytes?: number;
  /** Longest time an append waits to be written with others, in ms. @default 100 */
  flushDelay?: number;
  /** Pending entries that trigger a write at once. @default 500 */
  flushEntries?: number;
  /** Give up opening IndexedDB (e.g. blocked by another tab's upgrade) after this many ms. @default 3000 */
  openTimeout?: number;
  /** IndexedDB durability hint for writes. @default 'relaxed' */
  durability?: 'default' | 'strict' | 'relaxed';
}

/**
 * A per-stream store of received log messages, gap markers and cursors. See `replay-buffer.ts` for
 * the contract a client follows.
 */
export interface ReplayBuffer {
  /** Where entries are kept: `'indexeddb'` or `'memory'`. */
  readonly persistence: Persistence;
  /** Why IndexedDB is not in use, when `persistence` is `'memory'` although IndexedDB was wanted. */
  readonly unavailableReason: string | undefined;
  /** Queues a received batch; resolves once it is committed (never rejects). */
  append(stream: string, batch: ReplayBatch): Promise<void>;
  /** Writes everything queued now; resolves once committed. */
  flush(): Promise<void>;
  /** The stored cursor and the newest `limit` entries (default 1000), oldest first, from one snapshot. */
  load(stream: string, options?: { limit?: number }): Promise<ReplaySnapshot>;
  /** Up to `limit` stored entries after `after` (all from the start when `null`), oldest first. */
  readAfter(stream: string, after: Position | null, limit?: number): Promise<StoredEntry[]>;
  /** The stored cursor of a stream. */
  cursor(stream: string): Promise<Cursor | null>;
  /** Removes every stream's entries and cursors, and drops queued appends. Needs no connection. */
  clear(): Promise<void>;
  /**
   * Removes every stored `audit_log` entry of every stream (after writing what is queued); log
   * messages, gap markers and cursors stay. Never rejects.
   */
  purgeAudit(): Promise<void>;
  /** Writes what is queued and closes storage; later appends are ignored. */
  close(): Promise<void>;
  /** Subscribes to an event; returns the function that unsubscribes. */
  on<E extends keyof ReplayBufferEvents>(event: E, callback: ReplayBufferEvents[E]): Unsubscribe;
}
