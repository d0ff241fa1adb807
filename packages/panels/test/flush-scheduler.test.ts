// Render batching: one flush at the next frame, or after 100 ms when frames do not run (a hidden
// tab). Fake timers and animation frames, no browser; the panel tests give frames by hand.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { FlushScheduler } from '../src/base/flush-scheduler.js';

class Host implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  readonly updateComplete = Promise.resolve(true);
  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }
  removeController(): void {}
  requestUpdate(): void {}
}

// Node has no animation frames: a queue stands in, and `runFrame()` is the next frame.
const frames = new Map<number, () => void>();
let lastFrame = 0;
function runFrame(): void {
  const due = [...frames.values()];
  frames.clear();
  for (const callback of due) callback();
}

describe('FlushScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    frames.clear();
    vi.stubGlobal('requestAnimationFrame', (callback: () => void) => {
      frames.set(++lastFrame, callback);
      return lastFrame;
    });
    vi.stubGlobal('cancelAnimationFrame', (handle: number) => frames.delete(handle));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('flushes once at the next frame, however often it is scheduled before it', () => {
    let flushes = 0;
    const scheduler = new FlushScheduler(
      new Host(),
      () => flushes++,
      () => false,
    );
    scheduler.schedule();
    scheduler.schedule();
    scheduler.schedule();
    expect(flushes).toBe(0);
    expect(frames.size).toBe(1);
    runFrame();
    expect(flushes).toBe(1);
    // The fallback timer was cancelled by the frame: nothing more happens.
    vi.advanceTimersByTime(1000);
    expect(flushes).toBe(1);
  });

  it('flushes after 100 ms when no frame runs (a hidden tab), and not before', () => {
    let flushes = 0;
    const scheduler = new FlushScheduler(
      new Host(),
      () => flushes++,
      () => false,
    );
    // No runFrame(): frames never come.
    scheduler.schedule();
    vi.advanceTimersByTime(99);
    expect(flushes).toBe(0);
    vi.advanceTimersByTime(1);
    expect(flushes).toBe(1);
    // The frame requested with it was cancelled: a late frame does not flush again.
    runFrame();
    expect(flushes).toBe(1);
    scheduler.schedule();
    vi.advanceTimersByTime(100);
    expect(flushes).toBe(2);
  });

  it('cancels a scheduled flush when the panel leaves the document, and flushes what waits when it joins again', () => {
    let flushes = 0;
    let pending = false;
    const host = new Host();
    const scheduler = new FlushScheduler(
      host,
      () => flushes++,
      () => pending,
    );
    scheduler.schedule();
    scheduler.hostDisconnected();
    vi.advanceTimersByTime(1000);
    expect(flushes).toBe(0);
    scheduler.hostConnected();
    vi.advanceTimersByTime(1000);
    expect(flushes).toBe(0);
    pending = true;
    scheduler.hostConnected();
    runFrame();
    expect(flushes).toBe(1);
  });
});
