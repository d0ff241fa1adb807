import { compareIds, type Cursor, type EpochGap, formatId, GapReason, parseId, type StreamId, WelcomeMode } from '@logwire/protocol';
import type { LogHub, StreamMessage } from '../hub/log-hub.js';
import { type Position, positionOf } from '../hub/position.js';
import { visibleEnd } from './audit-view.js';

// Where a client that says `hello` starts (docs/protocol.md, "Resume"), decided without touching a
// socket: from its cursor and the hub's state to a plan of what to tell it and replay. hello.ts
// carries the plan out.

/** What of the hub a plan reads (a `LogHub` is one). */
export type ResumeSource = Pick<
  LogHub,
  'epoch' | 'delivered' | 'deliveredSystem' | 'historyLength' | 'missingAfter' | 'countBetween' | 'after'
>;

/** The limits a plan respects. */
export interface ResumeLimits {
  /** Tail of a fresh start when the hello names none. */
  replayPerType: number;
  /** Most messages replayed after a cursor. */
  maxReplay: number;
}

/** Where the replay starts and what the client is told first. */
export interface ReplayPlan {
  kind: 'replay';
  mode: WelcomeMode;
  /** Gaps to send after the welcome, in order. */
  gaps: EpochGap[];
  /** Replay the history after this position (`undefined`: from the oldest message held). */
  startAfter: Position | undefined;
}

/** The plan for a hello. */
export type ResumePlan =
  /** No cursor: the newest `tail` messages of each type, as one batch. */
  | { kind: 'fresh'; tail: number }
  /** The cursor is of another epoch: this gap, then the new epoch from its start. */
  | { kind: 'epoch'; gap: EpochGap }
  /** The client saw the stream empty and it still is: an empty batch, then live. */
  | { kind: 'empty' }
  /** The client has seen ids the hub does not have: this gap, then live from the head. */
  | { kind: 'diverged'; gap: EpochGap }
  /** The hub no longer holds what follows the cursor: ask the backplane's history first, then {@link planReplay}. */
  | { kind: 'older'; after: Position }
  | ReplayPlan;

/** Plans the start of a client that sent `hello` (with audit permission or without). */
export function planResume(hub: ResumeSource, hello: { cursor?: Cursor; tail?: number }, audit: boolean, limits: ResumeLimits): ResumePlan {
  const { cursor } = hello;
  if (cursor === undefined) return { kind: 'fresh', tail: Math.min(hello.tail ?? limits.replayPerType, limits.maxReplay) };
  if (cursor.epoch !== hub.epoch) {
    return { kind: 'epoch', gap: { from: cursor.id, to: null, reason: GapReason.Epoch, epoch: cursor.epoch } };
  }
  const position = parseId(cursor.id) as StreamId;
  const head = hub.delivered;
  // "0-0" is the position before the first message: a client that saw the stream empty.
  if (head === undefined && position.ms === 0 && position.seq === 0) return { kind: 'empty' };
  if (head === undefined || compareIds(position, head.position) > 0) {
    // The client has seen ids this server does not have (history lost after it was sent).
    return { kind: 'diverged', gap: { from: cursor.id, to: null, reason: GapReason.Diverged, epoch: hub.epoch } };
  }
  const after = { id: cursor.id, position };
  // Older than this node holds: a backplane may still have it (another node's history).
  if (hub.missingAfter(position) !== undefined) return { kind: 'older', after };
  return planReplay(hub, after, cursor.id, audit, limits.maxReplay);
}

/**
 * Plans the replay after `after` (a real stream position) for a client last told `shown`: a
 * `trimmed` gap for what left the history, a `limit` gap for what exceeds `maxReplay`, then the rest.
 */
export function planReplay(hub: ResumeSource, after: Position, shown: string | null, audit: boolean, maxReplay: number): ReplayPlan {
  const head = hub.delivered;
  let mode: WelcomeMode = WelcomeMode.Resumed;
  const gaps: EpochGap[] = [];
  let from = shown;
  let startAfter: StreamId | undefined = after.position;
  const missing = hub.missingAfter(after.position, undefined, audit);
  if (missing !== undefined) {
    mode = WelcomeMode.Gap;
    const to = missing.to === undefined ? null : formatId(missing.to);
    gaps.push({ from, to, reason: GapReason.Trimmed, ...(missing.count === undefined ? {} : { count: missing.count }), epoch: hub.epoch });
    from = to;
    startAfter = missing.to;
  }
  if (head === undefined) return { kind: 'replay', mode, gaps, startAfter: positionAt(startAfter) };
  const backlog =
    startAfter === undefined ? hub.historyLength : (hub.countBetween(startAfter, head.position) ?? hub.after(startAfter).length);
  if (backlog > maxReplay) {
    const skipped = hub.after(startAfter, backlog - maxReplay);
    const skipTo = skipped[skipped.length - 1] as StreamMessage;
    const to = visibleEnd(skipped, audit);
    // Without audit permission only skipped `system_log` are told (and counted).
    if (to !== undefined) {
      mode = WelcomeMode.Gap;
      const count = audit ? backlog - maxReplay : skipped.filter((message) => message.type === 'system_log').length;
      gaps.push({ from, to, reason: GapReason.Limit, count, epoch: hub.epoch });
    }
    startAfter = skipTo.position;
  }
  return { kind: 'replay', mode, gaps, startAfter: positionAt(startAfter) };
}

function positionAt(id: StreamId | undefined): Position | undefined {
  return id === undefined ? undefined : positionOf(id);
}
