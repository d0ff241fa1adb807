import { spawnSync } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runTail } from '../src/cli/tail.js';
import { bearerToken, createLogwire, type Authenticate } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real server guarded by `authenticate`, and a tail run against it with `args` and `env`. */
async function tailAgainst(authenticate: Authenticate, args: string[], env: Record<string, string> = {}) {
  const logwire = createLogwire({ callsite: false, workers: false });
  const { address } = await logwire.listen(0, '127.0.0.1', { authenticate });
  cleanups.push(() => logwire.close());
  let out = '';
  let err = '';
  const controller = new AbortController();
  const done = runTail([`ws://127.0.0.1:${address.port}/ws/logs`, ...args], {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env,
    signal: controller.signal,
  });
  cleanups.push(() => {
    controller.abort();
    return done;
  });
  return { logwire, out: () => out, err: () => err, done };
}

const byToken: Authenticate = (request: IncomingMessage) => bearerToken(request) === 'open sesame';

describe('logwire tail credentials', () => {
  it('sends the token of --token-env as the bearer subprotocol, and the server admits it', async () => {
    const tail = await tailAgainst(byToken, ['--token-env', 'LW_TOKEN'], { LW_TOKEN: 'open sesame' });
    await until(() => tail.err().includes('logwire tail: live'), 'tail live', 10_000);
    tail.logwire.getLogger('app').info('for the token holder');
    await until(() => tail.out().includes('for the token holder'), 'the line');
  });

  it('exits with 1 and says the credentials were refused when the token is wrong', async () => {
    const tail = await tailAgainst(byToken, ['--token-env', 'LW_TOKEN'], { LW_TOKEN: 'wrong' });
    expect(await tail.done).toBe(1);
    expect(tail.err()).toContain('the server refused the connection for good: HTTP 401');
    expect(tail.err()).toContain('logwire tail: the server refused the credentials (HTTP 401): check --token-env, --header and --cookie');
    expect(tail.out()).toBe('');
  });

  it('sends --header (repeatable) and --cookie with the upgrade', async () => {
    const seen: IncomingMessage['headers'][] = [];
    const byHeaders: Authenticate = (request) => {
      seen.push(request.headers);
      return request.headers['x-api-key'] === 'k1' && request.headers.cookie === 'session=abc; theme=dark';
    };
    const args = ['--header', 'X-Api-Key: k1', '--header', 'X-Trace:  t-7 ', '--cookie', 'session=abc', '--cookie', 'theme=dark'];
    const tail = await tailAgainst(byHeaders, args);
    await until(() => tail.err().includes('logwire tail: live'), 'tail live', 10_000);
    expect(seen[0]?.['x-trace']).toBe('t-7');
  });

  it('refuses malformed credentials options with exit code 2, before connecting', async () => {
    let err = '';
    const io = { stdout: { write: () => true }, stderr: { write: (text: string) => (err += text) }, env: {} };
    const url = 'ws://127.0.0.1:1/ws/logs';
    expect(await runTail([url, '--token-env', 'LW_UNSET'], io)).toBe(2);
    expect(err).toContain('--token-env LW_UNSET: that environment variable is not set or empty');
    expect(await runTail([url, '--header', 'no colon'], io)).toBe(2);
    expect(err).toContain("--header must look like 'Name: value'");
    expect(await runTail([url, '--header', 'X-A: one\r\nX-Injected: two'], io)).toBe(2);
    expect(await runTail([url, '--header', 'Sec-WebSocket-Protocol: x'], io)).toBe(2);
    expect(err).toContain('the WebSocket handshake sets it');
    expect(await runTail([url, '--cookie'], io)).toBe(2);
    expect(err).toContain('--cookie needs a value');
  });
});

describe('logwire CLI', () => {
  const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

  it('prints the server package version with --version', () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = spawnSync(process.execPath, [main, '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toBe(`${version}\n`);
  });

  it('lists each command with one line in --help', () => {
    const result = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^ {2}logwire tail {4}follow a log stream in the terminal$/m);
    expect(result.stdout).toMatch(/^ {2}logwire verify {2}verify the hash-chained audit trail$/m);
  });
});
