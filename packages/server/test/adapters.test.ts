import pino from 'pino';
import winston from 'winston';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire, pinoDestination, pinoLevel, winstonLevel, winstonTransport } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { capture, type Frame } from './logger-capture.js';

const SYSTEM_KEYS = ['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line'];
let logwire: Logwire | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

function setup(options: Parameters<typeof createLogwire>[0] = {}) {
  logwire = createLogwire({ workers: false, ...options });
  return { logwire, out: capture(logwire) };
}

async function framesAfterTurn(logwire: Logwire, out: { frames: Frame[] }, count: number): Promise<Frame[]> {
  await until(
    () => out.frames.length >= count,
    () => `${count} frames (have ${out.frames.length})`,
  );
  return out.frames.splice(0, out.frames.length);
}

describe('pino destination', () => {
  it("maps pino's numeric levels, msg, time, name and fields onto system_log", async () => {
    const { logwire, out } = setup();
    const log = pino({ level: 'trace', name: 'orchestrator.server' }, pinoDestination(logwire));
    const before = Date.now();
    log.trace('t');
    log.debug('d');
    log.info({ instance_id: 'abc123', port: 8001 }, 'Server started');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    const frames = await framesAfterTurn(logwire, out, 6);
    expect(frames.map((f) => f.data['level'])).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
    const started = frames[2]!;
    expect(started.type).toBe('system_log');
    expect(Object.keys(started.data)).toEqual([...SYSTEM_KEYS, 'instance_id', 'port']);
    expect(started.data).toMatchObject({
      logger: 'orchestrator.server',
      message: 'Server started',
      module: '',
      function: '',
      line: 0,
      instance_id: 'abc123',
      port: 8001,
    });
    const at = Date.parse(started.data['timestamp'] as string);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it("turns pino's err into `error` (with stack), takes the logger from child bindings, drops pid/hostname", async () => {
    const { logwire, out } = setup();
    const log = pino(pinoDestination(logwire, { name: 'fallback' }));
    log.error(new Error('db down'), 'query failed');
    log.child({ name: 'db.pool', instance_id: 'i1' }).info('child line');
    log.info('no name');
    const [a, b, c] = await framesAfterTurn(logwire, out, 3);
    expect(a!.data).toMatchObject({ logger: 'fallback', message: 'query failed', error: { type: 'Error', message: 'db down' } });
    expect((a!.data['error'] as { stack: string }).stack).toContain('adapters.test.ts');
    expect(a!.data['pid']).toBeUndefined();
    expect(a!.data['hostname']).toBeUndefined();
    expect(b!.data).toMatchObject({ logger: 'db.pool', message: 'child line', instance_id: 'i1' });
    expect(c!.data['logger']).toBe('fallback');
  });

  it("classifies audit lines by the seeds' rules and redacts before the hub", async () => {
    const { logwire, out } = setup();
    const log = pino({ name: 'orchestrator.audit' }, pinoDestination(logwire));
    log.info({ event_type: 'instance_spawn', instance_id: 'i1', details: { role: 'general' } }, 'instance_spawn');
    pino(pinoDestination(logwire)).info({ password: 'hunter2', headers: { Authorization: 'Bearer x' } }, 'login token=abc');
    const [a, b] = await framesAfterTurn(logwire, out, 2);
    expect(a!.type).toBe('audit_log');
    expect(a!.data).toMatchObject({
      logger: 'orchestrator.audit',
      action: 'instance_spawn',
      metadata: { instance_id: 'i1', details: { role: 'general' } },
    });
    expect(b!.data).toMatchObject({ message: 'login token=[REDACTED]', password: '[REDACTED]', headers: { Authorization: '[REDACTED]' } });
  });

  it('works as one stream of pino.multistream, honours its own minimum level and custom keys', async () => {
    const { logwire, out } = setup();
    const log = pino(
      { level: 'debug', messageKey: 'text', timestamp: pino.stdTimeFunctions.isoTime },
      pino.multistream([{ level: 'debug', stream: pinoDestination(logwire, { messageKey: 'text', level: 'INFO', name: 'multi' }) }]),
    );
    log.debug('below the adapter level');
    log.info('kept');
    const [a] = await framesAfterTurn(logwire, out, 1);
    expect(a!.data).toMatchObject({ logger: 'multi', message: 'kept', level: 'INFO' });
    expect(a!.data['timestamp']).toMatch(/Z$/);
    expect(out.frames).toHaveLength(0);
  });

  it("queues lines and formats them at the end of the turn (the log call only stores pino's line)", async () => {
    const { logwire, out } = setup();
    const destination = pinoDestination(logwire);
    const log = pino(destination);
    log.info('deferred');
    logwire.hub.flush();
    expect(out.frames).toHaveLength(0);
    destination.flush();
    logwire.hub.flush();
    expect(out.frames.map((f) => f.data['message'])).toEqual(['deferred']);
  });

  it('gives each line the request context current when pino wrote it, not the one current when it is formatted', async () => {
    const { logwire, out } = setup();
    const destination = pinoDestination(logwire);
    const log = pino(destination);
    const audit = pino({ name: 'orchestrator.audit' }, destination);
    logwire.context.run({ request_id: 'r1', user_id: 'u1' }, () => log.info('first request'));
    logwire.context.run({ request_id: 'r2' }, () => {
      log.info({ user_id: 'explicit' }, 'second request');
      audit.info({ event_type: 'instance_spawn', instance_id: 'i1' }, 'instance_spawn');
    });
    log.info('outside any request');
    destination.write('not json\n');
    // Formatted inside a third request: none of its fields may reach the lines written before.
    logwire.context.run({ request_id: 'r3' }, () => destination.flush());
    logwire.hub.flush();
    const [first, second, event, outside, raw] = out.frames;
    expect(first!.data).toMatchObject({ message: 'first request', request_id: 'r1', user_id: 'u1' });
    expect(second!.data).toMatchObject({ message: 'second request', request_id: 'r2', user_id: 'explicit' });
    expect(event!.type).toBe('audit_log');
    expect(event!.data['metadata']).toMatchObject({ instance_id: 'i1', request_id: 'r2' });
    expect(outside!.data['request_id']).toBeUndefined();
    expect(raw!.data).toMatchObject({ message: 'not json' });
    expect(raw!.data['request_id']).toBeUndefined();
  });

  it('takes a context handed to ingest: its fields under the record, and no ids from a span that is not valid', () => {
    const { logwire, out } = setup();
    const span = { spanContext: () => ({ traceId: 'not-a-trace', spanId: 'nope' }) };
    logwire.ingest(
      { level: 'INFO', logger: 'custom', message: 'made earlier', fields: { user_id: 'explicit' } },
      { fields: { request_id: 'r9', user_id: 'u9' }, span },
    );
    logwire.context.run({ request_id: 'current' }, () => logwire.ingest({ level: 'INFO', logger: 'custom', message: 'no context' }, false));
    logwire.hub.flush();
    const [made, none] = out.frames;
    expect(made!.data).toMatchObject({ message: 'made earlier', request_id: 'r9', user_id: 'explicit' });
    expect(made!.data).not.toHaveProperty('trace_id');
    expect(none!.data).not.toHaveProperty('request_id');
  });

  it('keeps each request its own ids across 1,000 interleaved requests logging through pino', async () => {
    const { logwire, out } = setup();
    const log = pino(pinoDestination(logwire));
    const requests = Array.from({ length: 1000 }, (_, i) =>
      logwire.context.run({ request_id: `req-${i}` }, async () => {
        log.info({ i }, 'before');
        await new Promise<void>((resolve) => setImmediate(resolve));
        log.info({ i }, 'after');
      }),
    );
    await Promise.all(requests);
    const frames = await framesAfterTurn(logwire, out, 2000);
    expect(frames).toHaveLength(2000);
    for (const frame of frames) expect(frame.data['request_id']).toBe(`req-${frame.data['i'] as number}`);
  });

  it('keeps a line that is not JSON as the message of an INFO record', async () => {
    const { logwire, out } = setup();
    const destination = pinoDestination(logwire, { name: 'raw' });
    destination.write('plain text line\n');
    const [a] = await framesAfterTurn(logwire, out, 1);
    expect(a!.data).toMatchObject({ level: 'INFO', logger: 'raw', message: 'plain text line' });
  });

  it('maps custom numeric levels to the nearest standard level below', () => {
    expect([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70].map(pinoLevel)).toEqual([
      'TRACE',
      'TRACE',
      'TRACE',
      'DEBUG',
      'DEBUG',
      'INFO',
      'INFO',
      'WARNING',
      'WARNING',
      'ERROR',
      'ERROR',
      'CRITICAL',
      'CRITICAL',
    ]);
    expect(pinoLevel('warn')).toBe('WARNING');
    expect(pinoLevel('bogus')).toBe('INFO');
  });
});

describe('winston transport', () => {
  it("maps winston's levels, message and meta onto system_log", async () => {
    const { logwire, out } = setup();
    const log = winston.createLogger({
      level: 'silly',
      transports: [winstonTransport(logwire, { name: 'orchestrator.instance_manager' })],
    });
    log.silly('s');
    log.debug('d');
    log.verbose('v');
    log.http('h');
    log.info('Instance spawned', { instance_id: 'abc123', memory_mb: 512 });
    log.warn('w');
    log.error('e');
    const frames = await framesAfterTurn(logwire, out, 7);
    expect(frames.map((f) => f.data['level'])).toEqual(['TRACE', 'DEBUG', 'DEBUG', 'INFO', 'INFO', 'WARNING', 'ERROR']);
    const spawned = frames[4]!;
    expect(Object.keys(spawned.data)).toEqual([...SYSTEM_KEYS, 'instance_id', 'memory_mb']);
    expect(spawned.data).toMatchObject({
      logger: 'orchestrator.instance_manager',
      message: 'Instance spawned',
      instance_id: 'abc123',
      memory_mb: 512,
    });
  });

  it('writes a message that is not a string as JSON, not as [object Object]', async () => {
    const { logwire, out } = setup();
    const log = winston.createLogger({ transports: [winstonTransport(logwire)] });
    log.log({ level: 'info', message: { a: 1 } as unknown as string });
    log.log({ level: 'info', message: 42 as unknown as string });
    const frames = await framesAfterTurn(logwire, out, 2);
    expect(frames.map((f) => f.data['message'])).toEqual(['{"a":1}', '42']);
  });

  it("takes the time from format.timestamp(), the logger from a child's `logger` field, and keeps splat values", async () => {
    const { logwire, out } = setup();
    const log = winston.createLogger({
      format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.colorize()),
      transports: [winstonTransport(logwire)],
    });
    log.child({ logger: 'db.pool' }).info('pool ready', { size: 4 });
    log.info('took %d ms', 12);
    log.error(new Error('disk full'));
    const frames = await framesAfterTurn(logwire, out, 3);
    const [a, b, c] = frames;
    expect(a!.data).toMatchObject({ logger: 'db.pool', message: 'pool ready', size: 4, level: 'INFO' });
    expect(a!.data['timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(b!.data).toMatchObject({ logger: 'winston', message: 'took %d ms', splat: [12] });
    expect(c!.data).toMatchObject({ level: 'ERROR', message: 'disk full' });
    expect(c!.data['stack']).toContain('disk full');
  });

  it('classifies audit records and redacts secrets in winston meta', async () => {
    const { logwire, out } = setup();
    const log = winston.createLogger({ transports: [winstonTransport(logwire, { name: 'audit.instance' })] });
    log.info('Instance spawned', { action: 'instance_spawn', metadata: { instance_id: 'test456' } });
    winston.createLogger({ transports: [winstonTransport(logwire)] }).info('[AUDIT] key rotated', { api_key: 'k', action: 'key_rotate' });
    const [a, b] = await framesAfterTurn(logwire, out, 2);
    expect(a!.type).toBe('audit_log');
    expect(a!.data).toMatchObject({
      logger: 'audit.instance',
      message: 'Instance spawned',
      action: 'instance_spawn',
      metadata: { instance_id: 'test456' },
    });
    expect(b!.data).toMatchObject({ action: 'key_rotate', metadata: { api_key: '[REDACTED]' } });
  });

  it('maps syslog and colourised level names', () => {
    expect(
      ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug', '\u001b[31merror\u001b[39m', 'constructor', 42].map(
        winstonLevel,
      ),
    ).toEqual(['CRITICAL', 'CRITICAL', 'CRITICAL', 'ERROR', 'WARNING', 'INFO', 'INFO', 'DEBUG', 'ERROR', 'INFO', 'INFO']);
  });
});
