import { batchFrame } from '@logwire/protocol';
import type { CompiledFilter } from '../hub/filter.js';
import type { LogHub, StreamMessage } from '../hub/log-hub.js';
import type { Position } from '../hub/position.js';
import { visibleEnd } from './audit-view.js';

// Encoded replay pages, shared: clients that catch up from the same place with the same filter
// (many viewers reconnecting after a restart, or a burst that took several of them off the live
// path at once) are sent the same bytes, decoded from history and encoded once, as live batches
// are. Without this every catching-up client decoded its pages from the history ring and encoded
// its own copy, so a burst cost (clients × pages) encodes just when the server was busiest.
// The cache is small and bounded by bytes; a page held only here is dropped first.

/** Most pages held. */
const MAX_PAGES = 16;
/** Most bytes held; a larger page is encoded for its reader alone and not kept. */
const MAX_BYTES = 4 * 1024 * 1024;

/** A replay page as a reader sends it. */
export interface ReplayPage {
  /** The last message the page covers: the reader's cursor once it is sent. */
  last: Position;
  /** The batch's `to`: where the reader stands once it is sent. */
  to: string | null;
  /** The encoded batch; `undefined` when a page before the head holds nothing the reader may know of (nothing is sent). */
  bytes: Buffer | undefined;
}

/** What tells one page from another: where it starts and ends, for whom, and what it says it continues from. */
export interface PageRequest {
  filter: CompiledFilter;
  /** The id the reader was last told it covers (the batch's `from`). */
  from: string | null;
  /** The reader's cursor (`undefined`: the start of the epoch). */
  after: Position | undefined;
  /** The last message of the page (from {@link LogHub.pageEnd}). */
  last: Position;
  /** Whether this page reaches the head: its batch is then sent without `replay` (the reader goes live). */
  done: boolean;
  /** The frame of a message as this kind of reader gets it (the same for every reader of a page). */
  frame: (message: StreamMessage) => string;
}

/** The shared replay pages of one endpoint. */
export class ReplayPages {
  readonly #pages = new Map<string, ReplayPage & { size: number }>();
  #bytes = 0;
  /** Pages decoded and encoded (a metric, and what tests count). */
  encoded = 0;
  /** Pages served from the cache. */
  shared = 0;

  /** The page `request` names, encoded now or taken from the cache. */
  page(hub: LogHub, request: PageRequest): ReplayPage {
    const { filter, from, after, last, done, frame } = request;
    // A cursor past a backplane gap has the gap's id but continues at another position: both count.
    const start = after === undefined ? '' : `${after.id}@${after.position.ms}-${after.position.seq}`;
    const key = `${hub.epoch}\u0000${filter.key}\u0000${from ?? ''}\u0000${start}\u0000${last.id}\u0000${done ? 1 : 0}`;
    const held = this.#pages.get(key);
    if (held !== undefined) {
      // Most recently used last: eviction takes the oldest.
      this.#pages.delete(key);
      this.#pages.set(key, held);
      this.shared++;
      return held;
    }
    this.encoded++;
    const messages = hub.after(after?.position, Infinity, last.position);
    const frames: string[] = [];
    for (const message of messages) if (filter.all || filter.accepts(message)) frames.push(frame(message));
    const end = visibleEnd(messages, filter.audit);
    // The last page is always sent, as it tells the reader it is live (`to` stays at `from` when
    // the page holds nothing the reader may know of).
    const to = end ?? from;
    const bytes = end !== undefined || done ? Buffer.from(batchFrame(hub.epoch, from, to, frames, !done)) : undefined;
    const lastMessage = messages[messages.length - 1] ?? last;
    const page = { last: lastMessage, to, bytes, size: bytes?.length ?? 0 };
    this.#keep(key, page);
    return page;
  }

  #keep(key: string, page: ReplayPage & { size: number }): void {
    if (page.size > MAX_BYTES) return;
    this.#pages.set(key, page);
    this.#bytes += page.size;
    while (this.#pages.size > MAX_PAGES || this.#bytes > MAX_BYTES) {
      const [oldest, evicted] = this.#pages.entries().next().value as [string, ReplayPage & { size: number }];
      this.#pages.delete(oldest);
      this.#bytes -= evicted.size;
    }
  }

  /** Forgets every page (the endpoint closes). */
  clear(): void {
    this.#pages.clear();
    this.#bytes = 0;
  }
}
