import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { normalizeFilter, parse, parseClientMessage, ProtocolErrorCode } from '../src/index.js';

const welcome = {
  type: 'welcome',
  data: {
    v: 1,
    epoch: 'k3f9a1Qz',
    head: '1760000000500-0',
    mode: 'resumed',
    ping: 25000,
    audit: true,
    filter: { types: ['system_log', 'audit_log'], level: 'TRACE', loggers: [], text: '' },
  },
};
const entry = {
  type: 'system_log',
  id: '1760000000500-0',
  data: { timestamp: '2025-10-08T18:30:45.123Z', level: 'INFO', logger: 'a', message: 'm', module: '', function: '', line: 0 },
};
const batch = { type: 'batch', data: { epoch: 'k3f9a1Qz', from: '1760000000123-0', to: '1760000000500-0', messages: [entry] } };

describe('server control messages', () => {
  it('reads welcome, batch, gap, subscribed, error and ping as the spec shows them', () => {
    expect(parse(JSON.stringify(welcome))).toEqual({ ok: true, message: welcome });
    expect(parse(JSON.stringify(batch))).toEqual({ ok: true, message: batch });
    const replayPage = { type: 'batch', data: { epoch: 'e', from: null, to: null, messages: [], replay: true } };
    expect(parse(JSON.stringify(replayPage))).toEqual({ ok: true, message: replayPage });
    const gap = { type: 'gap', data: { from: '1-0', to: null, reason: 'epoch', epoch: 'old' } };
    expect(parse(JSON.stringify(gap))).toEqual({ ok: true, message: gap });
    const subscribed = { type: 'subscribed', data: { filter: { level: 'INFO' }, at: null } };
    expect(parse(JSON.stringify(subscribed))).toEqual({ ok: true, message: subscribed });
    const error = { type: 'error', data: { code: 'bad_filter', message: 'no' } };
    expect(parse(JSON.stringify(error))).toEqual({ ok: true, message: error });
    expect(parse('{"type":"ping","data":{"ts":1760000000123}}').ok).toBe(true);
    const withAlerts = { ...welcome, data: { ...welcome.data, alerts: [], alertActions: false } };
    expect(parse(JSON.stringify(withAlerts))).toEqual({ ok: true, message: withAlerts });
  });

  it('refuses malformed control messages with the path of the bad field', () => {
    const cases: [unknown, string][] = [
      [{ ...welcome, data: { ...welcome.data, head: 5 } }, 'data.head'],
      [{ ...welcome, data: { ...welcome.data, audit: 'yes' } }, 'data.audit'],
      [{ ...welcome, data: { ...welcome.data, ping: -1 } }, 'data.ping'],
      [{ ...welcome, data: { ...welcome.data, alertActions: 'yes' } }, 'data.alertActions'],
      [{ ...batch, data: { ...batch.data, messages: {} } }, 'data.messages'],
      [{ ...batch, data: { ...batch.data, from: 3 } }, 'data.from'],
      [{ ...batch, data: { ...batch.data, replay: 'yes' } }, 'data.replay'],
      [{ ...batch, data: { ...batch.data, messages: [{ ...entry, data: { ...entry.data, line: 'x' } }] } }, 'data.messages.0.data.line'],
      [{ ...batch, data: { ...batch.data, messages: [{ type: 'ping' }] } }, 'data.messages.0.type'],
      [{ type: 'subscribed', data: { filter: null, at: null } }, 'data.filter'],
      [{ type: 'error', data: { code: 1, message: 'x' } }, 'data.code'],
    ];
    for (const [value, path] of cases) {
      const result = parse(JSON.stringify(value));
      expect(result.ok ? 'ok' : [result.error.code, result.error.path]).toEqual([ProtocolErrorCode.InvalidMessage, path]);
    }
  });
});

