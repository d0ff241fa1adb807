import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** `npx logwire …` in the repository root; fails rather than fetch a package of that name from the registry. */
function npxLogwire(...args: string[]) {
  return spawnSync('npm', ['exec', '--offline', '--no', '--', 'logwire', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
}

describe('npx logwire in the repository root', () => {
  it('runs the local CLI from source, with no build needed', () => {
    const help = npxLogwire('--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: logwire <command> [options]');
    const tail = npxLogwire('tail', '--help');
    expect(tail.status).toBe(0);
    expect(tail.stdout).toContain('Usage: logwire tail <url> [options]');
    const manifest = JSON.parse(readFileSync(`${root}packages/server/package.json`, 'utf8')) as { version: string };
    expect(npxLogwire('--version').stdout).toBe(`${manifest.version}\n`);
  }, 30_000);

  it('passes on the exit code of a command', () => {
    const verify = npxLogwire('verify', `${root}does-not-exist`);
    expect(verify.status).toBe(2);
    expect(verify.stderr).toContain('does not exist');
  }, 30_000);
});
