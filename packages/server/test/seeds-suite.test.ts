// The original system's handler suite, test by test (tests/test_log_streaming.py, 19 tests, and the
// stream-handler part of tests/unit/test_logging_manager.py), against real parts: real `ws`
// servers on port 0 instead of mocked sockets, real records instead of hand-built LogRecords.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLog, createLogwire, defaultLogwire, getLogger, hasAuditSegment, isAuditRecord, type Logwire } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { collect } from '../../../test/helpers/ws-collector.js';
import { capture } from './logger-capture.js';

let logwire: Logwire | undefined;
let server: Server | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

function setup(options: Parameters<typeof createLogwire>[0] = {}) {
  logwire = createLogwire({ workers: false, ...options });
  return { logwire, out: capture(logwire) };
}

async function serve(lw: Logwire, options?: Parameters<Logwire['attach']>[1]): Promise<string> {
  server = createServer();
  lw.attach(server, options);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/logs`;
}

describe('seeds TestLogStreamHandler', () => {
  it('seed 1 test_handler_initialization: the configured level is kept and a new endpoint has zero clients', async () => {
    const { logwire } = setup({ level: 'DEBUG' });
    const endpoint = logwire.attach(createServer());
    expect(logwire.getLogger('any').isEnabled('DEBUG')).toBe(true);
    expect(logwire.getLogger('any').isEnabled('TRACE')).toBe(false);
    expect(endpoint.clientCount).toBe(0);
  });

  it('seed 2 test_add_remove_client: a connecting client is registered, a closing one removed', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const endpoint = logwire.attach(server!);
    const client = await collect(url);
    await until(
      () => endpoint.clientCount === 1,
      () => `1 client (have ${endpoint.clientCount})`,
    );
    client.ws.close();
    await client.closed;
    await until(
      () => endpoint.clientCount === 0,
      () => `0 clients (have ${endpoint.clientCount})`,
    );
  });

  it('seed 3 test_set_event_loop: there is no loop to hand over; records from timers and promises are delivered', async () => {
    const { logwire, out } = setup({ callsite: false });
    const log = logwire.getLogger('madrox.server');
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        log.info('from a timer');
        resolve();
      }, 1),
    );
    await Promise.resolve().then(() => log.info('from a promise'));
    expect(out.take().map((f) => f.data['message'])).toEqual(['from a timer', 'from a promise']);
  });

  it('seed 4 test_is_audit_log_with_flag: a record from logger "test" with the audit flag is audit', () => {
    expect(isAuditRecord('test', 'Test message', true)).toBe(true);
    const { logwire, out } = setup();
    logwire.getLogger('test').info('Test message', { audit: true });
    expect(out.take()[0]!.type).toBe('audit_log');
  });

  it('seed 5 test_is_audit_log_with_logger_name: logger "audit.test" is audit, as is any `audit` segment', () => {
    expect(isAuditRecord('audit.test', 'Test message', false)).toBe(true);
    expect(['audit', 'audit.test', 'orchestrator.audit', 'test.audit', 'a.audit.b'].every(hasAuditSegment)).toBe(true);
    expect(['auditor', 'x.audits', 'preaudit.x', 'orchestrator.auditing'].some(hasAuditSegment)).toBe(false);
    const { logwire, out } = setup();
    logwire.getLogger('audit.test').info('Test message');
    expect(out.take()[0]!.type).toBe('audit_log');
  });

  it('seed 6 test_is_audit_log_with_message_prefix: "[AUDIT] Test message" is audit and keeps its prefix', () => {
    expect(isAuditRecord('test', '[AUDIT] Test message', false)).toBe(true);
    expect(isAuditRecord('test', 'Test [AUDIT] message', false)).toBe(false);
    const { logwire, out } = setup();
    logwire.getLogger('test').info('[AUDIT] Test message');
    const [frame] = out.take();
    expect(frame!.type).toBe('audit_log');
    expect(frame!.data['message']).toBe('[AUDIT] Test message');
  });

  it('seed 7 test_is_audit_log_system: logger "madrox.server", plain message, no flag is system', () => {
    expect(isAuditRecord('madrox.server', 'Server started', false)).toBe(false);
    const { logwire, out } = setup();
    logwire.getLogger('madrox.server').info('Server started', { audit: false });
    expect(out.take()[0]!.type).toBe('system_log');
  });

  it('seed 8 test_format_system_log_message: madrox.server INFO "Server started" from start_server', () => {
    const { logwire, out } = setup();
    const log = logwire.getLogger('madrox.server');
    function start_server(): void {
      log.info('Server started');
    }
    start_server();
    const [frame] = out.take();
    expect(frame!.type).toBe('system_log');
    expect(Object.keys(frame!.data)).toEqual(['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line']);
    expect(frame!.data).toMatchObject({
      level: 'INFO',
      logger: 'madrox.server',
      message: 'Server started',
      module: 'seeds-suite',
      function: 'start_server',
    });
    expect(typeof frame!.data['line']).toBe('number');
    expect(frame!.data['line']).toBeGreaterThan(0);
    expect(frame!.data['timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('seed 9 test_format_audit_log_message: audit.instance "Instance spawned", action and metadata exactly', () => {
    const { logwire, out } = setup();
    const metadata = { instance_id: 'abc123', role: 'orchestrator' };
    auditLog(logwire.getLogger('audit.instance'), 'Instance spawned', { action: 'instance_spawn', metadata });
    const [frame] = out.take();
    expect(frame!.type).toBe('audit_log');
    expect(frame!.data).toEqual({
      timestamp: expect.any(String),
      level: 'INFO',
      logger: 'audit.instance',
      message: 'Instance spawned',
      action: 'instance_spawn',
      metadata,
    });
  });

  it('seed 10 test_async_broadcast: two clients each receive the message exactly once, identical', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const a = await collect(url);
    const b = await collect(url);
    logwire.getLogger('madrox.server').info('to everyone');
    logwire.getLogger('madrox.server').info('sentinel');
    await a.waitFor(2);
    await b.waitFor(2);
    expect(a.frames).toEqual(b.frames);
    expect(a.frames.map((f) => (f['data'] as { message: string }).message)).toEqual(['to everyone', 'sentinel']);
    a.ws.close();
    b.ws.close();
  });

  it('seed 11 test_async_broadcast_removes_failed_clients: a failed client is dropped, the good one keeps receiving', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const endpoint = logwire.attach(server!);
    const good = await collect(url);
    const bad = await collect(url);
    await until(
      () => endpoint.clientCount === 2,
      () => `2 clients (have ${endpoint.clientCount})`,
    );
    (bad.ws as unknown as { _socket: Socket })._socket.destroy();
    logwire.getLogger('x').info('after the failure');
    await until(
      () => endpoint.clientCount === 1,
      () => `1 client (have ${endpoint.clientCount})`,
    );
    logwire.getLogger('x').info('still flowing');
    const frames = await good.waitFor(2);
    expect(frames.map((f) => (f['data'] as { message: string }).message)).toEqual(['after the failure', 'still flowing']);
    expect(bad.frames).toHaveLength(0);
    good.ws.close();
  });
});

describe('seeds TestAuditLogHelper', () => {
  it("seed 12 test_audit_log_basic: one audit record with the flag's effect, action, metadata and message", () => {
    const { logwire, out } = setup();
    auditLog(logwire.getLogger('test.audit'), 'Instance spawned', { action: 'instance_spawn', metadata: { instance_id: 'test123' } });
    const frames = out.take();
    expect(frames).toHaveLength(1);
    expect(frames[0]!.type).toBe('audit_log');
    expect(frames[0]!.data).toMatchObject({ message: 'Instance spawned', action: 'instance_spawn', metadata: { instance_id: 'test123' } });
  });

  it('seed 13 test_audit_log_with_extra_fields: extra fields are kept (in metadata) and the record stays audit', () => {
    const { logwire, out } = setup();
    auditLog(logwire.getLogger('test'), 'Session event', { action: 'session_start', instance_id: 'inst456', session_id: 'sess789' });
    const [frame] = out.take();
    expect(frame!.type).toBe('audit_log');
    expect(frame!.data['metadata']).toEqual({ instance_id: 'inst456', session_id: 'sess789' });
  });

  it('seed 14 test_audit_log_different_levels: level WARNING is kept and the record is still audit', () => {
    const { logwire, out } = setup({ level: 'ERROR' });
    auditLog(logwire.getLogger('test'), 'Suspicious', { action: 'warn_event', level: 'WARNING' });
    const [frame] = out.take();
    expect(frame!.type).toBe('audit_log');
    expect(frame!.data['level']).toBe('WARNING');
  });
});

describe('seeds TestLogStreamingSetup', () => {
  it('seed 15 test_get_log_stream_handler_singleton: the process-wide instance and loggers are singletons', () => {
    expect(defaultLogwire()).toBe(defaultLogwire());
    expect(getLogger('madrox.server')).toBe(getLogger('madrox.server'));
    expect(getLogger('madrox.server')).toBe(defaultLogwire().getLogger('madrox.server'));
  });

  it('seed 16 test_setup_log_streaming: attach() serves the stream on the given server', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const client = await collect(url);
    logwire.getLogger('madrox.test').info('served');
    expect((await client.waitFor(1))[0]!['data']).toMatchObject({ message: 'served' });
    client.ws.close();
  });

  it('seed 17 test_setup_log_streaming_no_duplicate: attaching twice adds nothing; each message arrives once', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const first = logwire.attach(server!);
    expect(logwire.attach(server!)).toBe(first);
    expect(server!.listenerCount('upgrade')).toBe(1);
    const client = await collect(url);
    logwire.getLogger('x').info('once');
    logwire.getLogger('x').info('sentinel');
    await client.waitFor(2);
    expect(client.frames.map((f) => (f['data'] as { message: string }).message)).toEqual(['once', 'sentinel']);
    client.ws.close();
  });
});

describe('seeds integration flows (real ws server on loopback)', () => {
  it('seed 18 test_integration_system_log_flow: madrox.test info with instance_id reaches the client once', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const client = await collect(url);
    logwire.getLogger('madrox.test').info('Test system log', { instance_id: 'test123' });
    logwire.getLogger('madrox.test').info('sentinel');
    const frames = await client.waitFor(2);
    const first = frames[0] as { type: string; data: Record<string, unknown> };
    expect(first.type).toBe('system_log');
    expect(first.data['message']).toBe('Test system log');
    expect(first.data['instance_id']).toBe('test123');
    expect(frames.filter((f) => (f['data'] as { message: string }).message === 'Test system log')).toHaveLength(1);
    client.ws.close();
  });

  it('seed 19 test_integration_audit_log_flow: audit.test audit_log helper reaches the client once', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const client = await collect(url);
    auditLog(logwire.getLogger('audit.test'), 'Instance spawned', { action: 'instance_spawn', metadata: { instance_id: 'test456' } });
    logwire.getLogger('madrox.test').info('sentinel');
    const frames = await client.waitFor(2);
    const first = frames[0] as { type: string; data: Record<string, unknown> };
    expect(first.type).toBe('audit_log');
    expect(first.data).toMatchObject({ message: 'Instance spawned', action: 'instance_spawn', metadata: { instance_id: 'test456' } });
    expect(frames.filter((f) => f['type'] === 'audit_log')).toHaveLength(1);
    client.ws.close();
  });
});

describe('seeds test_logging_manager.py (stream handler part)', () => {
  it('broadcast wraps system records as {"type":"system_log","data":…} and audit records as {"type":"audit_log","data":…}', async () => {
    const { logwire } = setup();
    const url = await serve(logwire);
    const client = await collect(url);
    logwire.getLogger('orchestrator.core').info('sys');
    logwire.logAuditEvent('instance_spawn', 'abc');
    const frames = await client.waitFor(2);
    expect(frames.map((f) => [f['type'], Object.keys(f)])).toEqual([
      ['system_log', ['type', 'id', 'data']],
      ['audit_log', ['type', 'id', 'data']],
    ]);
    client.ws.close();
  });

  it('logging with no clients and no endpoint does not raise, and the record waits in history', () => {
    const { logwire } = setup();
    expect(() => logwire.getLogger('orchestrator').info('nobody listening')).not.toThrow();
    expect(logwire.hub.historyLength).toBe(1);
  });

  it('extra fields (custom_field, count) appear by name; a value JSON cannot encode becomes a string', () => {
    const { logwire, out } = setup();
    logwire.getLogger('orchestrator').info('extras', { custom_field: 'custom_value', count: 42, big: 12345678901234567890n });
    expect(out.take()[0]!.data).toMatchObject({ custom_field: 'custom_value', count: 42, big: '12345678901234567890' });
  });

  it('skipped WS specs: replay of history arrives before live frames, and a client over the cap is closed with 1008', async () => {
    const { logwire } = setup({ callsite: false });
    const url = await serve(logwire, { maxConnections: 1 });
    logwire.getLogger('orchestrator').info('history 1');
    logwire.audit('instance_spawn', { instance_id: 'h' });
    const client = await collect(url);
    await client.waitFor(2);
    logwire.getLogger('orchestrator').info('live');
    const frames = await client.waitFor(3);
    expect(frames.map((f) => (f['data'] as { message: string }).message)).toEqual(['history 1', 'instance_spawn', 'live']);
    const extra = await collect(url);
    expect(await extra.closed).toEqual({ code: 1008, reason: 'Connection limit reached' });
    client.ws.close();
  });
});
