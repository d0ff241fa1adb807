// Screen-reader announcements: at most one summary per interval, with fake timers (no browser).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { AnnouncerController, announcementText } from '../src/base/announcer-controller.js';

class Host implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  updates = 0;
  readonly updateComplete = Promise.resolve(true);
  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }
  removeController(): void {}
  requestUpdate(): void {
    this.updates++;
  }
}

describe('AnnouncerController', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('summarises new entries at most once per interval', () => {
    const host = new Host();
    const announcer = new AnnouncerController(host, () => 400);
    vi.advanceTimersByTime(1000);
    announcer.announce(1, 0);
    announcer.announce(1, 1);
    vi.advanceTimersByTime(0);
    expect(announcer.text).toBe('2 new entries, 1 error');
    expect(host.updates).toBe(1);
    // Within the interval after the first announcement nothing new is said…
    announcer.announce(1, 0);
    vi.advanceTimersByTime(399);
    expect(announcer.text).toBe('2 new entries, 1 error');
    // …and at its end the entries since then are.
    vi.advanceTimersByTime(1);
    expect(announcer.text).toBe('1 new entry');
    expect(host.updates).toBe(2);
  });

  it('stops its timer when the panel leaves the document', () => {
    const host = new Host();
    const announcer = new AnnouncerController(host, () => 400);
    vi.advanceTimersByTime(1000);
    announcer.announce(3, 0);
    announcer.hostDisconnected();
    vi.advanceTimersByTime(1000);
    expect(announcer.text).toBe('');
  });

  it('words the summary', () => {
    expect(announcementText(1, 0)).toBe('1 new entry');
    expect(announcementText(5, 1)).toBe('5 new entries, 1 error');
    expect(announcementText(5, 2)).toBe('5 new entries, 2 errors');
  });
});
