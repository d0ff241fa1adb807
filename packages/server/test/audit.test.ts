import { afterEach, describe, expect, it } from 'vitest';
import { AuditAction, audit, auditLog, createLogwire, defaultLogwire, getLogger, logAuditEvent, type Logwire } from '../src/index.js';
import { capture } from './logger-capture.js';

const AUDIT_KEYS = ['timestamp', 'level', 'logger', 'message', 'action', 'metadata'];
let logwire: Logwire | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

function setup(options: Parameters<typeof createLogwire>[0] = {}) {
  logwire = createLogwire({ workers: false, callsite: false, ...options });
  return { logwire, out: capture(logwire) };
}

describe('audit API', () => {
  it('audit(action, metadata, { level, message }) sends exactly the six audit fields', () => {
    const { logwire, out } = setup();
    logwire.audit(
      'instance_spawn',
      { instance_id: 'abc123', role: 'orchestrator' },
      { message: "Spawned instance 'Zesty-Narwhal'", level: 'WARNING' },
    );
    logwire.audit('user.login');
    const [a, b] = out.take();
    expect(a!.type).toBe('audit_log');
    expect(Object.keys(a!.data)).toEqual(AUDIT_KEYS);
    expect(a!.data).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      level: 'WARNING',
      logger: 'audit',
      message: "Spawned instance 'Zesty-Narwhal'",
      action: 'instance_spawn',
      metadata: { instance_id: 'abc123', role: 'orchestrator' },
    });
    expect(b!.data).toMatchObject({ level: 'INFO', logger: 'audit', message: 'user.login', action: 'user.login', metadata: {} });
  });

  it('is never dropped by level thresholds, whichever way it is made', () => {
    const { logwire, out } = setup({ level: 'CRITICAL' });
    logwire.audit('kept_by_audit_call');
    logwire.getLogger('app').info('[AUDIT] kept by prefix');
    logwire.getLogger('orchestrator.audit').debug('kept by logger segment');
    logwire.getLogger('app').debug('kept by flag', { audit: true, action: 'flagged' });
    logwire.getLogger('app').error('dropped system record');
    expect(out.take().map((f) => [f.type, f.data['message']])).toEqual([
      ['audit_log', 'kept_by_audit_call'],
      ['audit_log', '[AUDIT] kept by prefix'],
      ['audit_log', 'kept by logger segment'],
      ['audit_log', 'kept by flag'],
    ]);
  });

  it("logger.audit() uses the logger's name and adds its bound fields to the metadata", () => {
    const { logwire, out } = setup();
    logwire
      .getLogger('billing')
      .child({ tenant: 't1' })
      .audit('invoice_paid', { amount: 5 }, { level: 'NOPE' as 'INFO' });
    expect(out.take()[0]!.data).toMatchObject({
      logger: 'billing',
      level: 'INFO',
      action: 'invoice_paid',
      metadata: { tenant: 't1', amount: 5 },
    });
  });

  it('logAuditEvent(eventType, instanceId, details) matches the seeds: orchestrator.audit, INFO, {instance_id, details, ...extra}', () => {
    const { logwire, out } = setup();
    logwire.logAuditEvent(
      'instance_spawn',
      'abc-123',
      { instance_name: 'test-instance', role: 'general', bypass_isolation: false },
      { parent_id: 'p1' },
    );
    logwire.logAuditEvent('manager_daemon_failure');
    const [a, b] = out.take();
    expect(a!.data).toEqual({
      timestamp: expect.any(String),
      level: 'INFO',
      logger: 'orchestrator.audit',
      message: 'instance_spawn',
      action: 'instance_spawn',
      metadata: {
        parent_id: 'p1',
        instance_id: 'abc-123',
        details: { instance_name: 'test-instance', role: 'general', bypass_isolation: false },
      },
    });
    expect(b!.data['metadata']).toEqual({ instance_id: null, details: {} });
  });

  it("a record made audit by the seeds' rules takes action from `action` or `event_type` and the rest as metadata", () => {
    const { logwire, out } = setup();
    logwire
      .getLogger('orchestrator.audit')
      .info('instance_spawn', { event_type: 'instance_spawn', instance_id: 'i1', details: { role: 'general' } });
    logwire.getLogger('app').warning('[AUDIT] permission change', { action: 'role_grant', metadata: { role: 'admin' }, actor: 'ann' });
    logwire.getLogger('test.audit').info('no action given');
    const [a, b, c] = out.take();
    expect(a!.data).toMatchObject({
      logger: 'orchestrator.audit',
      action: 'instance_spawn',
      metadata: { instance_id: 'i1', details: { role: 'general' } },
    });
    expect(b!.data).toMatchObject({
      level: 'WARNING',
      message: '[AUDIT] permission change',
      action: 'role_grant',
      metadata: { role: 'admin', actor: 'ann' },
    });
    expect(c!.data).toMatchObject({ action: 'no action given', metadata: {} });
    for (const frame of [a, b, c]) expect(Object.keys(frame!.data)).toEqual(AUDIT_KEYS);
  });

  it("exports the seeds' standard action names as constants", () => {
    expect(AuditAction).toEqual({
      InstanceSpawn: 'instance_spawn',
      InstanceTerminate: 'instance_terminate',
      MessageSent: 'message_sent',
      MessageReceived: 'message_received',
      MessageExchange: 'message_exchange',
      StateChange: 'state_change',
      CoordinationStart: 'coordination_start',
      CoordinationComplete: 'coordination_complete',
      Error: 'error',
      Timeout: 'timeout',
      InstanceSuspended: 'instance_suspended',
      InstanceResumed: 'instance_resumed',
    });
  });

  it('the process-wide audit(), logAuditEvent() and auditLog() feed the default instance', () => {
    const out = capture(defaultLogwire());
    audit(AuditAction.CoordinationStart, { coordinator_id: 'coord-1', participants: ['abc-123', 'def-456'] });
    logAuditEvent(AuditAction.InstanceTerminate, 'abc-123', { force: false });
    auditLog(getLogger('audit.instance'), 'Instance abc-123 terminated', {
      action: AuditAction.InstanceTerminate,
      metadata: { reason: 'task_complete' },
      level: 'WARNING',
      uptime_seconds: 300,
    });
    const frames = out.take();
    expect(frames.map((f) => [f.data['logger'], f.data['action'], f.data['level']])).toEqual([
      ['audit', 'coordination_start', 'INFO'],
      ['orchestrator.audit', 'instance_terminate', 'INFO'],
      ['audit.instance', 'instance_terminate', 'WARNING'],
    ]);
    expect(frames[2]!.data['metadata']).toEqual({ reason: 'task_complete', uptime_seconds: 300 });
  });
});
