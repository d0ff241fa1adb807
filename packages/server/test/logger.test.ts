import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, defaultLogwire, getLogger, type Logwire, LogwireError } from '../src/index.js';
import { quoteJson } from '../src/logger/serialize.js';
import { capture } from './logger-capture.js';

const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const SYSTEM_KEYS = ['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line'];

let logwire: Logwire | undefined;
const savedLogLevel = process.env['LOG_LEVEL'];

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  if (savedLogLevel === undefined) delete process.env['LOG_LEVEL'];
  else process.env['LOG_LEVEL'] = savedLogLevel;
});

function setup(options: Parameters<typeof createLogwire>[0] = {}) {
  delete process.env['LOG_LEVEL'];
  logwire = createLogwire({ workers: false, ...options });
  return { logwire, out: capture(logwire) };
}

/** The line of the caller of this function, read from a stack trace. */
function callerLine(): number {
  const stack = new Error().stack ?? '';
  const frame = stack.split('\n')[2] ?? '';
  return Number(/:(\d+):\d+\)?$/.exec(frame)?.[1]);
}

describe('quoteJson', () => {
  it('quotes short and long strings exactly as JSON.stringify does, escapes and lone surrogates included', () => {
    const samples = [
      '',
      'GET',
      '/api/items',
      'a"b',
      'a\\b',
      'tab\there',
      'nul\u0000',
      '\u001f',
      'é ✓',
      '😀',
      '\ud800',
      'x\udfff',
      '\u2028',
    ];
    for (const sample of samples) {
      for (const text of [sample, sample.padStart(40, '.'), sample.padEnd(33, '.')]) expect(quoteJson(text)).toBe(JSON.stringify(text));
    }
  });
});

