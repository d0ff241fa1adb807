import { RedisBackplaneError, RedisBackplaneErrorCode } from './errors.js';

/**
 * Which audit entries a hub link handed to the backplane are in Redis: the answer behind
 * `BackplaneLink.confirm(since, through)`, which `commit()` of `@logwire/server` awaits.
 *
 * Audit entries are numbered 1, 2, … in the order the link appends them. After each append the
 * backplane reports the queue position (`seq`) of the last record it queued and how many of the
 * call's records it dropped (backlog full); after each batch Redis accepted, the position it
 * reached. A confirmation for `(since, through]` resolves once every audit entry up to `through`
 * is past that position, and rejects when one of them was dropped (conservatively: every audit
 * entry of an append call that dropped anything) or when the link closes first. While Redis is
 * away nothing is accepted, so confirmations wait.
 */
export class AppendConfirmations {
  readonly stream: string;
  #audit = 0;
  #stored = 0;
  /** Queue position of the last record of each append with audit entries, and the audit count reached. */
  readonly #marks: Array<{ seq: number; audit: number }> = [];
  #marksHead = 0;
  readonly #drops: Array<{ from: number; to: number }> = [];
  readonly #waiters = new Set<{ since: number; through: number; resolve: () => void; reject: (error: Error) => void }>();
  #closed = false;

  constructor(stream: string) {
    this.stream = stream;
  }

  /** After an append of `entries`: `lastSeq` is the queue position of the last record queued, `dropped` how many were dropped. */
  appended(entries: readonly { type: string }[], lastSeq: number, dropped: number): void {
    let audits = 0;
    for (const entry of entries) if (entry.type === 'audit_log') audits++;
    if (audits === 0) return;
    const from = this.#audit + 1;
    this.#audit += audits;
    if (dropped > 0) this.#drop(from, this.#audit);
    this.#marks.push({ seq: lastSeq, audit: this.#audit });
    this.stored(this.stream, this.#storedSeq);
  }

  #storedSeq = 0;

  /** Redis accepted the records of `stream` up to queue position `seq`. */
  stored(stream: string, seq: number): void {
    if (stream !== this.stream) return;
    if (seq > this.#storedSeq) this.#storedSeq = seq;
    while (this.#marksHead < this.#marks.length && (this.#marks[this.#marksHead] as { seq: number }).seq <= this.#storedSeq) {
      this.#stored = (this.#marks[this.#marksHead] as { audit: number }).audit;
      this.#marksHead++;
    }
    if (this.#marksHead > 1024 && this.#marksHead * 2 > this.#marks.length) {
      this.#marks.splice(0, this.#marksHead);
      this.#marksHead = 0;
    }
    this.#settle();
  }

  /** Resolves once the audit entries up to `through` are in Redis; rejects if one in `(since, through]` was dropped. */
  wait(since: number, through: number): Promise<void> {
    if (this.#closed) {
      const error = new RedisBackplaneError(RedisBackplaneErrorCode.Closed, 'the backplane is closed: audit entries not confirmed');
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.add({ since, through, resolve, reject });
      this.#settle();
    });
  }

  /** Rejects every pending confirmation: the link is closing. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) {
      const message = `the backplane closed before audit entries up to #${waiter.through} reached Redis`;
      waiter.reject(new RedisBackplaneError(RedisBackplaneErrorCode.Closed, message));
    }
    this.#waiters.clear();
  }

  #drop(from: number, to: number): void {
    const last = this.#drops[this.#drops.length - 1];
    if (last !== undefined && from <= last.to + 1) last.to = to;
    else this.#drops.push({ from, to });
    // Bounded: merging the two oldest ranges can only refuse more, never confirm a dropped entry.
    if (this.#drops.length > 64) {
      const [first, second] = this.#drops.splice(0, 2) as [{ from: number; to: number }, { from: number; to: number }];
      this.#drops.unshift({ from: first.from, to: second.to });
    }
  }

  #dropped(since: number, through: number): number {
    let count = 0;
    for (const range of this.#drops) count += Math.max(0, Math.min(range.to, through) - Math.max(range.from, since + 1) + 1);
    return count;
  }

  #settle(): void {
    for (const waiter of this.#waiters) {
      const dropped = this.#dropped(waiter.since, waiter.through);
      if (dropped > 0) {
        this.#waiters.delete(waiter);
        const message = `${dropped} audit entr(ies) were dropped from a full backlog and never reached Redis`;
        waiter.reject(new RedisBackplaneError(RedisBackplaneErrorCode.BacklogFull, message));
      } else if (this.#stored >= waiter.through) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
