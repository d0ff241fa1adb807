import { createServer } from 'node:http';
import type { LevelName } from '@logwire/protocol';
import { describe, expect, it } from 'vitest';
import { until } from '../../../test/helpers/wait.js';
import { createLogwire, type IngestRecord, RequestTracker } from '../src/index.js';
import { UNKNOWN_CALLSITE } from '../src/logger/callsite.js';
import { type Fields, formatSystemData, type LogEntry } from '../src/logger/format.js';
import { LoggerTree } from '../src/logger/logger.js';
import { formatRequestData, numberText, RequestRecord, writeRequest } from '../src/logger/request-record.js';
import { Redactor } from '../src/redact/redactor.js';
import { closeServer, listen, send } from './request-helpers.js';

// The request record's own serializer must write exactly what the generic formatter writes for
// the same fields, whatever the values and redaction rules.

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
const HOSTILE = 'a"b\\c\u0000d\u001fe\u2028f\ud800g\udc00h\ud83d';
const LONG = 'x'.repeat(70_000);
const LONG_EMOJI = '😀'.repeat(40_000);

const redactors: [string, Redactor | undefined][] = [
  ['none', undefined],
  ['default', new Redactor()],
  ['fixed keys secret', new Redactor({ keys: ['user_agent', 'referrer', 'method', 'client_ip', 'category'] })],
  ['more fixed keys secret', new Redactor({ keys: ['trace_id', 'span_id', 'slow', 'query', 'error', 'user_id', 'status_code'] })],
  ['paths', new Redactor({ paths: ['query.token', 'error.message', 'path', 'user_id', 'route', 'error.detail.pin', 'bytes_sent'] })],
  [
    'patterns',
    new Redactor({
      patterns: [/bench/g, { pattern: /\d{3}/g, replacement: '###' }, { pattern: /items/, replacement: (m) => m.toUpperCase() }],
    }),
  ],
  ['bare with censor', new Redactor({ defaultKeys: false, defaultPatterns: false, censor: '[X]' })],
  ['censor needing escapes', new Redactor({ keys: ['referrer'], censor: '"\u0001\\' })],
  ['censor beyond ASCII', new Redactor({ keys: ['user_agent'], censor: '\u2588\u2028' })],
];

interface Shape {
  path?: string;
  route?: string | null;
  status?: number | null;
  ms?: number;
  ip?: string | null;
  agent?: string | null;
  referrer?: string | null;
  user?: unknown;
  trace?: unknown;
  query?: Fields;
  error?: unknown;
  slow?: boolean;
  message?: string;
  method?: string;
}

