import { afterEach, describe, expect, it } from 'vitest';
import { Level } from '@logwire/protocol';
import { createLogwire, Logger, type Logwire } from '../src/index.js';
import { LEVEL_METHODS } from '../src/logger/logger.js';
import { capture } from './logger-capture.js';

let logwire: Logwire | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

function setup(level: 'TRACE' | 'INFO') {
  logwire = createLogwire({ workers: false, callsite: true, level });
  return { logwire, out: capture(logwire) };
}

describe('Logger level methods: generated from one table', () => {
  it('has one method per table row, logging at its level with the call site of its caller', () => {
    const { logwire, out } = setup('TRACE');
    const log = logwire.getLogger('app');
    for (const [method] of LEVEL_METHODS) {
      expect(typeof Logger.prototype[method]).toBe('function');
      log[method](`via ${method}`);
    }
    const frames = out.take();
    const expected = LEVEL_METHODS.map(([method, level]) => [`via ${method}`, level]);
    expect(frames.map((frame) => [frame.data['message'], frame.data['level']])).toEqual(expected);
    // The call site is this test, not the generated method.
    expect(frames.map((frame) => frame.data['module'])).toEqual(frames.map(() => 'logger-levels'));
    expect(LEVEL_METHODS.every(([, level]) => Level[level] !== undefined)).toBe(true);
  });
});

describe('one audit rule, above and below the threshold', () => {
  // Each call is made once with every level enabled and once below the INFO threshold: the record
  // must be audit in the first run exactly when it is kept in the second (audit is never dropped by
  // level, and nothing else is kept below the threshold).
  const error = Object.assign(new Error('boom'), { audit: true });
  const cases: [string, (logwire: Logwire) => void][] = [
    ['plain message', (lw) => lw.getLogger('app').debug('plain')],
    ['[AUDIT] message', (lw) => lw.getLogger('app').debug('[AUDIT] reboot')],
    ['audit: true in fields', (lw) => lw.getLogger('app').debug('flagged', { audit: true })],
    ['pino order, audit: true', (lw) => lw.getLogger('app').debug({ audit: true }, 'flagged')],
    ['audit logger segment', (lw) => lw.getLogger('orch.audit.x').debug('by name')],
    ['child bound audit: true', (lw) => lw.getLogger('app').child({ audit: true }).debug('bound')],
    ['call overrides bound audit', (lw) => lw.getLogger('app').child({ audit: true }).debug('unbound', { audit: false })],
    ['Error whose message starts [AUDIT]', (lw) => lw.getLogger('app').debug(new Error('[AUDIT] from error'))],
    ['Error carrying audit: true', (lw) => lw.getLogger('app').debug(error, 'error flag')],
    ['number message, audit fields', (lw) => lw.getLogger('app').log('debug', 42 as unknown as string, { audit: true })],
  ];

  for (const [name, call] of cases) {
    it(name, async () => {
      const enabled = setup('TRACE');
      call(enabled.logwire);
      const [record] = enabled.out.take();
      const audit = record?.type === 'audit_log';
      await enabled.logwire.close();
      const below = setup('INFO');
      call(below.logwire);
      const kept = below.out.take();
      expect(kept.length).toBe(audit ? 1 : 0);
      if (audit) expect(kept[0]!.type).toBe('audit_log');
    });
  }
});
