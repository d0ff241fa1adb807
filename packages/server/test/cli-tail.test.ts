import { spawnSync } from 'node:child_process';
import { createServer as createTcpServer, connect as tcpConnect, type AddressInfo, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeForTerminal, runTail, safeJson } from '../src/cli/tail.js';
import { createLogwire } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Characters a terminal would act on; none may appear raw in tail's output. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

async function startTail(args: (url: string) => string[], options: { isTTY?: boolean } = {}) {
  const logwire = createLogwire({ callsite: false });
  const { address } = await logwire.listen(0, '127.0.0.1');
  cleanups.push(() => logwire.close());
  let out = '';
  let err = '';
  const controller = new AbortController();
  const url = `ws://127.0.0.1:${address.port}/ws/logs`;
  const done = runTail(args(url), {
    stdout: { write: (text: string) => (out += text), isTTY: options.isTTY ?? false },
    stderr: { write: (text: string) => (err += text) },
    env: {},
    signal: controller.signal,
  });
  cleanups.push(() => {
    controller.abort();
    return done;
  });
  await until(() => err.includes('logwire tail: live'), 'tail live', 10_000);
  return { logwire, url, port: address.port, out: () => out, err: () => err, stop: () => controller.abort(), done };
}

const hostile = 'evil \u001b[2J\u001b]0;owned\u0007 line1\r\nFAKE 12:00:00 CRITICAL root: forged \u202egnp.exe \u009b31m \u2028 end\\x1b';

