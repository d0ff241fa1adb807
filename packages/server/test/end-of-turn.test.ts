// The server package's end-of-turn work (hub delivery, console writes) shares one setImmediate per
// turn, runs in the order it was scheduled, and never inside a request's context. Counted with fake
// timers (how many immediates are pending), not timed.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { requestContext } from '../src/context/request-context.js';
import { EndOfTurnTask } from '../src/end-of-turn.js';
import { collector } from './console-helpers.js';

let logwire: Logwire | undefined;

afterEach(async () => {
  // A fake immediate left pending would hold the shared queue of the module for the next tests.
  if (vi.isFakeTimers()) vi.runOnlyPendingTimers();
  vi.useRealTimers();
  await logwire?.close();
  logwire = undefined;
});

function fakeImmediates(): void {
  vi.useFakeTimers({ toFake: ['setImmediate', 'clearImmediate'] });
}

describe('EndOfTurnTask', () => {
  it('runs every task scheduled in a turn once, in the order first scheduled, from one setImmediate', () => {
    fakeImmediates();
    const ran: string[] = [];
    const a = new EndOfTurnTask(() => ran.push('a'));
    const b = new EndOfTurnTask(() => ran.push('b'));
    const c = new EndOfTurnTask(() => ran.push('c'));
    b.schedule();
    a.schedule();
    b.schedule();
    c.schedule();
    a.schedule();
    expect(vi.getTimerCount()).toBe(1);
    expect(ran).toEqual([]);
    vi.runOnlyPendingTimers();
    expect(ran).toEqual(['b', 'a', 'c']);
    expect(vi.getTimerCount()).toBe(0);
    // A later turn schedules afresh.
    a.schedule();
    expect(vi.getTimerCount()).toBe(1);
    vi.runOnlyPendingTimers();
    expect(ran).toEqual(['b', 'a', 'c', 'a']);
  });

  it('leaves a task scheduled while the tasks run (itself included) for the next turn', () => {
    fakeImmediates();
    const ran: string[] = [];
    const later = new EndOfTurnTask(() => ran.push('later'));
    let again = true;
    const first: EndOfTurnTask = new EndOfTurnTask(() => {
      ran.push('first');
      if (!again) return;
      again = false;
      later.schedule();
      first.schedule();
    });
    first.schedule();
    vi.runOnlyPendingTimers();
    expect(ran).toEqual(['first']);
    expect(vi.getTimerCount()).toBe(1);
    vi.runOnlyPendingTimers();
    expect(ran).toEqual(['first', 'later', 'first']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('runs the other tasks when one throws, then rethrows its error', () => {
    fakeImmediates();
    const ran: string[] = [];
    new EndOfTurnTask(() => ran.push('before')).schedule();
    new EndOfTurnTask(() => {
      throw new Error('task failed');
    }).schedule();
    new EndOfTurnTask(() => ran.push('after')).schedule();
    expect(() => vi.runOnlyPendingTimers()).toThrow('task failed');
    expect(ran).toEqual(['before', 'after']);
  });

  it('runs outside the request context of whoever scheduled it', async () => {
    const seen: unknown[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const task = new EndOfTurnTask(() => {
      seen.push(requestContext.get());
      done();
    });
    requestContext.run({ request_id: 'r1' }, () => task.schedule());
    await finished;
    expect(seen).toEqual([undefined]);
  });
});

describe('end-of-turn work of a logwire instance', () => {
  it('delivers to the hub and writes the console line from one setImmediate, console first', () => {
    const out = collector();
    logwire = createLogwire({ console: { stream: out.stream }, callsite: false, workers: false });
    const consoleLinesAtDelivery: number[] = [];
    logwire.hub.on((batch) => consoleLinesAtDelivery.push(out.text().split('\n').length - 1, batch.length));
    fakeImmediates();
    const log = logwire.getLogger('app');
    log.info('one');
    log.info('two');
    expect(vi.getTimerCount()).toBe(1);
    vi.runOnlyPendingTimers();
    // The console wrote both lines before the hub delivered its batch of two.
    expect(consoleLinesAtDelivery).toEqual([2, 2]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not deliver a request's records inside that request's context", async () => {
    logwire = createLogwire({ console: false, callsite: false, workers: false });
    const contexts: unknown[] = [];
    let delivered!: () => void;
    const batch = new Promise<void>((resolve) => (delivered = resolve));
    logwire.hub.on(() => {
      contexts.push(requestContext.get());
      delivered();
    });
    logwire.context.run({ request_id: 'r1' }, () => logwire!.getLogger('app').info('inside'));
    await batch;
    expect(contexts).toEqual([undefined]);
    expect(logwire.hub.head?.data).toContain('"request_id":"r1"');
  });
});
