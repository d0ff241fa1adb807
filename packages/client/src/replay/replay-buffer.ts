/**
 * The replay buffer: what a stream client received, kept per stream so that a reload paints the
 * recent past at once and resumes exactly where it stopped.
 *
 * ## Contract with the stream client
 *
 * A stream is identified by `streamKey(url, filterKey)`: the endpoint URL and a string the client
 * derives from its subscription filter (same filter, same key; different filters never share a
 * cursor).
 *
 * **On start**, before opening the socket:
 * ```ts
 * const buffer = await openReplayBuffer();               // IndexedDB, or memory if unavailable
 * const stream = streamKey(url, filterKey);
 * const { cursor, entries } = await buffer.load(stream);  // newest 1000 (pass { limit }), oldest first
 * paint(entries);                                         // log messages and gap markers, in order
 * // hello { cursor }  (cursor is null when nothing is stored: ask for the server's tail instead)
 * ```
 *
 * **On each received batch** (frames parsed and deduped by id, in arrival order), call
 * ```ts
 * buffer.append(stream, { entries: [...messages and gap messages], cursor: { epoch, id } });
 * ```
 * with the cursor *after* the batch. Do not await it before rendering: appends are coalesced (up
 * to `flushDelay` ms or `flushEntries` entries) and written in ONE transaction that puts every
 * entry and the cursor together; the promise resolves once that commit happened (it never
 * rejects). A batch belongs to one epoch: when the epoch changes, append the old epoch's entries
 * and the new epoch's in separate calls (the gap message announcing the change may go in either).
 * Against servers without ids or epochs, omit `cursor`; entries are then kept in arrival order.
 *
 * What the buffer guarantees:
 * - entries and cursor are committed atomically, so after a reload the cursor never points past or
 *   short of what is stored (what was received but not yet committed is simply fetched again);
 * - a message whose id is not after the newest stored one is a replayed duplicate and is dropped
 *   (a `put` keyed by `[stream, generation, ms, seq, sub]`, so even a racing write overwrites itself);
 * - gap messages are stored as markers in the same order, so a reload shows them where they were;
 * - per stream at most `maxEntries` entries and `maxBytes` bytes (JSON length) are kept; the oldest
 *   go first (evicted down to 90 % of the caps in the same transaction);
 * - `QuotaExceededError` evicts the oldest half of every stream (lowering their byte caps for the
 *   session), reopens the database and retries; then deletes and recreates the database (`reset`
 *   event); then the session continues in memory, `persistence` turning to `'memory'`;
 * - if IndexedDB cannot be opened or written (absent, private mode, blocked, broken), the same API
 *   runs in memory and `persistence` says `'memory'`; `unavailableReason` says why.
 *
 * **`clear()`** (e.g. on logout) removes every stream's entries and cursors and drops queued
 * appends; it needs no connection. With a `TabCoordinator` attached, every tab hears of it (the
 * `reset` event) and forgets its position.
 *
 * **Events**: `commit` (what one transaction stored for one stream: the multi-tab coordinator
 * broadcasts exactly this), `warning` (handled problems), `reset` (everything stored is gone:
 * `clear()`, or recreated under quota), `persistence` (switched to memory).
 *
 * Reads (`load`, `readAfter`, `cursor`) see committed data only; call `flush()` first to include
 * what is queued.
 */
import { MemoryReplayBuffer } from './memory-buffer.js';
import { IndexedDbReplayBuffer } from './indexeddb-buffer.js';
import { resolveOptions } from './core.js';
import type { ReplayBuffer, ReplayBufferOptions } from './types.js';

/**
 * Opens the replay buffer: IndexedDB when it can be opened and written, otherwise memory (check
 * `persistence`). Never rejects for storage reasons; throws a `TypeError` for invalid options.
 */
export async function openReplayBuffer(options: ReplayBufferOptions = {}): Promise<ReplayBuffer> {
  const resolved = resolveOptions(options);
  const mode = options.persistence ?? 'auto';
  if (mode !== 'auto' && mode !== 'memory')
    throw new TypeError(`ReplayBuffer option persistence must be 'auto' or 'memory', got ${String(mode)}`);
  if (mode === 'memory') return new MemoryReplayBuffer(resolved);
  if ((globalThis as { indexedDB?: IDBFactory }).indexedDB === undefined)
    return new MemoryReplayBuffer(resolved, 'IndexedDB is not available in this environment');
  try {
    return await IndexedDbReplayBuffer.open(resolved);
  } catch (cause) {
    const reason = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return new MemoryReplayBuffer(resolved, `IndexedDB could not be opened or written (${reason})`);
  }
}

/** A replay buffer in memory only, e.g. for tests or when nothing may touch the disk. */
export function createMemoryReplayBuffer(
  options: Omit<ReplayBufferOptions, 'persistence' | 'name' | 'openTimeout' | 'durability'> = {},
): ReplayBuffer {
  return new MemoryReplayBuffer(resolveOptions(options));
}
