import {
  applyBatches,
  BufferBase,
  comparePositions,
  DEFAULT_REPLAY_LIMIT,
  emptyState,
  evictionCount,
  type ResolvedOptions,
  type SizedEntry,
  type SkipReporter,
  type StreamState,
} from './core.js';
import type { Cursor } from '@logwire/protocol';
import type { CommittedBatch, Position, ReplayBatch, ReplaySnapshot, StoredEntry } from './types.js';
import { Persistence } from './types.js';

interface MemoryStream {
  state: StreamState;
  entries: SizedEntry[];
}

/** The in-memory storage behind {@link MemoryReplayBuffer} (and behind an IndexedDB buffer that lost its storage). */
export class MemoryStore {
  readonly #options: ResolvedOptions;
  #streams = new Map<string, MemoryStream>();

  constructor(options: ResolvedOptions) {
    this.#options = options;
  }

  write(groups: Map<string, ReplayBatch[]>, skip: SkipReporter): CommittedBatch[] {
    const committed: CommittedBatch[] = [];
    for (const [stream, batches] of groups) {
      let s = this.#streams.get(stream);
      if (s === undefined) {
        s = { state: emptyState(stream), entries: [] };
        this.#streams.set(stream, s);
      }
      const before = s.state.tail;
      const added = applyBatches(s.state, batches, skip);
      s.entries.push(...added);
      const evict = evictionCount(
        s.state,
        this.#options,
        s.entries.map((entry) => entry.size),
      );
      if (evict.count > 0) {
        s.entries.splice(0, evict.count);
        s.state.count -= evict.count;
        s.state.bytes -= evict.bytes;
      }
      committed.push({
        stream,
        after: before,
        entries: added.map(({ position, message }) => ({ position, message })),
        cursor: s.state.cursor,
      });
    }
    return committed;
  }

  clear(): void {
    this.#streams.clear();
  }

  purgeAudit(): void {
    for (const { state, entries } of this.#streams.values()) {
      if (state.audit === false) continue;
      // In place (no spread): a stream may hold tens of thousands of entries.
      let kept = 0;
      for (const entry of entries) {
        if (entry.message.type !== 'audit_log') entries[kept++] = entry;
        else {
          state.count--;
          state.bytes -= entry.size;
        }
      }
      entries.length = kept;
      state.audit = false;
    }
  }

  load(stream: string, limit: number): ReplaySnapshot {
    const s = this.#streams.get(stream);
    if (s === undefined) return { cursor: null, entries: [] };
    const entries = limit <= 0 ? [] : s.entries.slice(-limit);
    return { cursor: s.state.cursor, entries: entries.map(({ position, message }) => ({ position, message })) };
  }

  readAfter(stream: string, after: Position | null, limit: number): StoredEntry[] {
    const s = this.#streams.get(stream);
    if (s === undefined) return [];
    const out: StoredEntry[] = [];
    for (const { position, message } of s.entries) {
      if (out.length >= limit) break;
      if (comparePositions(position, after) > 0) out.push({ position, message });
    }
    return out;
  }

  cursor(stream: string): Cursor | null {
    return this.#streams.get(stream)?.state.cursor ?? null;
  }
}

/**
 * The replay buffer in this page's memory: the same API and semantics as the IndexedDB buffer
 * (positions, dedupe, caps, gap markers), gone when the page or process ends. Node uses it, and
 * browsers fall back to it when IndexedDB is unavailable.
 */
export class MemoryReplayBuffer extends BufferBase {
  readonly persistence: Persistence = Persistence.Memory;
  readonly #store: MemoryStore;

  constructor(options: ResolvedOptions, unavailableReason?: string) {
    super(options, unavailableReason);
    this.#store = new MemoryStore(options);
  }

  protected async write(groups: Map<string, ReplayBatch[]>): Promise<CommittedBatch[]> {
    return this.#store.write(groups, this.skipReporter());
  }

  protected async doClear(): Promise<void> {
    this.#store.clear();
  }

  protected async doPurgeAudit(): Promise<void> {
    this.#store.purgeAudit();
  }

  protected async doClose(): Promise<void> {
    this.#store.clear();
  }

  async load(stream: string, options: { limit?: number } = {}): Promise<ReplaySnapshot> {
    return this.#store.load(stream, options.limit ?? DEFAULT_REPLAY_LIMIT);
  }

  async readAfter(stream: string, after: Position | null, limit = Infinity): Promise<StoredEntry[]> {
    return this.#store.readAfter(stream, after, limit);
  }

  async cursor(stream: string): Promise<Cursor | null> {
    return this.#store.cursor(stream);
  }
}
