import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type AlertDefinition, type AlertEvent, createLogwire, type Logwire, LogwireErrorCode } from '../src/index.js';

const instances: Logwire[] = [];
beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 0, 1, 12, 0, 0), toFake: ['Date', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(async () => {
  vi.useRealTimers();
  for (const instance of instances.splice(0)) await instance.close();
});

interface Setup {
  lw: Logwire;
  events: AlertEvent[];
  audits: { action: string; metadata: Record<string, unknown> }[];
}

function setup(definition: Omit<AlertDefinition, 'notify'>, dir?: string): Setup {
  const lw = createLogwire({ console: false, workers: false, callsite: false, ...(dir === undefined ? {} : { persistence: { dir } }) });
  instances.push(lw);
  const events: AlertEvent[] = [];
  const audits: Setup['audits'] = [];
  lw.hub.on((batch) => {
    for (const message of batch) {
      if (message.type !== 'audit_log') continue;
      const data = JSON.parse(message.data) as { action: string; metadata: Record<string, unknown> };
      audits.push({ action: data.action, metadata: data.metadata });
    }
  });
  lw.alerts.add({ ...definition, notify: (event) => void events.push(event) });
  return { lw, events, audits };
}

/** Logs `count` records, delivers them, and lets `ms` pass (the alerts evaluate every second). */
function log(lw: Logwire, count: number, level: 'error' | 'info' = 'error', logger = 'app'): void {
  for (let i = 0; i < count; i++) lw.getLogger(logger)[level](`event ${i}`);
  lw.hub.flush();
}

function advance(lw: Logwire, ms: number): void {
  vi.advanceTimersByTime(ms);
  lw.hub.flush();
}

// Seed 003's alarm: more than 10 ERROR records in 5 minutes.
const TOO_MANY_ERRORS = { count: { level: 'ERROR', types: ['system_log'] }, window: '5m', above: 10 } as const;

describe('count alerts', () => {
  it('fires when the threshold is crossed and resolves when the window empties, with audit events', () => {
    const { lw, events, audits } = setup({ name: 'errors', when: TOO_MANY_ERRORS });
    log(lw, 10);
    advance(lw, 1000);
    expect(lw.alerts.list()[0]).toMatchObject({ status: 'inactive', value: 10 });
    log(lw, 1);
    log(lw, 5, 'info');
    advance(lw, 1000);
    expect(lw.alerts.list()[0]).toMatchObject({ status: 'firing', value: 11 });
    expect(events).toEqual([expect.objectContaining({ alert: 'errors', state: 'firing', value: 11 })]);
    expect(audits).toEqual([{ action: 'alert_fired', metadata: expect.objectContaining({ alert: 'errors', value: 11 }) }]);
    advance(lw, 5 * 60_000);
    expect(lw.alerts.list()[0]).toMatchObject({ status: 'resolved', value: 0 });
    expect(events.map((event) => event.state)).toEqual(['firing', 'resolved']);
    expect(audits.map((audit) => audit.action)).toEqual(['alert_fired', 'alert_resolved']);
  });

  it('stays pending for the `for` duration and fires only if the condition still holds', () => {
    const { lw, events } = setup({ name: 'errors', when: TOO_MANY_ERRORS, for: '2m' });
    log(lw, 11);
    advance(lw, 1000);
    expect(lw.alerts.list()[0]!.status).toBe('pending');
    advance(lw, 60_000);
    expect(lw.alerts.list()[0]!.status).toBe('pending');
    expect(events).toEqual([]);
    advance(lw, 60_000);
    expect(lw.alerts.list()[0]!.status).toBe('firing');
    expect(events).toHaveLength(1);
  });

  it('goes back to inactive when the condition stops holding while pending', () => {
    const { lw, events } = setup({ name: 'errors', when: TOO_MANY_ERRORS, for: '10m' });
    log(lw, 11);
    advance(lw, 1000);
    expect(lw.alerts.list()[0]!.status).toBe('pending');
    advance(lw, 5 * 60_000);
    expect(lw.alerts.list()[0]!.status).toBe('inactive');
    expect(events).toEqual([]);
  });

  it('does not fire again within the cooldown, then fires once it has passed', () => {
    const { lw, events } = setup({ name: 'errors', when: TOO_MANY_ERRORS, cooldown: '10m' });
    log(lw, 11);
    advance(lw, 1000);
    advance(lw, 5 * 60_000);
    expect(events.map((event) => event.state)).toEqual(['firing', 'resolved']);
    log(lw, 11);
    advance(lw, 1000);
    expect(lw.alerts.list()[0]!.status).toBe('pending');
    advance(lw, 3 * 60_000);
    expect(events).toHaveLength(2);
    log(lw, 11);
    advance(lw, 2 * 60_000);
    expect(lw.alerts.list()[0]!.status).toBe('firing');
    expect(events.map((event) => event.state)).toEqual(['firing', 'resolved', 'firing']);
  });
});

describe('ratio, latency and absence alerts', () => {
  it('fires on an error rate above the ratio', () => {
    const { lw, events } = setup({
      name: 'error-rate',
      when: { ratio: { loggers: ['http'], level: 'ERROR' }, of: { loggers: ['http'] }, window: '1m', above: 0.2 },
    });
    log(lw, 8, 'info', 'http');
    log(lw, 2, 'error', 'http');
    log(lw, 50, 'error', 'app');
    advance(lw, 1000);
    expect(lw.alerts.list()[0]).toMatchObject({ status: 'inactive', value: 0.2 });
    log(lw, 1, 'error', 'http');
    advance(lw, 1000);
    expect(lw.alerts.list()[0]!.status).toBe('firing');
    expect(events[0]!.value).toBeCloseTo(3 / 11, 10);
  });

  it('fires on a response-time percentile of the request metrics', () => {
    const { lw, events } = setup({ name: 'slow', when: { latency: 0.95, window: '1m', above: 500 } });
    for (let i = 0; i < 100; i++) lw.metrics!.request({ status_code: 200, response_time_ms: i < 90 ? 20 : 900 });
    advance(lw, 1000);
    expect(lw.alerts.list()[0]!.status).toBe('firing');
    expect(Math.abs(events[0]!.value - 900) / 900).toBeLessThan(0.01);
    advance(lw, 2 * 60_000);
    expect(lw.alerts.list()[0]!.status).toBe('resolved');
  });

  it('fires when no heartbeat arrives for 10 minutes and resolves when one does', () => {
    const { lw, events } = setup({ name: 'heartbeat', when: { absent: { loggers: ['app.heartbeat'] }, window: '10m' } });
    for (let minute = 0; minute < 15; minute++) {
      log(lw, 1, 'info', 'app.heartbeat');
      advance(lw, 60_000);
    }
    expect(lw.alerts.list()[0]!.status).toBe('inactive');
    // The last heartbeat was a minute ago; other records do not count.
    log(lw, 5, 'info', 'app.other');
    advance(lw, 8 * 60_000);
    expect(lw.alerts.list()[0]!.status).toBe('inactive');
    advance(lw, 60_000);
    expect(lw.alerts.list()[0]!.status).toBe('firing');
    log(lw, 1, 'info', 'app.heartbeat');
    advance(lw, 1000);
    expect(lw.alerts.list()[0]!.status).toBe('resolved');
    expect(events.map((event) => event.state)).toEqual(['firing', 'resolved']);
  });
});

describe('restart', () => {
  it('rebuilds the windows from the restored history, so a condition that held before a restart fires at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-alerts-'));
    const first = createLogwire({ console: false, workers: false, persistence: { dir } });
    log(first, 11);
    await first.close();
    const { lw, events } = setup({ name: 'errors', when: TOO_MANY_ERRORS }, dir);
    advance(lw, 1000);
    expect(lw.alerts.list()[0]).toMatchObject({ status: 'firing', value: 11 });
    expect(events).toHaveLength(1);
  });
});

describe('definitions', () => {
  it('refuses invalid definitions with a stable code', () => {
    const lw = createLogwire({ console: false, workers: false });
    instances.push(lw);
    const invalid = [
      { name: '', when: TOO_MANY_ERRORS },
      { name: 'x', when: { count: { level: 'LOUD' }, window: '5m', above: 1 } },
      { name: 'x', when: { count: {}, window: 'soon', above: 1 } },
      { name: 'x', when: { latency: 2, window: '1m', above: 1 } },
      { name: 'x', when: { nothing: true } },
    ] as unknown as AlertDefinition[];
    for (const definition of invalid)
      expect(() => lw.alerts.add(definition)).toThrow(expect.objectContaining({ code: LogwireErrorCode.InvalidOption }));
    lw.alerts.add({ name: 'x', when: TOO_MANY_ERRORS });
    expect(() => lw.alerts.add({ name: 'x', when: TOO_MANY_ERRORS })).toThrow(/exists already/);
    expect(lw.alerts.remove('x')).toBe(true);
  });
});
