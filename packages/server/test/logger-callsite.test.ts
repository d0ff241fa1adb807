// The call site on the wire (module, function, line) for every shape of calling code, and the
// `Error.prepareStackTrace` hook of the application left as it was.
import pino from 'pino';
import winston from 'winston';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire, pinoDestination, winstonTransport } from '../src/index.js';
import { capture } from './logger-capture.js';

let logwire: Logwire | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

function setup(options: Parameters<typeof createLogwire>[0] = {}) {
  logwire = createLogwire({ workers: false, console: false, ...options });
  return { logwire, out: capture(logwire), log: logwire.getLogger('app.callsite') };
}

/** The line of the caller of this function, read from a stack trace. */
function callerLine(): number {
  const stack = new Error().stack ?? '';
  const frame = stack.split('\n')[2] ?? '';
  return Number(/:(\d+):\d+\)?$/.exec(frame)?.[1]);
}

/** The wire's call-site fields of a captured frame. */
function siteOf(frame: { data: Record<string, unknown> } | undefined) {
  const data = frame?.data ?? {};
  return { module: data['module'], function: data['function'], line: data['line'] };
}

describe('call site: every shape of calling code', () => {
  it('plain functions, methods, static methods, arrow functions, async functions and anonymous callbacks', async () => {
    const { out, log } = setup();
    const lines: number[] = [];
    function plainFunction(): void {
      log.info('plain');
      lines.push(callerLine() - 1);
    }
    class Service {
      method(): void {
        log.info('method');
        lines.push(callerLine() - 1);
      }
      static staticMethod(): void {
        log.info('static');
        lines.push(callerLine() - 1);
      }
    }
    const arrowFunction = (): void => {
      log.info('arrow');
      lines.push(callerLine() - 1);
    };
    async function asyncFunction(): Promise<void> {
      await Promise.resolve();
      log.info('after await');
      lines.push(callerLine() - 1);
    }
    plainFunction();
    new Service().method();
    Service.staticMethod();
    arrowFunction();
    await asyncFunction();
    [1].forEach(function () {
      log.info('anonymous function');
      lines.push(callerLine() - 1);
    });
    [1].forEach(() => {
      log.info('anonymous arrow');
      lines.push(callerLine() - 1);
    });
    const frames = out.take();
    expect(frames.map((f) => siteOf(f))).toEqual([
      { module: 'logger-callsite', function: 'plainFunction', line: lines[0] },
      { module: 'logger-callsite', function: 'method', line: lines[1] },
      { module: 'logger-callsite', function: 'staticMethod', line: lines[2] },
      { module: 'logger-callsite', function: 'arrowFunction', line: lines[3] },
      { module: 'logger-callsite', function: 'asyncFunction', line: lines[4] },
      { module: 'logger-callsite', function: '<anonymous>', line: lines[5] },
      { module: 'logger-callsite', function: '<anonymous>', line: lines[6] },
    ]);
    for (const line of lines) expect(line).toBeGreaterThan(0);
  });

  it('every level method and log(level, …) report the caller, not logwire', () => {
    const { out, log } = setup({ level: 'TRACE' });
    const methods = ['trace', 'debug', 'info', 'warning', 'warn', 'error', 'critical', 'fatal'] as const;
    const lines: number[] = [];
    function callEach(): void {
      for (const method of methods) {
        log[method]('via ' + method);
        lines.push(callerLine() - 1);
      }
      log.log('INFO', 'via log');
      lines.push(callerLine() - 1);
    }
    callEach();
    const sites = out.take().map((f) => siteOf(f));
    expect(sites).toHaveLength(methods.length + 1);
    sites.forEach((site, i) => expect(site).toEqual({ module: 'logger-callsite', function: 'callEach', line: lines[i] }));
  });

  it('call sites that alternate, once the calling code is optimized, each report their own line (nothing carried over)', () => {
    const { out, log } = setup();
    const lines: number[] = [];
    function first(i: number): void {
      log.info('first', { i });
      if (i === 0) lines[0] = callerLine() - 1;
    }
    function second(i: number): void {
      log.info('second', { i });
      if (i === 0) lines[1] = callerLine() - 1;
    }
    const rounds = 3000;
    for (let i = 0; i < rounds; i++) {
      first(i);
      second(i);
    }
    const frames = out.take();
    expect(frames).toHaveLength(2 * rounds);
    for (const frame of frames) {
      const expected =
        frame.data['message'] === 'first'
          ? { module: 'logger-callsite', function: 'first', line: lines[0] }
          : { module: 'logger-callsite', function: 'second', line: lines[1] };
      expect(siteOf(frame)).toEqual(expected);
    }
    expect(lines[0]).not.toBe(lines[1]);
  });

  it('a field getter that logs while the record is read: each record has its own call site', () => {
    const { out, log } = setup();
    let innerLine = 0;
    function inner(): void {
      log.info('inner');
      innerLine = callerLine() - 1;
    }
    const fields = {
      get detail(): string {
        inner();
        return 'read';
      },
    };
    function outer(): number {
      log.info('outer', fields);
      return callerLine() - 1;
    }
    const outerLine = outer();
    const byMessage = new Map(out.take().map((f) => [f.data['message'], siteOf(f)]));
    expect(byMessage.get('outer')).toEqual({ module: 'logger-callsite', function: 'outer', line: outerLine });
    expect(byMessage.get('inner')).toEqual({ module: 'logger-callsite', function: 'inner', line: innerLine });
  });

  it('with call sites off, level methods and log() write no call site', () => {
    const off = setup({ callsite: false });
    off.log.info('no site');
    off.log.log('WARNING', 'no site either');
    expect(off.out.take().map((f) => siteOf(f))).toEqual([
      { module: '', function: '', line: 0 },
      { module: '', function: '', line: 0 },
    ]);
  });

  it('records from the pino and winston adapters carry no call site (module "", function "", line 0), as before', () => {
    const { logwire, out } = setup();
    const destination = pinoDestination(logwire, { name: 'pino.app' });
    pino(destination).info({ user: 'ada' }, 'from pino');
    destination.write(JSON.stringify({ level: 30, time: Date.now(), msg: 'written line' }) + '\n');
    destination.flush();
    const viaWinston = winston.createLogger({ transports: [winstonTransport(logwire)] });
    viaWinston.info('from winston', { user: 'ada' });
    logwire.ingest({ level: 'INFO', logger: 'worker', message: 'known site', callsite: { module: 'job', function: 'run', line: 7 } });
    const frames = out.take();
    const byMessage = new Map(frames.map((f) => [f.data['message'], siteOf(f)]));
    const none = { module: '', function: '', line: 0 };
    expect(byMessage.get('from pino')).toEqual(none);
    expect(byMessage.get('written line')).toEqual(none);
    expect(byMessage.get('from winston')).toEqual(none);
    expect(byMessage.get('known site')).toEqual({ module: 'job', function: 'run', line: 7 });
  });
});

