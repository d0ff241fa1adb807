import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, HyperLogLog, type Logwire, LogwireMetrics, type StreamMessage } from '../src/index.js';

const instances: Logwire[] = [];
afterEach(async () => {
  for (const instance of instances.splice(0)) await instance.close();
});

/** A seeded PRNG (mulberry32), so the recorded distribution is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function standalone(): LogwireMetrics {
  return new LogwireMetrics(
    {},
    { endpoints: () => [], categoryOf: () => undefined, dir: undefined, onError: (error) => expect.fail(String(error)) },
  );
}

function message(time: number, logger: string, level = 20, type: 'system_log' | 'audit_log' = 'system_log'): StreamMessage {
  return { id: '', position: [0, 0] as never, type, time, level, logger, data: '{}', frame: '' };
}

describe('request metrics', () => {
  it('reports p50/p95/p99 within 1 % of the exact values of a recorded distribution', () => {
    const metrics = standalone();
    const next = random(42);
    const now = Date.UTC(2026, 0, 1, 12, 0, 30);
    const values: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Log-normal response times (median ~ 40 ms, long tail), as real latencies are.
      const u = Math.max(next(), 1e-12);
      const v = next();
      const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      const ms = Math.exp(Math.log(40) + 0.9 * normal);
      values.push(ms);
      metrics.request({ status_code: 200, response_time_ms: ms }, now);
    }
    values.sort((a, b) => a - b);
    const stats = metrics.window(60_000, now);
    expect(stats.requests).toBe(100_000);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = values[Math.floor(q * (values.length - 1))] as number;
      const estimate = stats.quantile(q) as number;
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.01);
    }
  });

  it('computes requests per second and the error rate over a sliding window, forgetting what left it', () => {
    const metrics = standalone();
    const start = Date.UTC(2026, 0, 1, 12, 0, 0);
    for (let second = 0; second < 60; second++) {
      for (let i = 0; i < 10; i++) metrics.request({ status_code: i === 0 ? 503 : 200, response_time_ms: 5 }, start + second * 1000);
    }
    const atMinute = metrics.window(60_000, start + 59_000);
    expect(atMinute.requests).toBe(600);
    expect(atMinute.perSecond).toBe(10);
    expect(atMinute.errorRate).toBeCloseTo(0.1, 10);
    // Five minutes later nothing of it is left in a one-minute window; the five-minute one still has most.
    expect(metrics.window(60_000, start + 6 * 60_000).requests).toBe(0);
    expect(metrics.window(300_000, start + 4 * 60_000).requests).toBe(600);
  });

  it('keeps memory fixed over 1M records and 1M requests with distinct loggers, IPs and users', () => {
    const metrics = standalone();
    const start = Date.UTC(2026, 0, 1, 12, 0, 0);
    const levels = [5, 10, 20, 30, 40, 50];
    const batch: StreamMessage[] = [];
    for (let i = 0; i < 1_000_000; i++) {
      batch.push(message(start + (i % 3_000_000), `svc${i}.part${i % 7}`, levels[i % 6]));
      if (batch.length === 1000) metrics.observe(batch.splice(0));
      metrics.request(
        {
          status_code: 200 + (i % 4) * 100,
          response_time_ms: i % 1000,
          client_ip: `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`,
          user_id: i % 50_000,
        },
        start + (i % 3_000_000),
      );
    }
    const footprint = metrics.footprint();
    expect(footprint.prefixes).toBe(64);
    // The first 64 prefixes (one level each: svcN logs at level N % 6), then every level under "other".
    expect(footprint.recordSeries).toBe(64 + 6);
    expect(footprint.labelMemo).toBeLessThanOrEqual(4096);
    expect(footprint.requestSlots).toBe(90);
    const [hour] = metrics.hourly(1, start + 3_000_000);
    expect(hour!.requests).toBe(1_000_000);
    expect(Object.values(hour!.records).reduce((a, b) => a + b, 0)).toBe(1_000_000);
    // HyperLogLog with 2^14 registers: a standard error of 0.8 %; 3 % is four of them.
    expect(Math.abs(hour!.uniqueIps - 1_000_000) / 1_000_000).toBeLessThan(0.03);
    expect(Math.abs(hour!.uniqueUsers - 50_000) / 50_000).toBeLessThan(0.03);
    expect(hour!.status).toEqual({ '2xx': 250_000, '3xx': 250_000, '4xx': 250_000, '5xx': 250_000 });
    expect(hour!.errors).toBe(250_000);
  });
});

describe('record series', () => {
  it('counts each record of a batch in its own series where type, logger or level change from one record to the next', async () => {
    const metrics = standalone();
    const t = Date.UTC(2026, 0, 1, 12, 0, 0);
    metrics.observe([
      message(t, 'app.a'),
      message(t, 'app.a'),
      message(t, 'app.a', 40),
      message(t, 'app.a', 40, 'audit_log'),
      message(t, 'app.a'),
      message(t, 'web.b'),
      message(t, 'web.b'),
      message(t, 'app.a', 40, 'audit_log'),
    ]);
    const lines = (await metrics.prometheus()).split('\n').filter((line) => line.startsWith('logwire_records_total{'));
    expect(lines.sort()).toEqual([
      'logwire_records_total{level="ERROR",category="audit",logger_prefix="app"} 2',
      'logwire_records_total{level="ERROR",category="system",logger_prefix="app"} 1',
      'logwire_records_total{level="INFO",category="system",logger_prefix="app"} 3',
      'logwire_records_total{level="INFO",category="system",logger_prefix="web"} 2',
    ]);
    expect(metrics.hourly(1, t)[0]!.records).toEqual({ INFO: 5, ERROR: 3 });
  });
});

describe('HyperLogLog', () => {
  it('counts small sets exactly enough and round-trips through base64', () => {
    const sketch = new HyperLogLog();
    for (let i = 0; i < 1000; i++) sketch.add(`user-${i % 100}`);
    expect(sketch.count()).toBe(100);
    expect(HyperLogLog.fromBase64(sketch.toBase64()).count()).toBe(100);
    expect(HyperLogLog.fromBase64('not a sketch').count()).toBe(0);
  });

  it('counts a value added many times in a row once, and the values between repeats', () => {
    const sketch = new HyperLogLog();
    for (const value of ['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.2', '10.0.0.1', '10.0.0.3', '10.0.0.3']) sketch.add(value);
    expect(sketch.count()).toBe(3);
  });
});

describe('records and hourly buckets of an instance', () => {
  it('counts records by level, category and logger prefix, audit records as category audit', () => {
    const logwire = createLogwire({ console: false, workers: false, callsite: false, categories: { 'app.auth': 'auth' } });
    instances.push(logwire);
    logwire.getLogger('app.auth').warning('bad password');
    logwire.getLogger('app.db').error('timeout');
    logwire.getLogger('app.db').error('timeout');
    logwire.audit('user_login', { user: 'ada' });
    logwire.hub.flush();
    const [hour] = logwire.metrics!.hourly(1);
    expect(hour!.records).toEqual({ WARNING: 1, ERROR: 2, INFO: 1 });
  });

  it('keeps hourly buckets across a restart when persistence is on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-metrics-'));
    const first = createLogwire({ console: false, workers: false, persistence: { dir } });
    first.getLogger('app').error('boom');
    first.hub.flush();
    for (let i = 0; i < 20; i++)
      first.metrics!.request({ status_code: i < 5 ? 500 : 200, response_time_ms: 10, client_ip: `10.0.0.${i % 4}`, user_id: 'u1' });
    const before = first.metrics!.hourly(24);
    await first.close();
    expect(fs.existsSync(path.join(dir, 'metrics', 'hourly.json'))).toBe(true);
    const second = createLogwire({ console: false, workers: false, persistence: { dir } });
    instances.push(second);
    const [after] = second.metrics!.hourly(24);
    expect(after).toMatchObject({
      hour: before[0]!.hour,
      requests: 20,
      errors: 5,
      uniqueIps: 4,
      uniqueUsers: 1,
      records: before[0]!.records,
    });
    // The hour goes on counting from where it was.
    second.metrics!.request({ status_code: 200, response_time_ms: 1, client_ip: '10.0.0.9' });
    expect(second.metrics!.hourly(1)[0]).toMatchObject({ requests: 21, uniqueIps: 5 });
  });
});
