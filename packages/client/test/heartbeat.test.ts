// The dead-link rule on fake timers: silence longer than the server's ping interval plus the grace
// period declares the link dead, any frame restarts the count, and a server that never pings (or a
// legacy connection) is never declared dead.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from '../src/heartbeat.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('Heartbeat', () => {
  it('declares the link dead after ping + grace of silence, and not a millisecond before', () => {
    const heartbeat = new Heartbeat();
    const dead = vi.fn();
    heartbeat.start(200, 300);
    heartbeat.beat(dead);
    vi.advanceTimersByTime(499);
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(dead).toHaveBeenCalledTimes(1);
    expect(dead).toHaveBeenCalledWith(500);
  });

  it('restarts the count on every frame', () => {
    const heartbeat = new Heartbeat();
    const dead = vi.fn();
    heartbeat.start(200);
    for (let i = 0; i < 10; i++) {
      heartbeat.beat(dead);
      vi.advanceTimersByTime(10_000);
    }
    expect(dead).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(dead).toHaveBeenCalledTimes(1);
  });

  it('watches nothing when the server does not ping, and stops on stop()', () => {
    const heartbeat = new Heartbeat();
    const dead = vi.fn();
    heartbeat.start(0);
    heartbeat.beat(dead);
    vi.advanceTimersByTime(60_000);
    heartbeat.start(100, 100);
    heartbeat.beat(dead);
    heartbeat.stop();
    vi.advanceTimersByTime(60_000);
    // Stopped, not forgotten: the next frame counts again; forgotten (legacy mode): nothing counts.
    heartbeat.beat(dead);
    heartbeat.stop(true);
    heartbeat.beat(dead);
    vi.advanceTimersByTime(60_000);
    expect(dead).not.toHaveBeenCalled();
  });
});
