/**
 * Which audit events reached the disk: the bookkeeping behind `commit()`.
 *
 * Every audit event handed to the trail gets an ordinal (1, 2, … in the order they were logged).
 * The ledger knows the highest ordinal proven durable (written and fsynced, in a file that is
 * still the one at its path) and the ordinal ranges that were dropped (a failed write, a file
 * removed before its fsync). A commit asks for one range, `(since, through]`: it is proven when
 * every ordinal in it is durable, refused when any of them was dropped.
 *
 * Drops are kept as merged ranges; beyond {@link MAX_DROP_RANGES} the two oldest are merged into
 * one that also covers the events between them, so memory stays bounded and a commit can be
 * refused for an event that was in fact written, never accepted for one that was not.
 */
export class CommitLedger {
  #handed = 0;
  #written = 0;
  #durable = 0;
  readonly #drops: Array<{ from: number; to: number }> = [];

  /** Ordinal of the newest event handed over. */
  get handed(): number {
    return this.#handed;
  }

  /** Highest ordinal proven durable: everything at or below it was fsynced or is recorded as dropped. */
  get durable(): number {
    return this.#durable;
  }

  /** Assigns the next `count` ordinals; returns the first and last. */
  hand(count: number): { from: number; to: number } {
    const from = this.#handed + 1;
    this.#handed += count;
    return { from, to: this.#handed };
  }

  /** The events up to `to` are written (in the kernel, not yet fsynced). */
  written(to: number): void {
    if (to > this.#written) this.#written = to;
  }

  /** Highest ordinal written so far. */
  get writtenThrough(): number {
    return this.#written;
  }

  /** Everything written up to `to` is fsynced in a file still at its path. */
  durableThrough(to: number): void {
    if (to > this.#durable) this.#durable = Math.min(to, this.#handed);
  }

  /** Events written but not yet proven durable were lost (their file vanished, or fsync failed). */
  loseUnsynced(): number {
    if (this.#written <= this.#durable) return 0;
    const lost = this.#written - this.#durable - this.droppedIn(this.#durable, this.#written);
    this.drop(this.#durable + 1, this.#written);
    return lost;
  }

  /** Records events `from`…`to` as dropped. */
  drop(from: number, to: number): void {
    if (to < from) return;
    const merged = { from, to };
    // Ranges are kept sorted and disjoint: absorb every range this one touches (they are at the end).
    while (this.#drops.length > 0) {
      const last = this.#drops[this.#drops.length - 1] as { from: number; to: number };
      if (last.to + 1 < merged.from) break;
      merged.from = Math.min(merged.from, last.from);
      merged.to = Math.max(merged.to, last.to);
      this.#drops.pop();
    }
    this.#drops.push(merged);
    if (this.#drops.length > MAX_DROP_RANGES) {
      const [first, second] = this.#drops.splice(0, 2) as [{ from: number; to: number }, { from: number; to: number }];
      this.#drops.unshift({ from: first.from, to: second.to });
    }
    // A dropped event is settled: it will never become durable, so later ordinals may be proven.
    if (this.#durable >= from - 1) this.#durable = Math.max(this.#durable, to);
    if (this.#written < to) this.#written = to;
  }

  /** How many events in `(since, through]` were dropped. */
  droppedIn(since: number, through: number): number {
    let count = 0;
    for (const range of this.#drops) {
      const from = Math.max(range.from, since + 1);
      const to = Math.min(range.to, through);
      if (to >= from) count += to - from + 1;
    }
    return count;
  }
}

/** Dropped ranges remembered at most (each one outage or vanished file). */
export const MAX_DROP_RANGES = 64;
