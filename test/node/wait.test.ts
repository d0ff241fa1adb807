import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextEvent, turn, until } from '../helpers/wait.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('until', () => {
  it('resolves with the first truthy value of a sync or async check', async () => {
    let n = 0;
    await expect(until(() => ++n >= 3 && n)).resolves.toBe(3);
    await expect(until(async () => ({ found: true }))).resolves.toEqual({ found: true });
  });

  it('fails at the deadline naming what it waited for and the last error', async () => {
    vi.useFakeTimers();
    const waiting = until(
      () => {
        throw new Error('not yet');
      },
      'the answer',
      1000,
    );
    const failed = expect(waiting).rejects.toThrow('timed out after 1000 ms waiting for the answer (last error: not yet)');
    await vi.advanceTimersByTimeAsync(1001);
    await failed;
  });

  it('asks a `what` function for the message only when it fails', async () => {
    vi.useFakeTimers();
    let last = 0;
    const what = vi.fn(() => `a count above 5 (last ${last})`);
    const waiting = until(() => (last += 1) > 5_000_000, what, 1000);
    const failed = expect(waiting).rejects.toThrow(/waiting for a count above 5 \(last \d+\)/);
    await vi.advanceTimersByTimeAsync(1001);
    await failed;
    expect(what).toHaveBeenCalledTimes(1);
  });

  it('fails at the deadline when an async check never settles', async () => {
    vi.useFakeTimers();
    const waiting = until(() => new Promise<boolean>(() => undefined), 'a reply', 1000);
    const failed = expect(waiting).rejects.toThrow('timed out after 1000 ms waiting for a reply (the last check never settled)');
    await vi.advanceTimersByTimeAsync(1000);
    await failed;
  });
});

describe('nextEvent', () => {
  it('resolves with the first argument of the next event of an EventEmitter, and unbinds', async () => {
    const emitter = new EventEmitter();
    const next = nextEvent<number>(emitter, 'tick');
    emitter.emit('tick', 7, 'ignored');
    await expect(next).resolves.toBe(7);
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('skips events `accept` refuses', async () => {
    const emitter = new EventEmitter();
    const next = nextEvent<number>(emitter, 'tick', 1000, (n) => n > 1);
    emitter.emit('tick', 1);
    emitter.emit('tick', 2);
    await expect(next).resolves.toBe(2);
    expect(emitter.listenerCount('tick')).toBe(0);
  });

  it('listens on an EventTarget and on an emitter whose on() returns an unbind function', async () => {
    const target = new EventTarget();
    const fromTarget = nextEvent<Event>(target, 'ping');
    target.dispatchEvent(new Event('ping'));
    expect((await fromTarget).type).toBe('ping');

    const listeners = new Set<(value: string) => void>();
    const emitter = {
      on: (_event: string, listener: (value: string) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };
    const fromOn = nextEvent<string>(emitter, 'message');
    for (const listener of listeners) listener('hello');
    await expect(fromOn).resolves.toBe('hello');
    expect(listeners.size).toBe(0);
  });

  it('rejects at the deadline naming the event, and unbinds', async () => {
    vi.useFakeTimers();
    const emitter = new EventEmitter();
    const failed = expect(nextEvent(emitter, 'never', 500)).rejects.toThrow("timed out after 500 ms waiting for the event 'never'");
    await vi.advanceTimersByTimeAsync(500);
    await failed;
    expect(emitter.listenerCount('never')).toBe(0);
  });
});

describe('turn', () => {
  it('lets a timer that is due run first', async () => {
    let ran = false;
    setTimeout(() => (ran = true), 0);
    await turn();
    expect(ran).toBe(true);
  });
});
