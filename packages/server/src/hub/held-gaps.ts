import { compareIds, type StreamId } from '@logwire/protocol';
import type { HubGap } from './backplane.js';

/** A backplane gap as the hub keeps it next to its history. */
export interface HeldGap {
  gap: HubGap;
  /** Where it sits: after the message with this id (the gap's `from`). */
  at: StreamId;
  /** Messages after the gap have ids above this (the later of `from` and `to`). */
  resume: StreamId;
}

/** How many of the latest backplane gaps are held. */
const MAX_HELD_GAPS = 64;

/**
 * The latest backplane gaps inside the hub's history, oldest first, so a reader catching up from
 * history reports them where they happened, as live readers heard them.
 */
export class HeldGaps {
  #gaps: HeldGap[] = [];

  /** Keeps a gap that has both ends (others cannot be placed in the history). */
  add(gap: HubGap, at: StreamId, to: StreamId): void {
    this.#gaps.push({ gap, at, resume: compareIds(to, at) > 0 ? to : at });
    if (this.#gaps.length > MAX_HELD_GAPS) this.#gaps.shift();
  }

  /**
   * The first gap placed at or after `after` (or strictly after): a reader replaying the history
   * from `after` must report it once it reaches `at` and continue after `resume`.
   */
  from(after: StreamId | undefined, strictlyAfter = false): HeldGap | undefined {
    for (const held of this.#gaps) {
      if (after === undefined) return held;
      const c = compareIds(held.at, after);
      if (c > 0 || (c === 0 && !strictlyAfter)) return held;
    }
    return undefined;
  }

  /** Forgets every gap (a new epoch). */
  clear(): void {
    this.#gaps = [];
  }
}