const shapes: [string, Shape][] = [
  ['plain', {}],
  [
    'secrets in path, query and referrer',
    { path: `/reset/token=${JWT}`, query: { token: 'abc', password: 'p', q: `Bearer ${JWT}` }, referrer: `https://x.test/?api_key=${JWT}` },
  ],
  ['secret in message', { message: `GET /login?password=hunter2 200` }],
  ['hostile strings', { path: HOSTILE, agent: HOSTILE, referrer: HOSTILE, user: HOSTILE, route: HOSTILE, method: HOSTILE, ip: HOSTILE }],
  ['long path', { path: LONG, agent: 'bench' }],
  ['long agent and referrer', { agent: LONG, referrer: LONG_EMOJI }],
  ['long with secret at the cut', { agent: 'y'.repeat(1000) + `Bearer ${JWT}` + LONG, referrer: JWT.repeat(3000) }],
  ['aborted', { status: null, error: 'aborted: the connection closed before the response finished' }],
  ['error object', { status: 500, error: Object.assign(new Error('boom 123'), { detail: { pin: '1234', password: 'x' } }) }],
  ['error value', { status: 502, error: { message: 'bad', code: 7, list: [1, 2, 3] } }],
  ['slow and query', { slow: true, query: {} }],
  ['numbers', { user: 42, ms: Number.NaN, status: 204 }],
  ['infinite time, null trace', { ms: Number.POSITIVE_INFINITY, trace: null, user: null }],
  ['odd values', { user: { id: 1 }, trace: 7, route: null, ip: null, agent: null, referrer: null }],
  ['whole and tiny times', { ms: 1000, status: 404 }],
  ['odd times', { ms: 0.1 + 0.2 }],
  ['huge time', { ms: 123_456_789_012.345 }],
  ['long query', { query: Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}`, LONG.slice(0, 2000)])) }],
];

function record(shape: Shape, options: { category: boolean; span: string | undefined; logger?: string; level?: LevelName }): RequestRecord {
  const path = shape.path ?? '/api/items';
  const status = shape.status === undefined ? 200 : shape.status;
  return new RequestRecord(
    options.level ?? 'INFO',
    options.logger ?? 'http',
    shape.message ?? `${shape.method ?? 'GET'} ${path} ${status ?? 'aborted'}`,
    options.category,
    shape.method ?? 'GET',
    path,
    shape.route === undefined ? '/api/:thing' : shape.route,
    status,
    shape.ms ?? 1.234,
    512,
    shape.ip === undefined ? '127.0.0.1' : shape.ip,
    shape.agent === undefined ? 'bench' : shape.agent,
    shape.referrer === undefined ? null : shape.referrer,
    shape.user === undefined ? 'u-1' : shape.user,
    'req-123',
    shape.trace === undefined ? '4bf92f3577b34da6a3ce929d0e0e4736' : shape.trace,
    options.span,
    shape.query,
    shape.error,
    shape.slow ?? false,
  );
}

const TIMES = [1_765_000_000_123, 1_765_000_000_123.5];
const LIMITS = [Number.POSITIVE_INFINITY, 65_536, 2_000, 1_024];

describe('request record serializer', () => {
  it('writes byte for byte what the generic formatter writes for the same fields', () => {
    let compared = 0;
    for (const [, redactor] of redactors)
      for (const [, shape] of shapes)
        for (const span of [undefined, '00f067aa0ba902b7'])
          for (const [ownCategory, category] of [
            [true, undefined],
            [false, undefined],
            [false, 'web'],
          ] as const)
            for (const limit of LIMITS) {
              const time = TIMES[compared % TIMES.length] as number;
              const rec = record(shape, { category: ownCategory, span });
              const fast = formatRequestData(time, 'WARNING', rec, redactor, category, limit);
              const generic = formatSystemData(
                time,
                'WARNING',
                rec.logger,
                rec.message,
                UNKNOWN_CALLSITE,
                rec.toFields(),
                redactor,
                category,
                limit,
              );
              expect(fast).toBe(generic);
              compared++;
            }
    expect(compared).toBe(redactors.length * shapes.length * 2 * 3 * LIMITS.length);
  });

  it('marks a record plain only when its data is printable ASCII', () => {
    let plain = 0;
    let compared = 0;
    for (const [, redactor] of redactors)
      for (const [, shape] of shapes)
        for (const maxRecordBytes of [65_536, 1_024])
          for (const logger of ['http', 'h\u00e9']) {
            const entries: LogEntry[] = [];
            const settings = {
              levels: new Map([['', 5]]),
              callsite: false,
              redactor,
              categories: undefined,
              defaultCategory: 'system',
              maxRecordBytes,
            };
            const tree = new LoggerTree(
              settings,
              (entry) => entries.push(entry),
              () => {},
            );
            writeRequest(tree, record(shape, { category: true, span: undefined, logger }));
            const [entry] = entries as [LogEntry];
            if (entry.plain === true) {
              plain++;
              expect(entry.data).toMatch(/^[\x20-\x7e]*$/);
            } else {
              expect(entry.plain).toBe(false);
            }
            compared++;
          }
    expect(compared).toBe(redactors.length * shapes.length * 4);
    // The usual record (no secrets, short ASCII values) is marked.
    expect(plain).toBeGreaterThan(redactors.length * 4);
  });

  it('writes numbers as String does', () => {
    const values = [
      0,
      -0,
      0.001,
      0.1,
      0.12,
      0.5,
      1,
      9.999,
      10.01,
      999.999,
      1e3,
      2 ** 31,
      1e12 - 0.001,
      1e12 + 0.5,
      1e15,
      1e21,
      1e-7,
      -1.5,
      0.0005,
    ];
    for (let i = 0; i < 20_000; i++) values.push(Math.round(Math.random() * 10 ** (1 + (i % 12))) / 1000, Math.random() * 1000);
    for (const value of [...values, Number.NaN, Number.POSITIVE_INFINITY])
      expect(numberText(value)).toBe(Number.isFinite(value) ? String(value) : 'null');
  });

  it('lists the fields in the order of the request record', () => {
    const withSpan = record({ query: {}, error: 'x', slow: true }, { category: true, span: 'ab' }).toFields();
    expect(Object.keys(withSpan)).toEqual([
      'trace_id',
      'span_id',
      'category',
      'method',
      'path',
      'route',
      'status_code',
      'response_time_ms',
      'bytes_sent',
      'client_ip',
      'user_agent',
      'referrer',
      'user_id',
      'request_id',
      'query',
      'error',
      'slow',
    ]);
    const plain = record({}, { category: false, span: undefined }).toFields();
    expect(Object.keys(plain).slice(-2)).toEqual(['request_id', 'trace_id']);
    expect(Object.keys(plain)).not.toContain('category');
  });

  it('writes what tree.ingest writes, audit loggers and a category clash included', () => {
    const cases: { categories?: Record<string, string>; logger?: string; message?: string; level?: LevelName; category?: boolean }[] = [
      {},
      { categories: { http: 'web' } },
      { categories: { http: 'web' }, category: true },
      { logger: 'app.audit' },
      { message: '[AUDIT] GET / 200' },
      { level: 'nonsense' as LevelName },
      { level: 'ERROR' },
    ];
    for (const [, redactor] of redactors)
      for (const c of cases) {
        const entries: LogEntry[] = [];
        const errors: unknown[] = [];
        const categories = c.categories === undefined ? undefined : new Map(Object.entries(c.categories));
        const settings = {
          levels: new Map([['', 5]]),
          callsite: false,
          redactor,
          categories,
          defaultCategory: 'system',
          maxRecordBytes: 2_000,
        };
        const tree = new LoggerTree(
          settings,
          (entry) => entries.push(entry),
          (error) => errors.push(error),
        );
        const shape: Shape = { referrer: `https://x.test/?token=${JWT}`, agent: LONG, query: { password: 'p' } };
        if (c.message !== undefined) shape.message = c.message;
        const options = { category: c.category ?? c.categories === undefined, span: '00f067aa0ba902b7', level: c.level ?? 'INFO' };
        const rec = record(shape, c.logger === undefined ? options : { ...options, logger: c.logger });
        writeRequest(tree, rec);
        tree.ingest({ level: rec.level, logger: rec.logger, message: rec.message, fields: rec.toFields() }, false);
        expect(errors).toEqual([]);
        expect(entries).toHaveLength(2);
        const [fast, generic] = entries as [LogEntry, LogEntry];
        // The two records were made a moment apart: their times may differ, nothing else.
        expect({ ...fast, plain: undefined, time: 0, data: fast.data.replace(/"timestamp":"[^"]*"/, '') }).toEqual({
          ...generic,
          time: 0,
          data: generic.data.replace(/"timestamp":"[^"]*"/, ''),
        });
      }
  });

  it('gives a sink without ingestRequest the record as fields through ingest', async () => {
    const logwire = createLogwire({ console: false, metrics: false });
    const records: IngestRecord[] = [];
    const tracker = new RequestTracker({ logger: logwire.getLogger('http'), ingest: (record) => records.push(record), onError: () => {} });
    const server = createServer((req, res) => {
      tracker.start(req, res);
      res.end('ok');
    });
    try {
      const url = await listen(server);
      await send(`${url}/things?x=1`, { headers: { 'user-agent': 'test-agent', referer: 'https://r.test/' } });
      const [record] = await until(() => (records.length > 0 ? records : undefined), 'the request record');
      expect(record).toMatchObject({ level: 'INFO', logger: 'http', message: 'GET /things 200' });
      expect(Object.keys(record?.fields ?? {})).toEqual([
        'category',
        'method',
        'path',
        'route',
        'status_code',
        'response_time_ms',
        'bytes_sent',
        'client_ip',
        'user_agent',
        'referrer',
        'user_id',
        'request_id',
        'trace_id',
      ]);
      expect(record?.fields).toMatchObject({
        category: 'http',
        method: 'GET',
        path: '/things',
        route: null,
        status_code: 200,
        bytes_sent: 2,
        user_agent: 'test-agent',
        referrer: 'https://r.test/',
        user_id: null,
        trace_id: null,
      });
    } finally {
      await closeServer(server);
      await logwire.close();
    }
  });
});