describe('call site: the application’s Error.prepareStackTrace', () => {
  const original = Error.prepareStackTrace;
  afterEach(() => {
    Error.prepareStackTrace = original;
  });

  it('is the same function after a log call, and still formats the application’s errors', () => {
    const { out, log } = setup();
    const calls: number[] = [];
    const hook = (error: Error, sites: NodeJS.CallSite[]): string => {
      calls.push(sites.length);
      return (
        `${error.name}: ${error.message}\n` +
        sites
          .map((s) => `    at ${s.getFunctionName() ?? '<anonymous>'} (${s.getFileName()}:${s.getLineNumber()}:${s.getColumnNumber()})`)
          .join('\n')
      );
    };
    Error.prepareStackTrace = hook;
    function logged(): number {
      log.info('with a hook');
      return callerLine() - 1;
    }
    const line = logged();
    expect(Error.prepareStackTrace).toBe(hook);
    const stack = new Error('app error').stack ?? '';
    expect(stack.startsWith('Error: app error\n    at ')).toBe(true);
    expect(siteOf(out.take()[0])).toEqual({ module: 'logger-callsite', function: 'logged', line });
  });

  it('a source-map aware hook (source-map-support style) maps the reported module and line', () => {
    const { out, log } = setup();
    // Pretends every position maps to line + 1000 of src/original.ts, as a source-map hook would print it.
    const mapping = (error: Error, sites: NodeJS.CallSite[]): string =>
      `${error.name}: ${error.message}\n` +
      sites
        .map((s) => `    at ${s.getFunctionName() ?? '<anonymous>'} (/app/src/original.ts:${(s.getLineNumber() ?? 0) + 1000}:1)`)
        .join('\n');
    Error.prepareStackTrace = mapping;
    function mapped(): void {
      log.info('mapped');
    }
    mapped();
    const site = siteOf(out.take()[0]);
    expect(Error.prepareStackTrace).toBe(mapping);
    expect(site.module).toBe('original');
    expect(site.function).toBe('mapped');
    expect(site.line).toBeGreaterThan(1000);
  });

  it('a hook that throws or returns something else is left installed, and the record is still written', () => {
    const { out, log } = setup();
    const throwing = (): never => {
      throw new Error('hook failed');
    };
    Error.prepareStackTrace = throwing;
    log.info('hook throws');
    expect(Error.prepareStackTrace).toBe(throwing);
    const odd = (): unknown => 42;
    Error.prepareStackTrace = odd;
    log.info('hook returns a number');
    expect(Error.prepareStackTrace).toBe(odd);
    const messages = out.take().map((f) => [f.data['message'], typeof f.data['module'], typeof f.data['line']]);
    expect(messages).toEqual([
      ['hook throws', 'string', 'number'],
      ['hook returns a number', 'string', 'number'],
    ]);
  });

  it('Error.stackTraceLimit is restored, whatever it was', () => {
    const { log } = setup();
    const before = Error.stackTraceLimit;
    try {
      Error.stackTraceLimit = 37;
      log.info('limit');
      expect(Error.stackTraceLimit).toBe(37);
    } finally {
      Error.stackTraceLimit = before;
    }
  });
});
