import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogwire, type Logwire, LogwireError } from '../src/index.js';
import { escapeControls } from '../src/console/pretty-format.js';
import { ConsoleSink, resolveConsole } from '../src/console/console-sink.js';
import type { LogEntry } from '../src/logger/format.js';
import { nextEvent } from '../../../test/helpers/wait.js';
import { collector } from './console-helpers.js';

let logwire: Logwire | undefined;

afterEach(async () => {
  vi.unstubAllEnvs();
  await logwire?.close();
  logwire = undefined;
});

/** What the sink has written once the current turn's lines are out. */
async function written(out: ReturnType<typeof collector>): Promise<string[]> {
  logwire!.console!.flush();
  if (out.chunks.length === 0) await nextEvent(out.stream, 'drain', 1000).catch(() => undefined);
  return out.text().split('\n').slice(0, -1);
}

// Our own colour codes (SGR) are the only escapes a pretty line may hold.
// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[0-9;]*m/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('console output, pretty', () => {
  it('shows time, coloured level, logger, message and fields on a TTY', async () => {
    vi.stubEnv('NO_COLOR', '');
    vi.stubEnv('FORCE_COLOR', '');
    const out = collector({ isTTY: true });
    logwire = createLogwire({ console: { stream: out.stream }, callsite: false });
    expect(logwire.console?.format).toBe('pretty');
    logwire.getLogger('orchestrator.server').warning('started', { port: 8001, host: '0.0.0.0', note: 'two words', tags: ['a'] });
    const [line] = await written(out);
    expect(line).toContain('\u001b[33mWARNING \u001b[0m');
    expect(line!.replace(SGR, '')).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} WARNING {2}orchestrator\.server started port=8001 host=0\.0\.0\.0 note="two words" tags=\["a"\]$/,
    );
  });

  it('has no colours with NO_COLOR, and has them on any stream with FORCE_COLOR', async () => {
    vi.stubEnv('NO_COLOR', '1');
    vi.stubEnv('FORCE_COLOR', '');
    const plain = collector({ isTTY: true });
    logwire = createLogwire({ console: { stream: plain.stream }, callsite: false });
    logwire.getLogger('app').error('boom', { code: 7 });
    const [line] = await written(plain);
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR {4}app boom code=7$/);
    await logwire.close();

    vi.stubEnv('NO_COLOR', '');
    vi.stubEnv('FORCE_COLOR', '1');
    const forced = collector();
    logwire = createLogwire({ console: { stream: forced.stream, format: 'pretty' }, callsite: false });
    logwire.getLogger('app').info('hello');
    const [coloured] = await written(forced);
    expect(coloured).toContain('\u001b[32mINFO');
  });

  it('shows audit records with their action and metadata', async () => {
    const out = collector();
    logwire = createLogwire({ console: { stream: out.stream, format: 'pretty', colour: false } });
    logwire.audit('instance_spawn', { instance_id: 'abc123', details: { cpu: 2 } });
    const [line] = await written(out);
    expect(line).toMatch(/ INFO {5}audit instance_spawn AUDIT action=instance_spawn instance_id=abc123 details=\{"cpu":2\}$/);
  });

  it.each([
    ['line feed', 'a\nforged INFO line', '\\n'],
    ['carriage return', 'a\rover', '\\r'],
    ['escape (terminal commands)', 'a\u001b[2J\u001b]0;title\u0007', '\\u001b[2J\\u001b]0;title\\u0007'],
    ['bell', 'ding\u0007', '\\u0007'],
    ['other C0 and DEL', 'nul\u0000bs\u0008del\u007f', '\\u0000bs\\u0008del\\u007f'],
    ['C1 (CSI)', 'csi\u009b31m', '\\u009b31m'],
    ['bidi overrides and isolates', 'txt\u202egnp.exe\u2066x\u2069', '\\u202egnp.exe\\u2066x\\u2069'],
    ['line separators', 'a\u2028b\u2029c', 'a\\u2028b\\u2029c'],
  ])('escapes %s in message, logger name, field names and values', async (_name, hostile, escaped) => {
    for (const colour of [false, true]) {
      const out = collector();
      logwire = createLogwire({ console: { stream: out.stream, format: 'pretty', colour }, callsite: false });
      logwire.getLogger(`svc${hostile}`).info(hostile, { [`k${hostile}`]: hostile, nested: { v: hostile } });
      logwire.audit(hostile, { [hostile]: hostile });
      const lines = await written(out);
      expect(lines).toHaveLength(2);
      for (const line of lines) {
        expect(line.replace(SGR, '')).not.toMatch(CONTROL);
        expect(line).toContain(escaped);
      }
      await logwire.close();
      logwire = undefined;
    }
  });

  it('shows a field named __proto__ like any other', async () => {
    const out = collector();
    logwire = createLogwire({ console: { stream: out.stream, format: 'pretty', colour: false }, callsite: false });
    logwire.getLogger('app').info('odd', JSON.parse('{"__proto__":{"polluted":1},"after":2}') as Record<string, unknown>);
    const [line] = await written(out);
    expect(line).toMatch(/ app odd __proto__=\{"polluted":1\} after=2$/);
  });

  it('escapeControls leaves printable text alone', () => {
    expect(escapeControls('plain ünïcødé 日本 → ok')).toBe('plain ünïcødé 日本 → ok');
  });
});

