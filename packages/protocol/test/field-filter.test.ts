import { describe, expect, it } from 'vitest';
import {
  fieldsMatcher,
  logMessageMatcher,
  filterSubject,
  type LogMessage,
  messageMatcher,
  normalizeFilter,
  type NormalizedFilter,
  parseFieldExpression,
} from '../src/index.js';

function constraint(text: string) {
  const result = parseFieldExpression(text);
  if (!result.ok) throw new Error(result.message);
  return result.constraint;
}

function passes(text: string, data: unknown): boolean {
  return fieldsMatcher([constraint(text)])(data);
}

function filter(input: unknown): NormalizedFilter {
  const result = normalizeFilter(input);
  if (!result.ok) throw new Error(result.message);
  return result.filter;
}

describe('field expressions', () => {
  it('reads every operator, lists, exists and missing', () => {
    expect(constraint('user_id=42')).toEqual({ path: 'user_id', op: '=', values: ['42'] });
    expect(constraint(' status_code >= 500 ')).toEqual({ path: 'status_code', op: '>=', values: ['500'] });
    expect(constraint('method=GET, POST')).toEqual({ path: 'method', op: '=', values: ['GET', 'POST'] });
    expect(constraint('level!=DEBUG')).toEqual({ path: 'level', op: '!=', values: ['DEBUG'] });
    expect(constraint('duration_ms<10')).toEqual({ path: 'duration_ms', op: '<', values: ['10'] });
    expect(constraint('a.b<=x')).toEqual({ path: 'a.b', op: '<=', values: ['x'] });
    expect(constraint('metadata.instance_id>abc')).toEqual({ path: 'metadata.instance_id', op: '>', values: ['abc'] });
    expect(constraint('user_id')).toEqual({ path: 'user_id', op: 'exists' });
    expect(constraint('!user_id')).toEqual({ path: 'user_id', op: 'missing' });
    expect(constraint('path=/a=b')).toEqual({ path: 'path', op: '=', values: ['/a=b'] });
  });

  it('refuses prototype keys, deep or malformed paths and missing values with a message', () => {
    const problem = (text: string) => {
      const result = parseFieldExpression(text);
      return result.ok ? 'ok' : result.message;
    };
    expect(problem('__proto__.polluted=1')).toBe('field path "__proto__.polluted" names "__proto__", which is not allowed');
    expect(problem('a.constructor.prototype=1')).toMatch(/names "constructor"/);
    expect(problem('a.b.c.d.e.f.g.h.i=1')).toBe('field path "a.b.c.d.e.f.g.h.i" is deeper than 8 segments');
    expect(problem('a..b=1')).toMatch(/each dot-separated segment must be 1 to 64/);
    expect(problem('user id=1')).toMatch(/each dot-separated segment/);
    expect(problem('=1')).toMatch(/non-empty string/);
    expect(problem('user_id=')).toBe('"user_id=" needs a value after = (write the path alone to ask that it exists)');
    expect(problem(`x=${'v'.repeat(300)}`)).toBe('each value must be a string of at most 256 characters');
    expect(problem(`x=${Array.from({ length: 33 }, (_, i) => i).join(',')}`)).toBe('op "=" takes 1 to 32 values');
  });
});

describe('field constraints', () => {
  it('compare numbers with numbers and numeric strings, strings exactly or by glob', () => {
    expect(passes('user_id=42', { user_id: 42 })).toBe(true);
    expect(passes('user_id=42', { user_id: '42' })).toBe(true);
    expect(passes('user_id=42', { user_id: 420 })).toBe(false);
    expect(passes('user_id=4*', { user_id: '420' })).toBe(true);
    expect(passes('path=/api/*', { path: '/api/users' })).toBe(true);
    expect(passes('path=/api/*', { path: '/health' })).toBe(false);
    expect(passes('status_code>=500', { status_code: 503 })).toBe(true);
    expect(passes('status_code>=500', { status_code: 404 })).toBe(false);
    expect(passes('status_code>=500', { status_code: '502' })).toBe(true);
    expect(passes('status_code>=500', { status_code: 'bad' })).toBe(false);
    expect(passes('status_code<500', {})).toBe(false);
    expect(passes('when>2026-03', { when: '2026-04-01' })).toBe(true);
    expect(passes('when>2026-03', { when: 7 })).toBe(false);
    expect(passes('ok=true', { ok: true })).toBe(true);
    expect(passes('gone=null', { gone: null })).toBe(true);
    expect(passes('tags=red', { tags: ['blue', 'red'] })).toBe(true);
    expect(passes('method=GET,POST', { method: 'POST' })).toBe(true);
    expect(passes('method!=GET,POST', { method: 'PUT' })).toBe(true);
    expect(passes('method!=GET', {})).toBe(true);
    expect(passes('method!=GET', { method: 'GET' })).toBe(false);
  });

  it('walk dotted paths through own properties only, and find metadata and extra fields by their own name', () => {
    expect(passes('metadata.instance_id=abc', { metadata: { instance_id: 'abc' } })).toBe(true);
    expect(passes('instance_id=abc', { metadata: { instance_id: 'abc' } })).toBe(true);
    expect(passes('user_id=7', { extra: { user_id: 7 } })).toBe(true);
    expect(passes('a.b.c', { a: { b: { c: 0 } } })).toBe(true);
    expect(passes('a.b.c', { a: { b: 'c' } })).toBe(false);
    expect(passes('toString', {})).toBe(false);
    expect(passes('!toString', {})).toBe(true);
    expect(passes('a.length=2', { a: 'xy' })).toBe(false);
    expect(passes('a.0=x', { a: ['x'] })).toBe(true);
  });
});