describe('parseClientMessage', () => {
  it('reads a hello with cursor, filter, capabilities, auth and tail, normalising the filter', () => {
    const hello = {
      type: 'hello',
      data: {
        v: 1,
        cursor: { epoch: 'e1', id: '1760000000123-0' },
        filter: { types: ['audit_log', 'system_log', 'audit_log'], level: 'warn', loggers: ['b.*', '!a', 'b.*'], text: 'x' },
        capabilities: ['batch', 'future'],
        auth: 't',
        tail: 5,
      },
    };
    expect(parseClientMessage(JSON.stringify(hello))).toEqual({
      ok: true,
      message: {
        type: 'hello',
        data: {
          v: 1,
          cursor: { epoch: 'e1', id: '1760000000123-0' },
          filter: { types: ['system_log', 'audit_log'], level: 'WARNING', loggers: ['!a', 'b.*'], text: 'x' },
          capabilities: ['batch', 'future'],
          auth: 't',
          tail: 5,
        },
      },
    });
    expect(parseClientMessage(Buffer.from('{"type":"hello","data":{"v":1}}'))).toEqual({
      ok: true,
      message: { type: 'hello', data: { v: 1, filter: { types: ['system_log', 'audit_log'], level: 'TRACE', loggers: [], text: '' } } },
    });
    expect(parseClientMessage('{"type":"pong","data":{"ts":5,"extra":1}}')).toEqual({
      ok: true,
      message: { type: 'pong', data: { ts: 5 } },
    });
    expect(parseClientMessage('{"type":"subscribe","data":{"filter":{"types":["audit_log"]}}}')).toEqual({
      ok: true,
      message: { type: 'subscribe', data: { filter: { types: ['audit_log'], level: 'TRACE', loggers: [], text: '' } } },
    });
  });

  it('refuses bad client messages with a typed error', () => {
    const cases: [unknown, string, string | undefined][] = [
      ['{', ProtocolErrorCode.InvalidJson, undefined],
      [42, ProtocolErrorCode.UnsupportedInput, undefined],
      ['{"type":"hello","data":{"v":"1"}}', ProtocolErrorCode.InvalidMessage, 'data.v'],
      ['{"type":"hello","data":{"v":1,"cursor":{"epoch":"e","id":"12"}}}', ProtocolErrorCode.InvalidMessage, 'data.cursor'],
      ['{"type":"hello","data":{"v":1,"filter":{"level":"LOUD"}}}', ProtocolErrorCode.InvalidMessage, 'data.filter.level'],
      ['{"type":"hello","data":{"v":1,"filter":{"loggers":["!"]}}}', ProtocolErrorCode.InvalidMessage, 'data.filter.loggers.0'],
      ['{"type":"hello","data":{"v":1,"tail":-1}}', ProtocolErrorCode.InvalidMessage, 'data.tail'],
      ['{"type":"subscribe","data":{"filter":{"types":["metrics"]}}}', ProtocolErrorCode.InvalidMessage, 'data.filter.types.0'],
      ['{"type":"__proto__","data":{}}', ProtocolErrorCode.UnknownType, 'type'],
      [Buffer.from([0xff, 0xfe]), ProtocolErrorCode.InvalidUtf8, undefined],
    ];
    for (const [input, code, path] of cases) {
      const result = parseClientMessage(input);
      expect(result.ok ? 'ok' : [result.error.code, result.error.path]).toEqual([code, path]);
    }
    expect(parseClientMessage('{"type":"hello","data":{"v":1,"filter":{"loggers":' + JSON.stringify(Array(65).fill('a')) + '}}}').ok).toBe(
      false,
    );
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [
      undefined,
      null,
      {},
      [],
      Symbol('x'),
      () => 1,
      new Uint8Array(0),
      '[]',
      'null',
      '"s"',
      '{"type":"hello"}',
      '{"type":"hello","data":{"v":1,"filter":[]}}',
      '['.repeat(100_000),
    ];
    for (let i = 0; i < 300; i++) inputs.push(randomBytes(i % 64), randomBytes(i % 64).toString('latin1'));
    for (const input of inputs) {
      expect(() => parseClientMessage(input)).not.toThrow();
      expect(() => parse(input)).not.toThrow();
    }
  });

  it('normalizeFilter lets everything through when given nothing', () => {
    expect(normalizeFilter(undefined)).toEqual({
      ok: true,
      filter: { types: ['system_log', 'audit_log'], level: 'TRACE', loggers: [], text: '' },
    });
    expect(normalizeFilter('x')).toEqual({ ok: false, message: 'filter must be an object', path: 'filter' });
  });
});