describe('console output, json', () => {
  it('writes the wire data of a system record as it is, one per line', async () => {
    const out = collector();
    logwire = createLogwire({ console: out.stream });
    const data: string[] = [];
    logwire.hub.on((batch) => data.push(...batch.map((message) => message.data)));
    logwire.getLogger('app.db').info('query', { ms: 12, sql: 'select 1' });
    const lines = await written(out);
    logwire.hub.flush();
    expect(lines).toEqual(data);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'INFO', logger: 'app.db', message: 'query', ms: 12, sql: 'select 1' });
  });

  it('puts "type":"audit_log" first in an audit record, then its wire data', async () => {
    const out = collector();
    logwire = createLogwire({ console: { stream: out.stream, format: 'json' } });
    const data: string[] = [];
    logwire.hub.on((batch) => data.push(...batch.map((message) => message.data)));
    logwire.audit('login', { user: 'ada' });
    const [line] = await written(out);
    logwire.hub.flush();
    expect(line).toBe('{"type":"audit_log",' + data[0]!.slice(1));
    expect(JSON.parse(line!)).toMatchObject({ type: 'audit_log', logger: 'audit', action: 'login', metadata: { user: 'ada' } });
  });

  it('escapes a chunk unless every line in it is known to be printable ASCII', () => {
    const out = collector();
    const sink = new ConsoleSink(
      resolveConsole(out.stream, {}, () => {})!,
      () => {},
    );
    const entry = (data: string, plain?: boolean): LogEntry => ({ type: 'system_log', time: 0, level: 20, logger: 'x', data, plain });
    sink.push(entry('{"m":"plain"}', true));
    sink.push(entry('{"m":"a\u2028b"}'));
    sink.flush();
    sink.push(entry('{"m":"plain"}', true));
    sink.push(entry('{"m":"plain"}', false));
    sink.flush();
    sink.close();
    expect(out.chunks).toEqual(['{"m":"plain"}\n{"m":"a\\u2028b"}\n', '{"m":"plain"}\n{"m":"plain"}\n']);
  });

  it.each([
    ['C1, bidi and separators', 'a\u009b2J\u202eb\u2028c\u001b'],
    ['DEL in otherwise plain ASCII', 'plain\u007f ascii'],
  ])('writes the characters JSON leaves raw (%s) as \\u escapes: the same JSON value', async (_name, hostile) => {
    const out = collector();
    logwire = createLogwire({ console: out.stream });
    logwire.getLogger('app').info(hostile);
    const [line] = await written(out);
    expect(line).not.toMatch(CONTROL);
    expect(JSON.parse(line!)).toMatchObject({ message: hostile });
  });
});

describe('console option', () => {
  it('defaults to pretty on a TTY and json elsewhere, unless LOGWIRE_CONSOLE says otherwise', () => {
    const report = vi.fn();
    const tty = collector({ isTTY: true }).stream;
    expect(resolveConsole({ stream: tty }, {}, report)?.format).toBe('pretty');
    expect(resolveConsole({ stream: collector().stream }, {}, report)?.format).toBe('json');
    expect(resolveConsole(undefined, {}, report)?.format).toBe(process.stdout.isTTY ? 'pretty' : 'json');
    expect(resolveConsole(undefined, {}, report)?.stream).toBe(process.stdout);
    expect(resolveConsole(undefined, { LOGWIRE_CONSOLE: 'off' }, report)).toBeUndefined();
    expect(resolveConsole(undefined, { LOGWIRE_CONSOLE: 'pretty' }, report)?.format).toBe('pretty');
    expect(resolveConsole(undefined, { LOGWIRE_CONSOLE: 'json' }, report)?.format).toBe('json');
    // An explicit option wins over the variable.
    expect(resolveConsole('json', { LOGWIRE_CONSOLE: 'off' }, report)?.format).toBe('json');
    expect(resolveConsole(false, {}, report)).toBeUndefined();
    expect(report).not.toHaveBeenCalled();
    expect(resolveConsole(undefined, { LOGWIRE_CONSOLE: 'loud' }, report)?.stream).toBe(process.stdout);
    expect(report).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringContaining('LOGWIRE_CONSOLE') }));
  });

  it('is on by default for createLogwire() when LOGWIRE_CONSOLE is unset, off with console: false', async () => {
    vi.stubEnv('LOGWIRE_CONSOLE', undefined);
    logwire = createLogwire();
    expect(logwire.console?.format).toBe(process.stdout.isTTY ? 'pretty' : 'json');
    await logwire.close();
    logwire = createLogwire({ console: false });
    expect(logwire.console).toBeUndefined();
  });

  it('lets go of the stream when closed: instances do not pile listeners on it', async () => {
    const out = collector();
    const before = out.stream.listenerCount('error');
    for (let i = 0; i < 20; i++) {
      const instance = createLogwire({ console: out.stream, workers: false });
      instance.getLogger('app').info(`instance ${i}`);
      await instance.close();
    }
    expect(out.stream.listenerCount('error')).toBe(before);
    expect(out.text().split('\n')).toHaveLength(21);
  });

  it('rejects a malformed option with a clear error', () => {
    expect(() => createLogwire({ console: { format: 'xml' as 'json' } })).toThrow(LogwireError);
    expect(() => createLogwire({ console: { maxBufferBytes: 10 } })).toThrow(/maxBufferBytes/);
  });
});