describe('the filter with categories and fields', () => {
  const system = (data: Record<string, unknown>): LogMessage =>
    ({ type: 'system_log', data: { timestamp: '', level: 'INFO', logger: 'app', message: 'm', ...data } }) as unknown as LogMessage;

  it('is normalised with the new fields only when given, so older filters keep their exact shape', () => {
    expect(filter({ level: 'info' })).toEqual({ types: ['system_log', 'audit_log'], level: 'INFO', loggers: [], text: '' });
    expect(filter({ categories: ['db', 'auth', 'db'], fields: [{ path: 'user_id', op: '=', values: [42] }] })).toEqual({
      types: ['system_log', 'audit_log'],
      level: 'TRACE',
      loggers: [],
      text: '',
      categories: ['auth', 'db'],
      fields: [{ path: 'user_id', op: '=', values: ['42'] }],
    });
  });

  it('names the field that is wrong', () => {
    expect(
      normalizeFilter({
        fields: [
          { path: 'ok', op: '=', values: ['1'] },
          { path: '__proto__', op: 'exists' },
        ],
      }),
    ).toEqual({
      ok: false,
      message: 'filter.fields[1]: field path "__proto__" names "__proto__", which is not allowed',
      path: 'filter.fields.1',
    });
    expect(normalizeFilter({ fields: Array.from({ length: 17 }, () => ({ path: 'a', op: 'exists' })) })).toMatchObject({
      ok: false,
      path: 'filter.fields',
    });
    expect(normalizeFilter({ fields: [{ path: 'a', op: 'like', values: ['x'] }] })).toMatchObject({ ok: false, path: 'filter.fields.0' });
    expect(normalizeFilter({ categories: [''] })).toMatchObject({ ok: false, path: 'filter.categories' });
  });

  it('is one predicate over received messages and stored JSON text alike', () => {
    const normalized = filter({ categories: ['http'], fields: [{ path: 'status_code', op: '>=', values: ['500'] }] });
    const matches = messageMatcher(normalized);
    const received = logMessageMatcher(normalized);
    expect(matches.all).toBe(false);
    const cases: [Record<string, unknown>, boolean][] = [
      [{ category: 'http', status_code: 503 }, true],
      [{ category: 'http', status_code: 200 }, false],
      [{ category: 'auth', status_code: 503 }, false],
      [{ status_code: 503 }, false],
    ];
    for (const [data, expected] of cases) {
      expect(matches(filterSubject(system(data)))).toBe(expected);
      expect(received(system(data))).toBe(expected);
      const stored = { type: 'system_log', level: 20, logger: 'app', data: JSON.stringify(system(data).data) };
      expect(matches(stored)).toBe(expected);
    }
    expect(matches({ type: 'system_log', level: 20, logger: 'app', data: '{"category":"http","status_code":' })).toBe(false);
  });

  it('applies field constraints to audit messages too, through their metadata', () => {
    const matches = messageMatcher(filter({ fields: [{ path: 'user_id', op: '=', values: ['42'] }] }));
    const audit = { type: 'audit_log', level: 20, logger: 'audit', data: '{"action":"login","metadata":{"user_id":42}}' };
    expect(matches(audit)).toBe(true);
    expect(matches({ ...audit, data: '{"action":"login","metadata":{"user_id":43}}' })).toBe(false);
  });
});