describe('Logger: names, levels, fields', () => {
  it('returns the same logger object for the same dotted name, and distinct ones for others', () => {
    const { logwire } = setup();
    const a = logwire.getLogger('orchestrator.instance_manager');
    expect(logwire.getLogger('orchestrator.instance_manager')).toBe(a);
    expect(logwire.getLogger('orchestrator')).not.toBe(a);
    expect(a.name).toBe('orchestrator.instance_manager');
  });

  it('logs all six levels by name, with TRACE below DEBUG, when the threshold is TRACE', () => {
    const { logwire, out } = setup({ level: 'TRACE', callsite: false });
    const log = logwire.getLogger('app');
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warning('w');
    log.warn('w2');
    log.error('e');
    log.critical('c');
    log.fatal('f');
    log.log('warn', 'via log()');
    const frames = out.take();
    expect(frames.map((f) => [f.data['level'], f.data['message']])).toEqual([
      ['TRACE', 't'],
      ['DEBUG', 'd'],
      ['INFO', 'i'],
      ['WARNING', 'w'],
      ['WARNING', 'w2'],
      ['ERROR', 'e'],
      ['CRITICAL', 'c'],
      ['CRITICAL', 'f'],
      ['WARNING', 'via log()'],
    ]);
    expect(logwire.hub.head?.level).toBe(30);
  });

  it('drops records below INFO by default and keeps the rest', () => {
    const { logwire, out } = setup({ callsite: false });
    const log = logwire.getLogger('app');
    log.trace('no');
    log.debug('no');
    log.info('yes');
    expect(out.take().map((f) => f.data['message'])).toEqual(['yes']);
    expect(log.isEnabled('DEBUG')).toBe(false);
    expect(log.isEnabled('INFO')).toBe(true);
  });

  it('applies thresholds to whole subtrees, the longest configured prefix winning segment-wise', () => {
    const { logwire, out } = setup({
      callsite: false,
      level: { '': 'WARNING', 'orchestrator.tmux': 'DEBUG', 'orchestrator.tmux.noisy': 'ERROR' },
    });
    logwire.getLogger('orchestrator.tmux').debug('tmux debug');
    logwire.getLogger('orchestrator.tmux.core').debug('core debug');
    logwire.getLogger('orchestrator.tmux.noisy.poller').warning('noisy warning');
    logwire.getLogger('orchestrator.tmuxer').info('not a segment match');
    logwire.getLogger('orchestrator').info('root rule');
    logwire.getLogger('other').warning('other warning');
    expect(out.take().map((f) => f.data['message'])).toEqual(['tmux debug', 'core debug', 'other warning']);
  });

  it('changes thresholds at run time with setLevel, for loggers created before and after', () => {
    const { logwire, out } = setup({ callsite: false });
    const early = logwire.getLogger('db.pool');
    early.debug('before');
    logwire.setLevel('db', 'DEBUG');
    early.debug('after');
    logwire.getLogger('db.query').debug('late logger');
    expect(out.take().map((f) => f.data['message'])).toEqual(['after', 'late logger']);
    expect(() => logwire.setLevel('db', 'LOUD' as 'INFO')).toThrow(LogwireError);
  });

  it('reads LOG_LEVEL (a level, or a list with prefixes); the level option wins where both set a prefix', () => {
    process.env['LOG_LEVEL'] = 'warning, orchestrator.tmux=debug, bogus=loud';
    const errors: unknown[] = [];
    logwire = createLogwire({ workers: false, callsite: false, onError: (e) => errors.push(e) });
    const out = capture(logwire);
    logwire.getLogger('app').info('dropped: root is WARNING');
    logwire.getLogger('app').warning('kept');
    logwire.getLogger('orchestrator.tmux.core').debug('kept: prefix rule');
    expect(out.take().map((f) => f.data['message'])).toEqual(['kept', 'kept: prefix rule']);
    expect(String(errors[0])).toContain('LOG_LEVEL: ignoring "bogus=loud"');

    const other = createLogwire({ workers: false, callsite: false, level: { '': 'ERROR' } });
    expect(other.getLogger('app').isEnabled('WARNING')).toBe(false);
    expect(other.getLogger('orchestrator.tmux').isEnabled('DEBUG')).toBe(true);
    void other.close();
  });

  it('rejects an unknown level in options with LogwireError ERR_LOGWIRE_INVALID_OPTION', () => {
    delete process.env['LOG_LEVEL'];
    expect(() => createLogwire({ level: 'LOUD' as 'INFO' })).toThrow(expect.objectContaining({ code: 'ERR_LOGWIRE_INVALID_OPTION' }));
  });

  it('formats a system_log exactly: seven seed fields first, extras at the top level', () => {
    const { logwire, out } = setup({ callsite: false });
    const before = Date.now();
    logwire
      .getLogger('orchestrator.instance_manager')
      .warning('High memory usage detected', { memory_mb: 512, instance_id: 'abc123', tags: ['a'], nested: { ok: true } });
    const [frame] = out.take();
    expect(frame!.type).toBe('system_log');
    expect(Object.keys(frame!)).toEqual(['type', 'id', 'data']);
    const data = frame!.data;
    expect(Object.keys(data)).toEqual([...SYSTEM_KEYS, 'memory_mb', 'instance_id', 'tags', 'nested']);
    expect(data).toEqual({
      timestamp: data['timestamp'],
      level: 'WARNING',
      logger: 'orchestrator.instance_manager',
      message: 'High memory usage detected',
      module: '',
      function: '',
      line: 0,
      memory_mb: 512,
      instance_id: 'abc123',
      tags: ['a'],
      nested: { ok: true },
    });
    expect(data['timestamp']).toMatch(ISO_MS_Z);
    const at = Date.parse(data['timestamp'] as string);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('keeps an extra that clashes with a reserved name nested under `extra`, never overwriting', () => {
    const { logwire, out } = setup({ callsite: false });
    logwire
      .getLogger('app')
      .info('real message', { level: 'CRITICAL', message: 'spoofed', logger: 'root', timestamp: '1999', line: -1, extra: 'mine', kept: 1 });
    const { data } = out.take()[0]!;
    expect(data['level']).toBe('INFO');
    expect(data['message']).toBe('real message');
    expect(data['logger']).toBe('app');
    expect(data['line']).toBe(0);
    expect(data['kept']).toBe(1);
    expect(data['extra']).toEqual({ level: 'CRITICAL', message: 'spoofed', logger: 'root', timestamp: '1999', line: -1, extra: 'mine' });
  });

  it('serialises Errors with name, message and stack, nested ones and their cause chain', () => {
    const { logwire, out } = setup({ callsite: false });
    const root = new Error('connection refused');
    const wrapped = new Error('query failed', { cause: root });
    (wrapped as Error & { code?: string }).code = 'E_QUERY';
    const log = logwire.getLogger('db');
    log.error('as fields', wrapped);
    log.error('nested', { request: { id: 7, failure: wrapped } });
    log.error(wrapped);
    log.error(new AggregateError([new Error('one'), new TypeError('two')], 'many'));
    const [asFields, nested, bare, aggregate] = out.take();
    const error = asFields!.data['error'] as Record<string, unknown>;
    expect(error['name']).toBe('Error');
    expect(error['message']).toBe('query failed');
    expect(error['code']).toBe('E_QUERY');
    expect(error['stack']).toContain('query failed');
    expect(error['stack']).toContain('logger.test.ts');
    expect((error['cause'] as Record<string, unknown>)['message']).toBe('connection refused');
    expect((error['cause'] as Record<string, unknown>)['stack']).toContain('connection refused');
    const failure = (nested!.data['request'] as Record<string, Record<string, unknown>>)['failure']!;
    expect(failure['message']).toBe('query failed');
    expect((failure['cause'] as Record<string, unknown>)['message']).toBe('connection refused');
    expect(bare!.data['message']).toBe('query failed');
    expect((bare!.data['error'] as Record<string, unknown>)['code']).toBe('E_QUERY');
    const errors = (aggregate!.data['error'] as { errors: { name: string; message: string }[] }).errors;
    expect(errors.map((e) => [e.name, e.message])).toEqual([
      ['Error', 'one'],
      ['TypeError', 'two'],
    ]);
  });

  it('accepts pino-style argument order: (fields, message) and (error, message)', () => {
    const { logwire, out } = setup({ callsite: false });
    const log = logwire.getLogger('app');
    log.info({ user_id: 42 }, 'user signed in');
    log.error(new Error('boom'), 'request failed');
    log.info({ only: 'fields' });
    const [a, b, c] = out.take();
    expect(a!.data).toMatchObject({ message: 'user signed in', user_id: 42 });
    expect(b!.data).toMatchObject({ message: 'request failed', error: { message: 'boom' } });
    expect(c!.data).toMatchObject({ message: '', only: 'fields' });
  });

  it('child loggers carry bound fields; call fields win; the parent is unaffected', () => {
    const { logwire, out } = setup({ callsite: false });
    const parent = logwire.getLogger('orchestrator.instance_manager');
    const child = parent.child({ instance_id: 'abc123', role: 'general' });
    const grandchild = child.child({ role: 'architect', request_id: 'r1' });
    child.info('spawned');
    grandchild.info('planning', { step: 1 });
    child.info('override', { instance_id: 'other' });
    parent.info('plain');
    const frames = out.take();
    expect(frames.map((f) => f.data)).toEqual([
      expect.objectContaining({ logger: 'orchestrator.instance_manager', message: 'spawned', instance_id: 'abc123', role: 'general' }),
      expect.objectContaining({ message: 'planning', instance_id: 'abc123', role: 'architect', request_id: 'r1', step: 1 }),
      expect.objectContaining({ message: 'override', instance_id: 'other' }),
      expect.not.objectContaining({ instance_id: expect.anything() }),
    ]);
    expect(child.name).toBe(parent.name);
    expect(grandchild.bindings).toEqual({ instance_id: 'abc123', role: 'architect', request_id: 'r1' });
  });

  it('adds `category` from a logger-prefix map (seed 003), "system" when nothing matches', () => {
    const { logwire, out } = setup({
      callsite: false,
      categories: {
        'code_monet.auth': 'auth',
        'code_monet.agent': 'agent',
        'code_monet.connections': 'websocket',
        'code_monet.main': 'http',
      },
    });
    logwire.getLogger('code_monet.auth.routes').info('User signed in', { user_id: 42 });
    logwire.getLogger('code_monet.connections').info('ws open');
    logwire.getLogger('code_monet.mainframe').info('not the main prefix');
    logwire.getLogger('code_monet.agent').info('spoof', { category: 'auth' });
    const frames = out.take();
    expect(Object.keys(frames[0]!.data)).toEqual([...SYSTEM_KEYS, 'category', 'user_id']);
    expect(frames.map((f) => f.data['category'])).toEqual(['auth', 'websocket', 'system', 'agent']);
    expect(frames[3]!.data['extra']).toEqual({ category: 'auth' });
    expect(logwire.getLogger('code_monet.agent.tools').category).toBe('agent');
  });

  it("sends no `category` field when no categories are configured (the seeds' wire shape)", () => {
    const { logwire, out } = setup({ callsite: false });
    logwire.getLogger('a').info('x', { category: 'mine' });
    const { data } = out.take()[0]!;
    expect(data['category']).toBe('mine');
    expect(data['extra']).toBeUndefined();
    expect(logwire.getLogger('a').category).toBeUndefined();
  });

  it('reports module, function and line of the real call site', () => {
    const { logwire, out } = setup();
    const log = logwire.getLogger('madrox.server');
    function startServer(): number {
      log.info('Server started');
      return callerLine() - 1; // the line of the call above
    }
    const line = startServer();
    class Spawner {
      spawnInstance(): number {
        log.warning('spawning');
        return callerLine() - 1;
      }
    }
    const methodLine = new Spawner().spawnInstance();
    log.log('ERROR', 'via log');
    const logLine = callerLine() - 1;
    const [a, b, c] = out.take();
    expect(a!.data).toMatchObject({ module: 'logger', function: 'startServer', line });
    expect(line).toBeGreaterThan(0);
    expect(b!.data).toMatchObject({ module: 'logger', function: 'spawnInstance', line: methodLine });
    expect(c!.data).toMatchObject({ module: 'logger', line: logLine });
  });

  it('reports an empty module and function and line 0 when capture is switched off', () => {
    const { logwire, out } = setup({ callsite: false });
    logwire.getLogger('x').info('fast');
    expect(out.take()[0]!.data).toMatchObject({ module: '', function: '', line: 0 });
  });

  it('the first instance of the main thread serves the process-wide getLogger() until it is closed', async () => {
    const { logwire, out } = setup({ callsite: false });
    const second = createLogwire({ workers: false });
    expect(defaultLogwire()).toBe(logwire);
    getLogger('some.module').info('via the process-wide logger');
    expect(out.take().map((f) => f.data['message'])).toEqual(['via the process-wide logger']);
    await logwire.close();
    expect(defaultLogwire()).not.toBe(logwire);
    await second.close();
  });

  it('formats timestamps in UTC with milliseconds, also within one second and across seconds', () => {
    const { logwire, out } = setup({ callsite: false });
    const times = [
      Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      Date.UTC(2026, 0, 2, 3, 4, 5, 78),
      Date.UTC(2026, 0, 2, 3, 4, 5, 999),
      Date.UTC(2026, 0, 2, 3, 4, 6, 0),
      -1,
    ];
    for (const time of times) logwire.ingest({ level: 'INFO', logger: 'clock', message: 't', time });
    expect(out.take().map((f) => f.data['timestamp'])).toEqual([
      '2026-01-02T03:04:05.006Z',
      '2026-01-02T03:04:05.078Z',
      '2026-01-02T03:04:05.999Z',
      '2026-01-02T03:04:06.000Z',
      '1969-12-31T23:59:59.999Z',
    ]);
  });
});
