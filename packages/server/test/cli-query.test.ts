import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type QueryCommandName, runQuery } from '../src/cli/query.js';
import { createLogwire, createQueryHandler } from '../src/index.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const HOUR = 3_600_000;
const NOW = Date.now();
let dir: string;
let server: Server;
let url: string;

/** Characters a terminal would act on; none may appear raw in the output (colour codes aside). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001a\u001c-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const hostile = 'evil \u001b[2J line1\r\nFAKE CRITICAL root: forged \u202egnp.exe | <b>';

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-cli-query-'));
  let clock = NOW - 30 * HOUR;
  vi.spyOn(Date, 'now').mockImplementation(() => clock);
  const logwire = createLogwire({ persistence: { dir, system: { maxBytes: 64 * 1024, backups: 50 } }, categories: { auth: 'auth' } });
  logwire.getLogger('app.old').error('thirty hours ago', { user_id: 42 });
  logwire.hub.flush();
  for (let i = 0; i < 1500; i++) {
    clock = NOW - 2 * HOUR + i * 1000;
    const level = i % 10 === 0 ? 'ERROR' : 'INFO';
    logwire
      .getLogger(i % 3 === 0 ? 'auth.login' : 'app.api')
      .log(level, `request ${i}`, { user_id: i % 100, status_code: i % 10 === 0 ? 500 : 200 });
    if (i % 250 === 0) logwire.audit('user.login', { user_id: i % 100 });
    if (i === 1400) logwire.getLogger('app.api').warning(hostile, { user_id: 'x\u0007y' });
    logwire.hub.flush();
  }
  clock = NOW;
  await logwire.close();
  vi.restoreAllMocks();
  const handler = createQueryHandler({
    dir,
    authenticate: (req) => (req.headers.authorization === 'Bearer s3cret' ? { audit: true } : false),
  });
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(dir, { recursive: true, force: true });
});

async function run(name: QueryCommandName, args: string[], env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const code = await runQuery(name, args, {
    stdout: { write: (text: string) => (out += text), isTTY: false },
    stderr: { write: (text: string) => (err += text) },
    env: { TOKEN: 's3cret', ...env },
    now: () => NOW,
  });
  return { code, out, err };
}

describe('logwire query and its shortcuts', () => {
  const cases: [QueryCommandName, string[]][] = [
    ['query', ['--limit', '5']],
    ['query', ['--field', 'status_code>=500', '--category', 'auth', '--limit', '4', '--json']],
    ['query', ['--since', '90m', '--until', '80m', '--level', 'error', '--md']],
    ['query', ['--hours', '48', '--field', 'user_id=42', '--limit', '3', '--color']],
    ['query', ['--audit', '--field', 'user_id=0', '--json']],
    ['query', ['--logger', 'app', '--text', 'request 14', '--limit', '3']],
    ['errors', ['--limit', '3']],
    ['search', ['forged']],
    ['user', ['42', '--limit', '2', '--json']],
    ['stats', []],
    ['stats', ['--audit', '--json']],
    ['stats', ['--hours', '48', '--md']],
  ];

  it('prints the same output from the directory (no server) as over HTTP', async () => {
    // `search <text>` and `user <id>` take the source after their argument.
    const withSource = (name: QueryCommandName, source: string, args: string[]) =>
      name === 'search' || name === 'user' ? [args[0]!, source, ...args.slice(1)] : [source, ...args];
    for (const [name, args] of cases) {
      const local = await run(name, withSource(name, dir, args));
      const remote = await run(name, [...withSource(name, url, args), '--token-env', 'TOKEN']);
      expect(local.err, `${name} ${args.join(' ')}`).toBe('');
      expect(local.code).toBe(0);
      expect(local.out.length, `${name} ${args.join(' ')}`).toBeGreaterThan(20);
      expect(remote).toEqual(local);
    }
  });

  it('prints entries oldest to newest, following cursors past one page of 1000', async () => {
    const { out } = await run('query', [dir, '--limit', '1200', '--json']);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(1200);
    const ids = lines.map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toEqual([...ids].sort((a, b) => Number(a.split('-')[0]) - Number(b.split('-')[0]) || a.localeCompare(b)));
    expect(new Set(ids).size).toBe(1200);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ data: { message: 'request 1499' } });
  });

  it('filters as asked: fields, categories, levels, time, text', async () => {
    const json = async (name: QueryCommandName, args: string[]) =>
      (await run(name, [...args, dir, '--json'])).out
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { data: Record<string, unknown> }).data);
    expect((await json('query', ['--field', 'status_code>=500', '--category', 'auth', '--limit', '2'])).map((d) => d['message'])).toEqual([
      'request 1440',
      'request 1470',
    ]);
    expect((await json('user', ['42', '--hours', '48'])).map((d) => d['message'])).toEqual([
      'thirty hours ago',
      ...Array.from({ length: 15 }, (_, n) => `request ${n * 100 + 42}`),
    ]);
    expect((await json('errors', ['--limit', '1']))[0]).toMatchObject({ level: 'ERROR', message: 'request 1490' });
    expect((await json('search', ['REQUEST 149', '--limit', '2'])).map((d) => d['message'])).toEqual(['request 1498', 'request 1499']);
  });

  it('escapes log content in text and Markdown output', async () => {
    for (const format of [[], ['--color'], ['--md']]) {
      const { out } = await run('search', ['forged', dir, ...format]);
      expect(out).toContain('forged');
      expect(RAW_CONTROL.test(out.replace(/\n/g, '')), format.join()).toBe(false);
      expect(out.split('\n').filter((line) => line.includes('forged'))).toHaveLength(1);
    }
    const { out } = await run('search', ['forged', dir, '--md']);
    expect(out).toContain('\\| &#60;b&#62;');
  });

  it('says what is wrong with an exit code', async () => {
    expect(await run('query', [dir, '--field', '__proto__.x=1'])).toMatchObject({ code: 2 });
    expect((await run('query', [dir, '--field', '__proto__.x=1'])).err).toContain('names "__proto__", which is not allowed');
    expect((await run('query', [dir, '--since', 'yesterday'])).err).toContain('since must be an ISO 8601');
    expect((await run('query', [url, '--since', 'yesterday', '--token-env', 'TOKEN'])).err).toContain(
      'HTTP 400: since must be an ISO 8601',
    );
    expect(await run('query', [url])).toMatchObject({ code: 1, err: 'logwire query: HTTP 401: authentication required\n' });
    expect((await run('query', [path.join(dir, 'nope')])).err).toContain('no such directory');
    expect((await run('search', [])).err).toContain('missing <text>');
    expect(await run('query', [], { LOGWIRE_SOURCE: dir })).toMatchObject({ code: 0 });
  });

  it('is listed by logwire --help, one line per command, and runs from npx on a directory', () => {
    const npx = (...args: string[]) =>
      spawnSync('npm', ['exec', '--offline', '--no', '--', 'logwire', ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, npm_config_update_notifier: 'false', NO_COLOR: '1' },
      });
    const help = npx('--help').stdout;
    for (const name of ['tail', 'verify', 'query', 'errors', 'search', 'user', 'stats']) {
      expect(help.split('\n').filter((line) => line.startsWith(`  logwire ${name} `))).toHaveLength(1);
    }
    const errors = npx('errors', dir, '--limit', '2');
    expect(errors.status).toBe(0);
    expect(errors.stdout.trimEnd().split('\n')).toHaveLength(2);
    expect(errors.stdout).toContain('request 1490');
  }, 60_000);
});
