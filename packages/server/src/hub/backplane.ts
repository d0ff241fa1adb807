import type { EpochGap, GapReason } from '@logwire/protocol';
import type { LogEntry } from '../logger/format.js';
import type { StreamMessage } from './log-hub.js';

/**
 * A discontinuity in a stream fed by a backplane, in wire terms (`gap` message of
 * docs/protocol.md): `from` the last id before it, `to` the last missing id (`null`: unknown),
 * `epoch` the epoch `from` belongs to.
 */
export interface HubGap extends EpochGap {
  reason: Extract<GapReason, 'trimmed' | 'epoch' | 'diverged' | 'dropped'>;
}

/** One page of history older than a hub holds, served by a backplane to a resuming client. */
export interface HistoryPage {
  /** Present when the messages do not continue from the requested cursor. */
  gap?: HubGap;
  /** Continuous messages after the cursor (or after the gap), oldest first. */
  messages: StreamMessage[];
  /** `true` when nothing newer is held by the backplane. */
  done: boolean;
}

/** The side of a {@link LogHub} a backplane drives once connected. */
export interface BackplaneHub {
  /** Current epoch (the backplane's). */
  readonly epoch: string;
  /** Messages the hub keeps for replay (how much history to load when a node joins). */
  readonly historySize: number;
  /**
   * Starts over in `epoch` with `messages` (oldest first, already delivered elsewhere) as the
   * replay history; `complete` says they are the whole epoch (nothing older existed).
   */
  reset(epoch: string, messages: readonly StreamMessage[], complete: boolean): void;
  /**
   * Stores messages whose ids the backplane assigned, in stream order, and delivers them to the
   * hub's listeners. The hub keeps the message objects it is given (setting their `ordinal`).
   */
  ingest(messages: readonly StreamMessage[]): void;
  /**
   * Announces a discontinuity before the next ingested message. Clients following live get a
   * `gap`; an `epoch` gap also resets the hub to `gap.epoch`'s successor epoch `next`.
   */
  gap(gap: HubGap, next?: string): void;
}

/** A connected backplane, as the hub uses it. */
export interface BackplaneLink {
  /** Settles once the backplane is reading the stream (rejects never; failures go to `onError`). */
  readonly ready: Promise<void>;
  /**
   * Takes the entries logged on this node, in order, instead of the hub assigning ids. Synchronous
   * and never throws; the entries come back through {@link BackplaneHub.ingest} with their ids.
   */
  append(entries: readonly LogEntry[]): void;
  /**
   * Resolves once the backplane holds every audit entry (`type: 'audit_log'`) among those handed to
   * {@link append}, counted 1, 2, … in order, up to number `through`; rejects if one numbered in
   * `(since, through]` was dropped, or when the link closes first. Waits (without a limit) while
   * the backplane is away. Used by `commit()`; without it, `commit()` rejects.
   */
  confirm?(since: number, through: number): Promise<void>;
  /** History after `after` (an id of `epoch`) that the hub no longer holds, one page at a time. */
  history?(after: string, epoch: string, count: number): Promise<HistoryPage>;
  /** Appends what is buffered (as far as it can) and disconnects. */
  close(): Promise<void>;
}

/**
 * Shares one stream between several server nodes (implemented by `RedisBackplane` of
 * `@logwire/redis`; the server itself has no Redis dependency). Pass it as
 * `createLogwire({ backplane })`.
 */
export interface LogwireBackplane {
  /** Takes over id assignment and fan-out for `hub`. Called once, synchronously, by `createLogwire`. */
  connect(hub: BackplaneHub, onError: (error: unknown) => void): BackplaneLink;
}
