import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import winston from 'winston';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createLogwire,
  DEFAULT_REDACT_KEYS,
  type Logwire,
  LogwireError,
  pinoDestination,
  Redactor,
  winstonTransport,
} from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { capture } from './logger-capture.js';

const R = '[REDACTED]';
let logwire: Logwire | undefined;

let server: Server | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  if (server) await new Promise((resolve) => server!.close(resolve));
  server = undefined;
});

function setup(options: Parameters<typeof createLogwire>[0] = {}) {
  logwire = createLogwire({ workers: false, callsite: false, level: 'TRACE', ...options });
  return { logwire, out: capture(logwire) };
}

// Fake secrets are assembled at run time so secret scanners do not flag this file.
const JWT = 'eyJ' + 'hbGciOiJub25lIn0' + '.eyJ' + 'zdWIiOiIxMjM0NTY3ODkwIn0' + '.c2lnbmF0dXJl';
const GITHUB = 'gh' + 'p_' + 'A'.repeat(36);
const AWS = 'AKIA' + 'IOSFODNN7EXAMPLE';
const SLACK = 'xox' + 'b-' + '1'.repeat(12) + '-' + '2'.repeat(12) + '-abc';
const STRIPE = 'sk_' + 'test_' + 'X'.repeat(24);
const PEM = '-----BEGIN ' + 'PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';

