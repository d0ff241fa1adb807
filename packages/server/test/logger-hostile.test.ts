import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
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
  logwire = createLogwire({ workers: false, callsite: false, ...options });
  return { logwire, out: capture(logwire) };
}

function prototypeSnapshot(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

describe('a log call never throws and still yields a record', () => {
  it('encodes circular values, BigInt, throwing getters and toJSON, and a revoked Proxy with placeholders', () => {
    const { logwire, out } = setup();
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    const getter = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('getter exploded');
      },
    });
    const badJson = {
      toJSON: () => {
        throw new Error('toJSON exploded');
      },
    };
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    const log = logwire.getLogger('hostile');
    expect(() => log.info('circular', { circular })).not.toThrow();
    expect(() => log.info('bigint', { big: 2n ** 70n })).not.toThrow();
    expect(() => log.info('getter', { getter })).not.toThrow();
    expect(() => log.info('toJSON', { badJson })).not.toThrow();
    expect(() => log.info('proxy', { proxy })).not.toThrow();
    expect(() => log.info('proxy as fields', proxy as Record<string, unknown>)).not.toThrow();
    expect(() => log.info('getter as fields', getter)).not.toThrow();
    expect(() => log.audit('proxy metadata', proxy as Record<string, unknown>)).not.toThrow();
    expect(() =>
      logwire.logAuditEvent('proxy extra', 'i1', proxy as Record<string, unknown>, proxy as Record<string, unknown>),
    ).not.toThrow();
    expect(() => log.child({ n: 1 }).audit('string metadata', 'oops' as unknown as Record<string, unknown>)).not.toThrow();
    const frames = out.take();
    expect(frames.map((f) => f.data['message'])).toEqual([
      'circular',
      'bigint',
      'getter',
      'toJSON',
      'proxy',
      'proxy as fields',
      'getter as fields',
      'proxy metadata',
      'proxy extra',
      'string metadata',
    ]);
    const [a, b, c, d, e, f, g, h, i, j] = frames.map((frame) => frame.data);
    expect(a!['circular']).toEqual({ name: 'loop', self: '[Circular]' });
    expect(b!['big']).toBe('1180591620717411303424');
    expect(c!['getter']).toEqual({ boom: '[Unserializable: getter exploded]' });
    expect(d!['badJson']).toBe('[Unserializable: toJSON exploded]');
    expect(String(e!['proxy'])).toMatch(/^\[Unserializable: .*revoked/);
    expect(Object.keys(f!)).toEqual(['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line']);
    expect(g!['boom']).toBe('[Unserializable: getter exploded]');
    expect(String((h!['metadata'] as { value: unknown }).value)).toMatch(/^\[Unserializable: .*revoked/);
    expect((i!['metadata'] as Record<string, unknown>)['instance_id']).toBe('i1');
    expect(String((i!['metadata'] as Record<string, unknown>)['details'])).toMatch(/^\[Unserializable: .*revoked/);
    expect(j!['metadata']).toEqual({ n: 1, value: 'oops' });
  });

  it('keeps hostile keys (__proto__, constructor, prototype) as data and pollutes nothing', () => {
    const { logwire, out } = setup();
    const before = prototypeSnapshot();
    const hostile = JSON.parse(
      '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"ok":1}',
    ) as Record<string, unknown>;
    const log = logwire.getLogger('hostile');
    log.info('keys', hostile);
    log.child(hostile).info('bound', hostile);
    log.audit('keys', hostile);
    logwire.logAuditEvent('keys', 'i', hostile, hostile);
    log.info('[AUDIT] via classification', hostile);
    const frames = out.take();
    expect(frames).toHaveLength(5);
    expect(frames[0]!.data['__proto__']).toEqual({ polluted: 'yes' });
    expect(frames[0]!.data['constructor']).toEqual({ prototype: { polluted: 'yes' } });
    expect(Object.prototype.hasOwnProperty.call(frames[1]!.data, '__proto__')).toBe(true);
    expect((frames[2]!.data['metadata'] as Record<string, unknown>)['ok']).toBe(1);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(prototypeSnapshot()).toEqual(before);
  });

  it('does not throw when the message itself is unprintable, or when onError throws', () => {
    const { logwire, out } = setup({
      onError: () => {
        throw new Error('reporter broken');
      },
    });
    const unprintable = {
      toString: () => {
        throw new Error('no');
      },
    };
    const log = logwire.getLogger('x');
    expect(() => log.log('INFO', unprintable as unknown as string)).not.toThrow();
    expect(() =>
      logwire.hub.on(() => {
        throw new Error('listener broken');
      }),
    ).not.toThrow();
    expect(() => log.info('after a broken listener')).not.toThrow();
    const messages = out.take().map((f) => f.data['message']);
    expect(messages).toEqual(['', 'after a broken listener']);
  });

  it('returns at once and keeps delivering to others when a client socket breaks mid-stream', async () => {
    logwire = createLogwire({ workers: false, callsite: false });
    server = createServer();
    logwire.attach(server);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/logs`;
    const good = await collect(url);
    const broken = await collect(url);
    const log = logwire.getLogger('net');
    log.info('first');
    await good.waitFor(1);
    await broken.waitFor(1);
    // Kill the TCP connection under the client without a closing handshake.
    (broken.ws as unknown as { _socket: Socket })._socket.destroy();
    for (let i = 0; i < 200; i++) expect(() => log.info(`burst ${i}`)).not.toThrow();
    const frames = await good.waitFor(201);
    expect(frames.at(-1)!['data']).toMatchObject({ message: 'burst 199' });
    good.ws.close();
  });

  it('ingest() accepts odd records from other sources without throwing', () => {
    const { logwire, out } = setup();
    const odd = [
      { level: 'nope', logger: 'x', message: 'bad level', fields: 'just a string' },
      { level: 'INFO', logger: 'x', message: 'array fields', fields: [1, 2], time: Number.NaN },
      { level: 'WARNING', logger: 'x', message: 'bad callsite', callsite: { module: 1 } },
      { level: 'ERROR', logger: 'x', message: 'good callsite', callsite: { module: 'app', function: 'run', line: 7 }, time: 0 },
    ];
    for (const record of odd) expect(() => logwire.ingest(record as never)).not.toThrow();
    const frames = out.take().map((f) => f.data);
    expect(frames.map((d) => [d['level'], d['message'], d['value'] ?? null])).toEqual([
      ['INFO', 'bad level', 'just a string'],
      ['INFO', 'array fields', [1, 2]],
      ['WARNING', 'bad callsite', null],
      ['ERROR', 'good callsite', null],
    ]);
    expect(frames[2]).toMatchObject({ module: '', function: '', line: 0 });
    expect(frames[3]).toMatchObject({ module: 'app', function: 'run', line: 7, timestamp: '1970-01-01T00:00:00.000Z' });
  });
});
