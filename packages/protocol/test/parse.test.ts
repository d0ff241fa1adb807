import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encode, parse, type ProtocolError, type ParseResult, type SystemLogMessage } from '../src/index.js';

// The seeds' documented examples, verbatim.
const seedSystem = {
  type: 'system_log',
  data: {
    timestamp: '2025-10-08T18:30:45.123Z',
    level: 'INFO',
    logger: 'madrox.server',
    message: 'Instance spawned',
    module: 'server',
    function: 'spawn_instance',
    line: 142,
  },
};
const seedAudit = {
  type: 'audit_log',
  data: {
    timestamp: '2025-10-08T18:30:45.123Z',
    level: 'INFO',
    logger: 'audit.instance',
    message: 'Instance spawned',
    action: 'instance_spawn',
    metadata: { instance_id: 'abc123' },
  },
};

function errorOf(result: ParseResult): ProtocolError {
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.message)}`);
  return result.error;
}

describe('parse', () => {
  it('reads the seeds’ system_log example into a typed message', () => {
    const result = parse(JSON.stringify(seedSystem));
    expect(result).toEqual({ ok: true, message: seedSystem });
  });

  it('reads the seeds’ audit_log example into a typed message', () => {
    const result = parse(JSON.stringify(seedAudit));
    expect(result).toEqual({ ok: true, message: seedAudit });
  });

  it('keeps extra fields of a system_log at the top level of data', () => {
    const frame = { ...seedSystem, id: '1700000000000-0', data: { ...seedSystem.data, instance_id: 'abc123', memory_mb: 512 } };
    const result = parse(JSON.stringify(frame));
    expect(result.ok).toBe(true);
    const message = (result as { message: SystemLogMessage }).message;
    expect(message.id).toBe('1700000000000-0');
    expect(message.data['instance_id']).toBe('abc123');
    expect(message.data['memory_mb']).toBe(512);
  });

  it('accepts what legacy servers really send: microsecond local timestamps, no action or metadata, bare ping', () => {
    const legacyAudit = {
      type: 'audit_log',
      data: { timestamp: '2025-10-13T09:27:24.339163', level: 'INFO', logger: 'orchestrator.audit', message: 'instance_spawn' },
    };
    expect(parse(JSON.stringify(legacyAudit)).ok).toBe(true);
    expect(parse(JSON.stringify({ ...legacyAudit, data: { ...legacyAudit.data, action: null } })).ok).toBe(true);
    expect(parse('{"type":"ping"}')).toEqual({ ok: true, message: { type: 'ping' } });
  });

  it('reads bytes: Buffer, Uint8Array, ArrayBuffer and DataView', () => {
    const text = JSON.stringify(seedSystem);
    const buf = Buffer.from(text);
    const u8 = new TextEncoder().encode(text);
    for (const input of [buf, u8, u8.buffer, new DataView(u8.buffer)]) {
      expect(parse(input)).toEqual({ ok: true, message: seedSystem });
    }
    // A view into the middle of a larger buffer reads only its own bytes.
    const padded = Buffer.concat([Buffer.from('xxxx'), buf, Buffer.from('yyyy')]);
    expect(parse(padded.subarray(4, 4 + buf.length))).toEqual({ ok: true, message: seedSystem });
  });

  it('reads gap messages and rejects malformed ones', () => {
    const gap = { type: 'gap', data: { from: '1-0', to: '5-2', reason: 'trimmed', count: 12, epoch: 'e1' } };
    expect(parse(JSON.stringify(gap))).toEqual({ ok: true, message: gap });
    expect(parse('{"type":"gap","data":{"from":null,"to":null,"reason":"epoch"}}').ok).toBe(true);
    expect(errorOf(parse('{"type":"gap","data":{"from":1,"to":null,"reason":"epoch"}}'))).toMatchObject({ path: 'data.from' });
    expect(errorOf(parse('{"type":"gap","data":{"from":null,"to":null}}'))).toMatchObject({ path: 'data.reason' });
    expect(errorOf(parse('{"type":"gap","data":{"from":null,"to":null,"reason":"x","count":-1}}'))).toMatchObject({ path: 'data.count' });
  });

  it('round-trips through encode', () => {
    expect(parse(encode(seedAudit as never))).toEqual({ ok: true, message: seedAudit });
  });

  describe('returns a typed error, never throws', () => {
    it('on malformed JSON', () => {
      for (const text of ['', '{', '{"type":"system_log",', 'nope', '{"type":"system_log"}}', '\u0000']) {
        expect(errorOf(parse(text)).code).toBe('invalid_json');
      }
    });

    it('on JSON that is not an envelope', () => {
      for (const text of ['null', '42', '"system_log"', '[]', '[{"type":"ping"}]', 'true']) {
        expect(errorOf(parse(text)).code).toBe('invalid_message');
      }
      expect(errorOf(parse('{"data":{}}'))).toMatchObject({ code: 'invalid_message', path: 'type' });
      expect(errorOf(parse('{"type":7}'))).toMatchObject({ code: 'invalid_message', path: 'type' });
    });

    it('on unknown types, including prototype names', () => {
      for (const type of ['subscribe', '__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
        expect(errorOf(parse(JSON.stringify({ type, data: {} })))).toMatchObject({ code: 'unknown_type', path: 'type' });
      }
    });

    it('on each missing system_log field', () => {
      for (const key of Object.keys(seedSystem.data)) {
        const data: Record<string, unknown> = { ...seedSystem.data };
        delete data[key];
        const error = errorOf(parse(JSON.stringify({ type: 'system_log', data })));
        expect(error).toMatchObject({ code: 'invalid_message', path: `data.${key}` });
        expect(error.message).toContain(`data.${key} must be`);
      }
      expect(errorOf(parse('{"type":"system_log"}'))).toMatchObject({ code: 'invalid_message', path: 'data' });
    });

    it('on each missing audit_log field', () => {
      for (const key of ['timestamp', 'level', 'logger', 'message']) {
        const data: Record<string, unknown> = { ...seedAudit.data };
        delete data[key];
        expect(errorOf(parse(JSON.stringify({ type: 'audit_log', data })))).toMatchObject({ code: 'invalid_message', path: `data.${key}` });
      }
    });

    it('on wrong field types', () => {
      const cases: [string, Record<string, unknown>, string][] = [
        ['system_log', { line: '142' }, 'data.line'],
        ['system_log', { line: null }, 'data.line'],
        ['system_log', { level: 20 }, 'data.level'],
        ['system_log', { message: { text: 'x' } }, 'data.message'],
        ['system_log', { timestamp: 1700000000 }, 'data.timestamp'],
        ['system_log', { function: ['f'] }, 'data.function'],
        ['audit_log', { action: 5 }, 'data.action'],
        ['audit_log', { metadata: 'x' }, 'data.metadata'],
        ['audit_log', { metadata: [1, 2] }, 'data.metadata'],
        ['audit_log', { logger: false }, 'data.logger'],
      ];
      for (const [type, patch, path] of cases) {
        const base = type === 'system_log' ? seedSystem.data : seedAudit.data;
        expect(errorOf(parse(JSON.stringify({ type, data: { ...base, ...patch } })))).toMatchObject({ code: 'invalid_message', path });
      }
      expect(errorOf(parse(JSON.stringify({ ...seedSystem, data: [] })))).toMatchObject({ path: 'data' });
      expect(errorOf(parse(JSON.stringify({ ...seedSystem, id: 12 })))).toMatchObject({ path: 'id' });
      expect(errorOf(parse('{"type":"ping","data":"x"}'))).toMatchObject({ path: 'data' });
    });

    it('on inputs that are neither strings nor bytes', () => {
      const inputs: unknown[] = [undefined, null, 42, true, {}, [], Symbol('x'), () => 1, new Blob(['{}']), 10n];
      for (const input of inputs) {
        expect(errorOf(parse(input)).code).toBe('unsupported_input');
      }
    });

    it('on huge strings, before parsing them', () => {
      const huge = JSON.stringify({ ...seedSystem, data: { ...seedSystem.data, message: 'x'.repeat(9 * 1024 * 1024) } });
      expect(errorOf(parse(huge))).toMatchObject({ code: 'too_large' });
      expect(errorOf(parse(Buffer.from(huge)))).toMatchObject({ code: 'too_large' });
      expect(errorOf(parse(JSON.stringify(seedSystem), { maxLength: 10 })).code).toBe('too_large');
      // Within a raised limit the same frame is read in full.
      const result = parse(huge, { maxLength: 16 * 1024 * 1024 });
      expect(result.ok && result.message.type === 'system_log' && result.message.data.message.length).toBe(9 * 1024 * 1024);
    });

    it('on absurdly deep nesting', () => {
      const deep = '{"type":"system_log","data":' + '['.repeat(1_000_000) + ']'.repeat(1_000_000) + '}';
      expect(parse(deep).ok).toBe(false);
    });

    it('on binary garbage and invalid UTF-8', () => {
      expect(errorOf(parse(Buffer.from([0xff, 0xfe, 0xfd]))).code).toBe('invalid_utf8');
      expect(errorOf(parse(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).code).toBe('invalid_utf8');
      for (let i = 0; i < 2000; i++) {
        const result = parse(randomBytes(1 + (i % 300)));
        expect(result.ok).toBe(false);
      }
    });

    it('on random text and mutated frames', () => {
      const valid = JSON.stringify(seedAudit);
      let seed = 7;
      const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      for (let i = 0; i < 5000; i++) {
        const chars = valid.split('');
        for (let k = 0; k < 1 + rand(4); k++) chars[rand(chars.length)] = String.fromCharCode(rand(0x10000));
        const result = parse(chars.join(''));
        expect(typeof result.ok).toBe('boolean');
      }
    });
  });

  it('does not pollute prototypes through __proto__ keys', () => {
    const frame =
      '{"type":"system_log","__proto__":{"polluted":1},"data":{"timestamp":"t","level":"INFO","logger":"l","message":"m",' +
      '"module":"x","function":"f","line":1,"__proto__":{"polluted":2},"constructor":{"prototype":{"polluted":3}}}}';
    const result = parse(frame);
    expect(result.ok).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect((Object.prototype as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
    if (result.ok && result.message.type === 'system_log') {
      // The key survives as plain data, visible and harmless.
      expect(Object.getOwnPropertyNames(result.message.data)).toContain('__proto__');
      expect(Object.getPrototypeOf(result.message.data)).toBe(Object.prototype);
    }
  });

  it('keeps hostile content intact as data', () => {
    const message = '<script>alert(1)</script>\r\nINFO forged\u001b[2J\u2028\u2029\u0000\ud800\u202egnp.exe';
    const result = parse(JSON.stringify({ ...seedSystem, data: { ...seedSystem.data, message } }));
    expect(result.ok && result.message.type === 'system_log' && result.message.data.message).toBe(message);
  });
});
