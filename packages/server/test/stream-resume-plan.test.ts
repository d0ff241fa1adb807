// The resume planner on its own: a real hub, no sockets. Each plan is what docs/protocol.md
// ("Resume") promises for that cursor.
import { describe, expect, it } from 'vitest';
import type { LogType } from '@logwire/protocol';
import { LogHub } from '../src/hub/log-hub.js';
import { planReplay, planResume, type ResumeLimits } from '../src/transport/resume-plan.js';

const limits: ResumeLimits = { replayPerType: 100, maxReplay: 10_000 };

/** A hub holding `historySize` messages, fed `types` in order (one message per type letter: s = system, a = audit); returns their ids. */
function hubWith(historySize: number, types: string): { hub: LogHub; ids: string[] } {
  const hub = new LogHub({ historySize, epoch: 'e1' });
  const ids: string[] = [];
  for (const letter of types) {
    const type: LogType = letter === 'a' ? 'audit_log' : 'system_log';
    const message = hub.publish({ type, time: 1_000, level: 20, logger: 'x', data: '{}' });
    ids.push(message!.id);
  }
  hub.flush();
  return { hub, ids };
}

describe('planResume', () => {
  it('plans a fresh start without a cursor, with the tail bounded by maxReplay', () => {
    const { hub } = hubWith(10, 'ss');
    expect(planResume(hub, {}, true, limits)).toEqual({ kind: 'fresh', tail: 100 });
    expect(planResume(hub, { tail: 50_000 }, true, limits)).toEqual({ kind: 'fresh', tail: 10_000 });
  });

  it('plans an epoch gap from the cursor for a cursor of another epoch', () => {
    const { hub } = hubWith(10, 's');
    expect(planResume(hub, { cursor: { epoch: 'old', id: '5-0' } }, true, limits)).toEqual({
      kind: 'epoch',
      gap: { from: '5-0', to: null, reason: 'epoch', epoch: 'old' },
    });
  });

  it('plans an empty start for 0-0 on an empty stream, and a diverged gap for ids the hub never had', () => {
    const { hub } = hubWith(10, '');
    expect(planResume(hub, { cursor: { epoch: 'e1', id: '0-0' } }, true, limits)).toEqual({ kind: 'empty' });
    const fed = hubWith(10, 's').hub;
    expect(planResume(fed, { cursor: { epoch: 'e1', id: '9999-0' } }, true, limits)).toEqual({
      kind: 'diverged',
      gap: { from: '9999-0', to: null, reason: 'diverged', epoch: 'e1' },
    });
  });

  it('plans an exact resume after a cursor still held', () => {
    const { hub, ids } = hubWith(10, 'sss');
    const plan = planResume(hub, { cursor: { epoch: 'e1', id: ids[0]! } }, true, limits);
    expect(plan).toEqual({ kind: 'replay', mode: 'resumed', gaps: [], startAfter: { id: ids[0], position: { ms: 1_000, seq: 0 } } });
  });

  it('asks for older history when the hub lost what follows the cursor, and plans a counted trimmed gap without it', () => {
    const { hub, ids } = hubWith(3, 'ssssss');
    const cursor = { id: ids[0]!, position: { ms: 1_000, seq: 0 } };
    expect(planResume(hub, { cursor: { epoch: 'e1', id: ids[0]! } }, true, limits)).toEqual({ kind: 'older', after: cursor });
    const plan = planReplay(hub, cursor, ids[0]!, true, 10_000);
    expect(plan.mode).toBe('gap');
    expect(plan.gaps).toEqual([{ from: ids[0], to: ids[2], reason: 'trimmed', count: 2, epoch: 'e1' }]);
    expect(plan.startAfter?.id).toBe(ids[2]);
  });

  it('caps a long backlog at maxReplay with a limit gap', () => {
    const { hub, ids } = hubWith(20, 'ssssssssss');
    const plan = planResume(hub, { cursor: { epoch: 'e1', id: ids[0]! } }, true, { ...limits, maxReplay: 4 });
    const gap = { from: ids[0], to: ids[5], reason: 'limit', count: 5, epoch: 'e1' };
    expect(plan).toMatchObject({ kind: 'replay', mode: 'gap', gaps: [gap] });
    expect(plan.kind === 'replay' && plan.startAfter?.id).toBe(ids[5]);
  });
});

describe('planReplay for a reader without audit permission', () => {
  it('names and counts only system_log in its gaps, and plans none when only audit messages are missing', () => {
    // s a a s a a | a s s  (history 3): evicted s0..a5, the newest evicted system message is ids[3].
    const { hub, ids } = hubWith(3, 'saasaaass');
    const cursor = { id: ids[0]!, position: { ms: 1_000, seq: 0 } };
    const plan = planReplay(hub, cursor, ids[0]!, false, 10_000);
    expect(plan.gaps).toEqual([{ from: ids[0], to: ids[3], reason: 'trimmed', epoch: 'e1' }]);
    const afterSystem = { id: ids[3]!, position: { ms: 1_000, seq: 3 } };
    expect(planReplay(hub, afterSystem, ids[3]!, false, 10_000)).toMatchObject({ mode: 'resumed', gaps: [] });
    const auditorGap = { from: ids[3], to: ids[5], reason: 'trimmed', count: 2, epoch: 'e1' };
    expect(planReplay(hub, afterSystem, ids[3]!, true, 10_000).gaps).toEqual([auditorGap]);
  });

  it('tells a limit gap up to the last skipped system_log, counting only those', () => {
    const { hub, ids } = hubWith(20, 'sasaaaaass');
    const plan = planReplay(hub, { id: ids[0]!, position: { ms: 1_000, seq: 0 } }, ids[0]!, false, 4);
    expect(plan.gaps).toEqual([{ from: ids[0], to: ids[2], reason: 'limit', count: 1, epoch: 'e1' }]);
    expect(plan.startAfter?.id).toBe(ids[5]);
  });
});
