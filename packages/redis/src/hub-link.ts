/**
 * The hub link: what connects a backplane to a `@logwire/server` hub (`BackplaneHub`), the only
 * code here that knows the server's side. `createLogwire({ backplane })` calls
 * `backplane.connect(hub, onError)`, which builds the link with {@link linkHub}:
 *
 * 1. **Start.** The stream gets its epoch before anything is appended (every node agrees on it,
 *    so clients never see a made-up one); the hub's history is filled with the stream's newest
 *    entries (`hub.reset`); then the node subscribes right after them.
 * 2. **Append.** The hub hands its flushed entries to `link.append` instead of delivering them;
 *    they come back, with this node's and the other nodes' entries, through the subscription.
 * 3. **Fan out.** Every batch read is fed to the hub with its Redis ids (`hub.ingest`); a gap
 *    becomes a wire `gap` message (`hub.gap`), an epoch change moves the hub to the new epoch.
 * 4. **Replay.** A resuming client the hub's ring cannot serve is served from `range()` pages
 *    (`link.history`).
 */
import type { BackplaneHub, BackplaneLink, HistoryPage, HubGap, LogEntry, StreamMessage } from '@logwire/server';
import type { ReadEntry } from './entry-codec.js';
import { toStreamMessage } from './wire.js';
import type { RangeOptions, StreamHead } from './history-reader.js';
import type { SubscribeFrom } from './stream-reader.js';
import type { BackplaneEntry, BackplaneRecord, BatchHandler, Gap, RangeResult, ReadBatch } from './types.js';

/** What the link uses of its backplane. */
export interface LinkedBackplane {
  /** The stream the hub shares. */
  readonly stream: string;
  /** How long `close()` gives buffered records to reach Redis. */
  readonly closeWaitMs: number;
  readonly closed: boolean;
  /** The stream's epoch, created if it has none; retried until Redis answers. */
  ensureEpoch(): Promise<string>;
  /** The stream's head; retried until Redis answers. */
  head(): Promise<StreamHead>;
  /** The newest entries; retried until Redis answers. */
  recent(count: number): Promise<{ epoch: string | undefined; entries: BackplaneEntry[] }>;
  subscribe(handler: BatchHandler, from: SubscribeFrom): Promise<() => void>;
  append(records: readonly BackplaneRecord[]): void;
  /** Resolves once the audit entries numbered `(since, through]` in append order are in Redis. */
  confirm(since: number, through: number): Promise<void>;
  range(options: RangeOptions): Promise<RangeResult>;
  flush(): Promise<void>;
  sleep(ms: number): Promise<void>;
  onError(listener: (error: unknown) => void): () => void;
  close(): Promise<void>;
}

/** Connects `hub` to the backplane's stream; see the module comment. */
export function linkHub(backplane: LinkedBackplane, hub: BackplaneHub, onError: (error: unknown) => void): BackplaneLink {
  const offError = backplane.onError(onError);
  let unsubscribe: (() => void) | undefined;
  const ready = (async () => {
    const epoch = await backplane.ensureEpoch();
    const top = await backplane.head();
    const recent = await backplane.recent(hub.historySize);
    const entries = recent.epoch === epoch ? recent.entries : [];
    const complete = entries.length === 0 ? top.last === null : entries[0]!.prev === null;
    hub.reset(recent.epoch ?? epoch, entries.map(toStreamMessage), complete);
    const after = entries.at(-1)?.id ?? (recent.epoch === epoch ? top.last : null);
    if (backplane.closed) return;
    unsubscribe = await backplane.subscribe((batch) => feedHub(hub, batch), { after, epoch: recent.epoch ?? epoch });
  })();
  ready.catch(() => undefined);
  return {
    ready: ready.catch((error: unknown) => {
      if (!backplane.closed) onError(error);
    }),
    append: (entries: readonly LogEntry[]) => backplane.append(entries),
    confirm: (since: number, through: number) => backplane.confirm(since, through),
    history: async (after: string, epoch: string, count: number): Promise<HistoryPage> => {
      const page = await backplane.range({ after, epoch, count });
      const result: HistoryPage = { messages: page.entries.map(toStreamMessage), done: page.done };
      if (page.gap?.reason === 'epoch') result.gap = { reason: 'epoch', from: after, to: null, epoch };
      else if (page.gap) result.gap = toHubGap(page.gap, epoch);
      return result;
    },
    close: async () => {
      // Give buffered records a bounded chance to reach Redis; an absent Redis must not hang shutdown.
      await Promise.race([backplane.flush(), backplane.sleep(backplane.closeWaitMs)]);
      unsubscribe?.();
      offError();
      await backplane.close();
    },
  };
}

/** Hands one batch read from the stream to the hub: its gap (or an epoch the hub did not know), then its entries. */
export function feedHub(hub: BackplaneHub, batch: ReadBatch): void {
  const gap = batch.gap;
  if (gap?.reason === 'epoch') {
    hub.gap({ reason: 'epoch', from: gap.from, to: null, epoch: hub.epoch }, gap.epoch ?? batch.epoch);
  } else if (gap !== undefined) {
    hub.gap(toHubGap(gap, hub.epoch));
  } else if (batch.epoch !== undefined && batch.epoch !== hub.epoch) {
    // Entries of an epoch this node did not know (the stream was recreated while it started).
    hub.gap({ reason: 'epoch', from: null, to: null, epoch: hub.epoch }, batch.epoch);
  }
  const entries = batch.entries;
  if (entries.length === 0) return;
  // Entries read from Redis are already the hub's messages (entry-codec.ts, `ReadEntry`): the hub keeps them as they are.
  hub.ingest(entries.every(isMessage) ? (entries as readonly StreamMessage[]) : entries.map(toStreamMessage));
}

/** Whether `entry` is a hub message already: a {@link ReadEntry} not yet taken by a hub. */
function isMessage(entry: BackplaneEntry): boolean {
  const e = entry as Partial<ReadEntry>;
  return e.frame !== undefined && e.position !== undefined && e.ordinal === undefined;
}

/** A backplane gap as the hub announces it (a wire `gap`); `epoch` is the epoch both ends belong to. */
function toHubGap(gap: Gap, epoch: string): HubGap {
  const out: HubGap = { reason: gap.reason, from: gap.from, to: gap.to, epoch };
  if (gap.count !== undefined) out.count = gap.count;
  return out;
}
