import type { GapData, GapReason, LogType, StreamId } from '@logwire/protocol';

/**
 * A record a node appends: the same shape as `LogEntry` of `@logwire/server` (the hub's input),
 * so a hub can hand its entries over unchanged.
 */
export interface BackplaneRecord {
  type: LogType;
  /** Milliseconds since the epoch when the record was made. */
  time: number;
  /** Numeric level (TRACE 5 … CRITICAL 50). */
  level: number;
  logger: string;
  /** JSON text of the message's `data` object, exactly as it goes on the wire. */
  data: string;
}

/** A record as stored in the Redis stream (inside the entry of its batch), with its place in the stream. */
export interface BackplaneEntry extends BackplaneRecord {
  /** The record's id `<ms>-<seq>` (its batch's stream entry has the id of the batch's last record): the wire cursor id. */
  id: string;
  /** `id` as numbers, when the reader that made the entry knows them (saves parsing `id` again). */
  position?: StreamId;
  /** Id of the record appended just before this one in the same epoch (`null` for the epoch's first). */
  prev: string | null;
  /** Epoch of the stream when the entry was appended. */
  epoch: string;
  /** Name of the node that appended it. */
  node: string;
  /**
   * The record's wire frame, byte for byte what a hub sends for it (`toFrame(entry)`), when the
   * reader that made the entry built it: entries read from Redis carry it, so a hub can keep them
   * as its messages unchanged.
   */
  frame?: string;
}

/**
 * Why a reader's view of a stream is not continuous (a subset of the wire protocol's `GapReason`):
 * - `trimmed`: entries were removed by retention (length or age) before this reader got them;
 * - `epoch`: the stream was recreated (deleted, flushed, Redis restarted without persistence): old ids mean nothing now;
 * - `diverged`: the links do not match: history was rewritten (failover lost a tail, meta rewritten);
 * - `dropped`: a node's backlog overflowed during an outage: its records never reached the stream.
 */
export type BackplaneGapReason = Extract<GapReason, 'trimmed' | 'epoch' | 'diverged' | 'dropped'>;

/**
 * A discontinuity, reported in place of the entries that are missing: the protocol's `GapData`
 * (`null` for no id) with the backplane's reasons and, for `dropped`, the node. `from` is the
 * reader's cursor before the gap; `to` the id the stream is continuous from again (the next entry
 * links to it): for `dropped` the marker entry, for `epoch` usually `null` (the start of the new
 * epoch); `count` the records known to be missing (`dropped` only); `epoch` the epoch after the
 * gap. Its wire `gap` message is `toGapFrame(gap)`, without `node`.
 */
export interface Gap extends GapData {
  reason: BackplaneGapReason;
  /** Node that dropped the records (`dropped` only). */
  node?: string;
}

/** What a subscription receives: continuous entries of one stream, possibly after a gap. */
export interface ReadBatch {
  stream: string;
  /** Epoch of the entries (and of the stream after the gap). */
  epoch: string | undefined;
  /** Present when continuity broke just before `entries[0]`. */
  gap?: Gap;
  /** Entries in stream order; each links to the one before it. */
  entries: BackplaneEntry[];
}

/** Result of {@link RedisBackplane.range}: one page of history. */
export interface RangeResult {
  /** Current epoch of the stream (`undefined` if it holds nothing). */
  epoch: string | undefined;
  /** Id of the newest entry in the stream (`null` if empty). */
  head: string | null;
  /** Present when the entries do not continue from `after`. */
  gap?: Gap;
  /** Continuous entries after `after` (or after the gap), oldest first. */
  entries: BackplaneEntry[];
  /**
   * `true` when the page reaches the head. When `false`, call again with `after` = the last
   * entry's id (or `gap.to` if there are no entries) for the next page.
   */
  done: boolean;
}

/** Receives the batches of a subscription; a returned promise delays the next read (backpressure). */
export type BatchHandler = (batch: ReadBatch) => void | Promise<void>;

/** Counters and state of one backplane, for metrics endpoints and health checks. */
export interface BackplaneMetrics {
  /** Both Redis connections are ready. */
  connected: boolean;
  /** Outages seen since start (a connection lost or never established). */
  outages: number;
  /** Start (ms since the epoch) of the current outage. */
  downSince: number | undefined;
  /** Milliseconds spent in outages, the current one included. */
  downMs: number;
  /** Reconnection attempts made by the connections. */
  reconnectAttempts: number;
  /** Message of the last error. */
  lastError: string | undefined;
  /** Records waiting to be appended (in flight included). */
  backlogRecords: number;
  /** Bytes of those records. */
  backlogBytes: number;
  /** Largest backlog seen, in records. */
  backlogPeak: number;
  /** Records dropped because the backlog was full. */
  dropped: number;
  /** Records appended to Redis. */
  appended: number;
  /** Records Redis skipped as already written (re-sent after a lost reply). */
  duplicatesSkipped: number;
  /** Append batches sent. */
  batches: number;
  /** Entries handed to subscribers. */
  delivered: number;
  /** Gaps reported to subscribers, by reason. */
  gaps: Record<BackplaneGapReason, number>;
  /** Streams with a subscription. */
  subscriptions: number;
}