describe('redaction (on by default)', () => {
  it('replaces values of secret keys at any depth, in any case, inside arrays, keeping other fields', () => {
    const { logwire, out } = setup();
    logwire.getLogger('auth').info('login', {
      password: 'p0',
      Password: 'p1',
      PASSWORD: 'p2',
      passWord: 'p3',
      apiKey: 'k1',
      'x-api-key': 'k2',
      API_KEY: 'k3',
      access_token: 't1',
      refreshToken: 't2',
      client_secret: 's1',
      db_password: 'p4',
      headers: { Authorization: 'Bearer abc', cookie: 'sid=1', 'Set-Cookie': 'a=b', accept: 'json' },
      a: { b: { c: { d: { e: { f: { g: { password: 'deep8' } } } } } } },
      users: [
        { name: 'ann', creds: { password: 'x' } },
        { name: 'bob', token: { value: 'whole object hidden' } },
      ],
      credentials: { user: 'u', pass: 'p' },
      tokens: 595,
      max_tokens: 4096,
      user_id: 42,
    });
    const { data } = out.take()[0]!;
    for (const key of [
      'password',
      'Password',
      'PASSWORD',
      'passWord',
      'apiKey',
      'x-api-key',
      'API_KEY',
      'access_token',
      'refreshToken',
      'client_secret',
      'db_password',
      'credentials',
    ]) {
      expect(data[key], key).toBe(R);
    }
    expect(data['headers']).toEqual({ Authorization: R, cookie: R, 'Set-Cookie': R, accept: 'json' });
    expect(data['a']).toEqual({ b: { c: { d: { e: { f: { g: { password: R } } } } } } });
    expect(data['users']).toEqual([
      { name: 'ann', creds: { password: R } },
      { name: 'bob', token: R },
    ]);
    expect(data['tokens']).toBe(595);
    expect(data['max_tokens']).toBe(4096);
    expect(data['user_id']).toBe(42);
  });

  it('covers every built-in key name, top level and inside headers', () => {
    const { logwire, out } = setup();
    const fields = Object.fromEntries(DEFAULT_REDACT_KEYS.map((key) => [key, 'secret-value']));
    logwire.getLogger('k').info('all keys', { ...fields, headers: fields });
    const frame = out.take()[0]!;
    expect(JSON.stringify(frame)).not.toContain('secret-value');
  });

  it('replaces secrets inside the message text, string fields, Error messages and stacks', () => {
    const { logwire, out } = setup();
    const log = logwire.getLogger('http');
    log.info('login with password=hunter2 token=' + JWT + ' for ann');
    log.info('header Authorization: Bearer ' + 'abcdefghijklmnopqrstuvwxyz012345' + ' sent');
    log.info('callback https://x.example/cb?token=abc&api_key=def&page=2');
    log.info('db postgres://app:s3cr3t@db.internal:5432/main ready');
    log.info('json {"password": "hunter2", "user": "ann"}');
    log.info('keys', { note: 'aws ' + AWS + ' gh ' + GITHUB + ' slack ' + SLACK + ' stripe ' + STRIPE, pem: 'key:\n' + PEM });
    log.error('failed', new Error('auth failed for secret=topsecret'));
    const [a, b, c, d, e, f, g] = out.take();
    expect(a!.data['message']).toBe(`login with password=${R} token=${R} for ann`);
    expect(b!.data['message']).toBe(`header Authorization: ${R} sent`);
    expect(c!.data['message']).toBe(`callback https://x.example/cb?token=${R}&api_key=${R}&page=2`);
    expect(d!.data['message']).toBe(`db postgres://app:${R}@db.internal:5432/main ready`);
    expect(e!.data['message']).toBe(`json {"password": "${R}", "user": "ann"}`);
    expect(f!.data['note']).toBe(`aws ${R} gh ${R} slack ${R} stripe ${R}`);
    expect(f!.data['pem']).toBe(`key:\n${R}`);
    const error = g!.data['error'] as { message: string; stack: string };
    expect(error.message).toBe(`auth failed for secret=${R}`);
    expect(error.stack).toContain(`secret=${R}`);
    expect(error.stack).not.toContain('topsecret');
  });

  it('redacts a bare Bearer token in text but leaves ordinary words and integrity values alone', () => {
    const { logwire, out } = setup();
    const hash = 'a'.repeat(64);
    const uuid = '3f2b8c1e-8a4d-4f6b-9c1a-2b3c4d5e6f70';
    logwire.getLogger('x').info('sent Bearer ' + 'Zm9vYmFyYmF6cXV4cXV1eA==' + ' upstream', {
      hash,
      prev_hash: hash,
      request_id: uuid,
      at: '2026-11-23T05:00:00.000Z',
    });
    logwire.getLogger('x').info('the bearer of bad news; token count is 5; tokens: 595; a basic functionality test');
    const [a, b] = out.take();
    expect(a!.data).toMatchObject({
      message: `sent Bearer ${R} upstream`,
      hash,
      prev_hash: hash,
      request_id: uuid,
      at: '2026-11-23T05:00:00.000Z',
    });
    expect(b!.data['message']).toBe('the bearer of bad news; token count is 5; tokens: 595; a basic functionality test');
  });

  it('redacts audit metadata and audit messages the same way', () => {
    const { logwire, out } = setup();
    logwire.audit('user.login', { user_id: 'u1', details: { password: 'x', ip: '10.0.0.1' } }, { message: 'login token=abc' });
    logwire.logAuditEvent('api_key_rotated', 'inst-1', { api_key: 'old', new_api_key: 'new', by: 'admin' });
    const [a, b] = out.take();
    expect(a!.data).toMatchObject({
      message: `login token=${R}`,
      action: 'user.login',
      metadata: { user_id: 'u1', details: { password: R, ip: '10.0.0.1' } },
    });
    expect(b!.data['metadata']).toEqual({ instance_id: 'inst-1', details: { api_key: R, new_api_key: R, by: 'admin' } });
  });

  it('redacts configured paths (case-insensitive, `*` for any key or index) and extra keys', () => {
    const { logwire, out } = setup({ redact: { paths: ['user.ssn', 'cards.*.number', 'metadata.details.card'], keys: ['email'] } });
    logwire.getLogger('billing').info('charge', {
      user: { SSN: '123-45-6789', name: 'ann', Email: 'a@x.io' },
      cards: [{ number: '4111', brand: 'visa' }, { number: '5500' }],
      ssn: 'top level is not the path',
    });
    logwire.audit('charge', { details: { card: '4111', amount: 5 } });
    const [a, b] = out.take();
    expect(a!.data['user']).toEqual({ SSN: R, name: 'ann', Email: R });
    expect(a!.data['cards']).toEqual([{ number: R, brand: 'visa' }, { number: R }]);
    expect(a!.data['ssn']).toBe('top level is not the path');
    expect(b!.data['metadata']).toEqual({ details: { card: R, amount: 5 } });
  });

  it('applies custom value patterns and a custom censor', () => {
    const { logwire, out } = setup({
      redact: { censor: '***', patterns: [/\b\d{4}-\d{4}-\d{4}-\d{4}\b/, { pattern: /(user=)\w+/i, replacement: '$1<hidden>' }] },
    });
    logwire.getLogger('x').info('card 1234-5678-9012-3456 for USER=ann password=x', { password: 'y' });
    const { data } = out.take()[0]!;
    expect(data['message']).toBe('card *** for USER=<hidden> password=***');
    expect(data['password']).toBe('***');
  });

  it('can keep only the configured rules (defaultKeys / defaultPatterns off)', () => {
    const { logwire, out } = setup({ redact: { defaultKeys: false, defaultPatterns: false, keys: ['pin'] } });
    logwire.getLogger('x').info('password=visible', { password: 'visible', pin: '1234' });
    const { data } = out.take()[0]!;
    expect(data).toMatchObject({ message: 'password=visible', password: 'visible', pin: R });
  });

  it('is switched off entirely with redact: false', () => {
    const { logwire, out } = setup({ redact: false });
    logwire.getLogger('x').info('password=visible', { password: 'visible', headers: { authorization: 'Bearer x' } });
    const { data } = out.take()[0]!;
    expect(data).toMatchObject({ message: 'password=visible', password: 'visible', headers: { authorization: 'Bearer x' } });
  });

  it("never mutates the caller's objects, and redacts values that also need the slow path", () => {
    const { logwire, out } = setup();
    const circular: Record<string, unknown> = { password: 'p', name: 'n' };
    circular['self'] = circular;
    const fields = { circular, big: 10n, nested: { token: 't' } };
    const snapshot = { password: 'p', name: 'n', nestedToken: 't' };
    logwire.getLogger('x').info('m', fields);
    expect(circular['password']).toBe(snapshot.password);
    expect(fields.nested.token).toBe(snapshot.nestedToken);
    const { data } = out.take()[0]!;
    expect(data['circular']).toEqual({ password: R, name: 'n', self: '[Circular]' });
    expect(data['nested']).toEqual({ token: R });
    expect(data['big']).toBe('10');
  });

  it('leaves a string untouched (same value) when nothing matches, and rejects bad patterns at start-up', () => {
    const redactor = new Redactor();
    const text = 'Spawning claude instance 3f2b8c1e (Zesty-Narwhal) in background';
    expect(redactor.text(text)).toBe(text);
    expect(redactor.isSecretKey('instance_id')).toBe(false);
    expect(redactor.isSecretKey('GitHub-Token')).toBe(true);
    expect(() => new Redactor({ patterns: ['x' as unknown as RegExp] })).toThrow(LogwireError);
  });

  it('formats and redacts very long keys every time (they are not remembered)', () => {
    const { logwire, out } = setup();
    const secretKey = `${'x'.repeat(300)}_password`;
    const plainKey = 'y'.repeat(300);
    for (let i = 0; i < 2; i++) logwire.getLogger('x').info('m', { [secretKey]: 'hidden', [plainKey]: i });
    const [first, second] = out.take();
    expect(first!.data).toMatchObject({ [secretKey]: R, [plainKey]: 0 });
    expect(second!.data).toMatchObject({ [secretKey]: R, [plainKey]: 1 });
    expect(new Redactor().isSecretKey(secretKey)).toBe(true);
  });

  it('still redacts the shortest secrets the built-in patterns match (short text skips them)', () => {
    const redactor = new Redactor();
    expect(redactor.text('pwd=x')).toBe(`pwd=${R}`);
    expect(redactor.text('pwd:y')).toBe(`pwd:${R}`);
    expect(redactor.text('://a:b@')).toBe(`://a:${R}@`);
    expect(redactor.text('GET')).toBe('GET');
    // Custom patterns run on text of any length.
    expect(new Redactor({ patterns: [/ab/] }).text('ab')).toBe(R);
  });

  it('handles megabyte-sized hostile strings without catastrophic backtracking', () => {
    const redactor = new Redactor();
    const inputs = [
      'ey' + 'a'.repeat(1 << 20),
      '-----BEGIN ' + 'A'.repeat(1 << 20),
      'a-'.repeat(1 << 19) + '=x',
      'eyJ-'.repeat(1 << 18),
      'password="'.repeat(1 << 16),
      'x://a:'.repeat(1 << 17),
    ];
    for (const input of inputs) expect(typeof redactor.text(input)).toBe('string');
  });

  it('a canary secret logged every way never appears in the raw WebSocket frames or hub messages', async () => {
    const canary = 'CANARY-' + Math.random().toString(36).slice(2);
    const { logwire } = setup({ callsite: false });
    const hubText: string[] = [];
    logwire.hub.on((batch) => batch.forEach((message) => hubText.push(message.frame)));
    server = createServer();
    logwire.attach(server);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const raw: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws/logs`);
    ws.on('message', (data) => raw.push(data.toString()));
    await new Promise((resolve) => ws.once('open', resolve));
    const log = logwire.getLogger('canary');
    log.info(`login password=${canary}`);
    log.info('fields', { Password: canary, nested: { deeper: [{ api_key: canary }] }, url: `https://u:${canary}@h/` });
    log.child({ authorization: `Bearer ${canary}` }).warning('bound');
    log.error('error', new Error(`token=${canary}`, { cause: new Error(`secret: ${canary}`) }));
    logwire.audit('login', { credentials: { user: 'ann', password: canary } }, { message: `cookie=${canary}` });
    logwire.logAuditEvent('key_rotated', 'i1', { client_secret: canary });
    pino(pinoDestination(logwire)).info({ token: canary }, `pino password=${canary}`);
    winston.createLogger({ transports: [winstonTransport(logwire)] }).info(`winston secret=${canary}`, { access_token: canary });
    log.info('done');
    await until(
      () => raw.some((frame) => frame.includes('"message":"done"')),
      () => `the frame "done" (have ${raw.length} frames)`,
    );
    ws.close();
    expect(raw).toHaveLength(9);
    expect(hubText).toHaveLength(9);
    for (const text of [...raw, ...hubText]) expect(text).not.toContain(canary);
    expect(raw.join('\n')).toContain(R);
  });
});