describe('logwire tail', () => {
  it('prints hostile log content escaped, never raw', async () => {
    const tail = await startTail((url) => [url]);
    tail.logwire.getLogger('app').warning(hostile, { note: 'bell\u0007' });
    tail.logwire.getLogger('orch.audit').audit('wipe\u001b[31m', { who: '\u202eadmin' }, { message: 'audit\rmsg' });
    await until(() => tail.out().split('\n').length >= 3, 'three lines of output');
    const [system, audit] = tail.out().split('\n');
    expect(system).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARNING {2}app: /);
    expect(system).toContain(
      'evil \\x1b[2J\\x1b]0;owned\\x07 line1\\r\\nFAKE 12:00:00 CRITICAL root: forged \\u{202e}gnp.exe \\x9b31m \\u{2028} end\\\\x1b',
    );
    expect(system).toContain('{"note":"bell\\\\u0007"}');
    expect(audit).toMatch(/ AUDIT INFO orch\.audit wipe\\x1b\[31m: audit\\rmsg \{"who":"\\u{202e}admin"\}$/);
    expect(RAW_CONTROL.test(tail.out().replace(/\n/g, ''))).toBe(false);
  });

  it('prints JSON lines with control and bidi characters escaped, and passes filters to the server', async () => {
    const tail = await startTail((url) => [url, '--json', '--level', 'warning', '--logger', 'orch.*', '--logger', '!orch.noise']);
    tail.logwire.getLogger('orch.db').info('hidden by level');
    tail.logwire.getLogger('orch.noise').error('hidden by logger');
    tail.logwire.getLogger('orch.db').error(hostile);
    tail.logwire.getLogger('orch.audit').audit('login', {}, { level: 'DEBUG' });
    await until(() => tail.out().split('\n').length >= 3, 'three lines of output');
    const lines = tail.out().trim().split('\n');
    expect(lines).toHaveLength(2);
    const [error, audit] = lines.map((line) => JSON.parse(line) as { type: string; data: { message: string } });
    expect(error).toMatchObject({ type: 'system_log', data: { message: hostile } });
    expect(audit).toMatchObject({ type: 'audit_log', data: { message: 'login' } });
    expect(RAW_CONTROL.test(tail.out().replace(/\n/g, ''))).toBe(false);
  });

  it('passes --field to the server subscription, and checks --field and --category', async () => {
    const tail = await startTail((url) => [url, '--json', '--field', 'status_code>=500', '--field', 'user_id=42']);
    tail.logwire.getLogger('http').info('other user', { status_code: 503, user_id: 7 });
    tail.logwire.getLogger('http').info('fine', { status_code: 200, user_id: 42 });
    tail.logwire.getLogger('http').error('the one', { status_code: 503, user_id: 42 });
    tail.logwire.audit('user.login', { user_id: 42 });
    await until(() => tail.out().includes('the one'), 'the matching line');
    const lines = tail.out().trim().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { data: { message: string } }).data.message)).toEqual(['the one']);
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (text: string) => (err += text) }, env: {} };
    expect(await runTail([tail.url, '--field', 'a.__proto__=1'], io)).toBe(2);
    expect(err).toContain('logwire tail: --field field path "a.__proto__" names "__proto__", which is not allowed');
    expect(await runTail([tail.url, '--category', ''], io)).toBe(2);
    expect(err).toContain('logwire tail: --category: filter.categories must be an array of at most 64 names of 1 to 64 characters');
  });

  it('colours levels on a terminal', async () => {
    const tail = await startTail((url) => [url], { isTTY: true });
    tail.logwire.getLogger('app').error('boom');
    await until(() => tail.out().includes('boom'), 'the line with boom');
    expect(tail.out()).toContain('\u001b[31mERROR   \u001b[0m app: boom');
  });

  it('resumes across disconnects without repeating or losing lines', async () => {
    const logwire = createLogwire({ callsite: false });
    const { address } = await logwire.listen(0, '127.0.0.1');
    cleanups.push(() => logwire.close());
    const live: Socket[] = [];
    const proxy = createTcpServer((inbound) => {
      const outbound = tcpConnect(address.port, '127.0.0.1');
      inbound.pipe(outbound).pipe(inbound);
      for (const socket of [inbound, outbound]) socket.on('error', () => undefined);
      live.push(inbound, outbound);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => proxy.close(resolve)));
    let out = '';
    let err = '';
    const controller = new AbortController();
    const done = runTail([`ws://127.0.0.1:${(proxy.address() as AddressInfo).port}/ws/logs`, '--json'], {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      signal: controller.signal,
    });
    cleanups.push(() => {
      controller.abort();
      return done;
    });
    await until(() => err.includes('live'), 'tail live');
    const log = logwire.getLogger('app');
    log.info('one');
    await until(() => out.includes('"one"'), 'the line "one"');
    for (const socket of live.splice(0)) socket.destroy();
    log.info('two');
    log.info('three');
    await until(() => out.includes('"three"'), 'resumed output', 10_000);
    log.info('four');
    await until(() => out.includes('"four"'), 'the line "four"');
    expect(
      out
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { data: { message: string } }).data.message),
    ).toEqual(['one', 'two', 'three', 'four']);
    expect(err).toContain('logwire tail: offline');
    controller.abort();
    expect(await done).toBe(0);
  });

  it('rejects bad arguments with usage and exit code 2', async () => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (text: string) => (err += text) } };
    expect(await runTail([], io)).toBe(2);
    expect(err).toContain('missing <url>');
    expect(await runTail(['ws://x/ws/logs', '--level', 'loud'], io)).toBe(2);
    expect(await runTail(['ws://x/ws/logs', '--type', 'metrics'], io)).toBe(2);
    expect(await runTail(['ftp://x'], io)).toBe(2);
    err = '';
    expect(await runTail(['ws://x/ws/logs', '--logger', ''], io)).toBe(2);
    expect(err).toContain('--logger: filter.loggers[0] must be a glob of 1 to 256 characters');
    expect(await runTail(['ws://x/ws/logs', '--logger', 'app.*', '--logger', '*'.repeat(257)], io)).toBe(2);
    expect(err).toContain('filter.loggers[1]');
    expect(await runTail(['ws://x/ws/logs', '--text', 't'.repeat(257)], io)).toBe(2);
    expect(err).toContain('--text: filter.text must be a string of at most 256 characters');
  });

  it('escapes helpers exactly', () => {
    expect(escapeForTerminal('a\u001bb\\c\u202ed\u0085')).toBe('a\\x1bb\\\\c\\u{202e}d\\x85');
    expect(safeJson({ m: '\u202e\u0085\u001b' })).toBe('{"m":"\\u202e\\u0085\\u001b"}');
    expect(JSON.parse(safeJson({ m: '\u202e\u0085' }))).toEqual({ m: '\u202e\u0085' });
  });

  it('is registered in the logwire CLI', () => {
    const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
    const result = spawnSync(process.execPath, [main, 'tail', '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: logwire tail <url> [options]');
  });
});
