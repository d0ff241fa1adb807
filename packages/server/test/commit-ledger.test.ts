import { describe, expect, it } from 'vitest';
import { CommitLedger, MAX_DROP_RANGES } from '../src/persistence/commit-ledger.js';

// The bookkeeping behind commit(): which audit events are durable, which were dropped.

describe('CommitLedger', () => {
  it('proves events durable only through an fsync of what was written', () => {
    const ledger = new CommitLedger();
    expect(ledger.hand(3)).toEqual({ from: 1, to: 3 });
    ledger.written(3);
    expect(ledger.durable).toBe(0);
    ledger.durableThrough(3);
    expect(ledger.durable).toBe(3);
    expect(ledger.droppedIn(0, 3)).toBe(0);
  });

  it('keeps a drop however many later events are written, and scopes it by range', () => {
    const ledger = new CommitLedger();
    ledger.hand(1);
    ledger.drop(1, 1);
    const later = ledger.hand(5);
    ledger.written(later.to);
    ledger.durableThrough(later.to);
    expect(ledger.durable).toBe(6);
    expect(ledger.droppedIn(0, 6)).toBe(1);
    expect(ledger.droppedIn(1, 6)).toBe(0);
  });

  it('counts written but unsynced events as lost when their file vanished', () => {
    const ledger = new CommitLedger();
    ledger.hand(4);
    ledger.written(2);
    ledger.durableThrough(2);
    ledger.written(4);
    expect(ledger.loseUnsynced()).toBe(2);
    expect(ledger.droppedIn(0, 4)).toBe(2);
    expect(ledger.droppedIn(0, 2)).toBe(0);
  });

  it('stays bounded: merging old drop ranges can only refuse more, never accept a dropped event', () => {
    const ledger = new CommitLedger();
    for (let n = 0; n < MAX_DROP_RANGES + 10; n++) {
      const kept = ledger.hand(1);
      ledger.written(kept.to);
      const lost = ledger.hand(1);
      ledger.drop(lost.from, lost.to);
    }
    // Every dropped (even) ordinal is still refused.
    for (let ordinal = 2; ordinal <= ledger.handed; ordinal += 2) expect(ledger.droppedIn(ordinal - 1, ordinal)).toBe(1);
  });
});

describe('CommitLedger, overlapping losses', () => {
  it('a vanished file after a failed write keeps both losses and counts each event once', () => {
    const ledger = new CommitLedger();
    ledger.hand(5);
    ledger.written(5);
    ledger.durableThrough(5);
    ledger.hand(5);
    ledger.written(10); // 6…10 written, not yet fsynced
    const failed = ledger.hand(2);
    ledger.drop(failed.from, failed.to); // 11…12: the write failed
    expect(ledger.loseUnsynced()).toBe(5); // the file vanished: 6…10 are lost too
    expect(ledger.droppedIn(0, 12)).toBe(7);
    expect(ledger.droppedIn(5, 10)).toBe(5);
    expect(ledger.droppedIn(0, 5)).toBe(0);
  });
});
