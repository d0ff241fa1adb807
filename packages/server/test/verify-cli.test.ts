import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { command } from '../src/cli/verify.js';
import { createLogwire } from '../src/index.js';

const BIN = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const KEY = 'cli-test-key';
const temps: string[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-verify-'));
  temps.push(dir);
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function trail(key?: string): Promise<{ dir: string; file: string }> {
  const dir = tempDir();
  const logwire = createLogwire({ persistence: { dir, audit: { integrityKey: key, now: () => Date.UTC(2026, 2, 14) } } });
  for (let i = 0; i < 60; i++) logwire.audit('user.login', { i });
  await logwire.close();
  return { dir, file: path.join(dir, 'audit', 'audit-20260314.jsonl') };
}

/** Runs the command in process and captures what it prints. */
async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    const code = await command.run(args);
    return { code, out, err };
  } finally {
    process.env = saved;
    vi.restoreAllMocks();
  }
}

describe('logwire verify', () => {
  it('exits 0 on an intact trail and says the tail is unanchored without a key', async () => {
    const { dir } = await trail();
    const result = await run([dir]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('valid: 61 line(s) in 1 file(s), seq 1..61, anchored at genesis');
    expect(result.out).toContain('tail_unanchored: no key given');
  });

  it('exits 1 and names the file and line of an edited line, also as JSON', async () => {
    const { dir, file } = await trail();
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[40] = lines[40]!.replace('"i":39', '"i":93');
    fs.writeFileSync(file, lines.join('\n'));
    const text = await run([dir]);
    expect(text.code).toBe(1);
    expect(text.out).toContain('INVALID: hash_mismatch at audit-20260314.jsonl:41');
    const json = await run([dir, '--json']);
    expect(JSON.parse(json.out)).toMatchObject({
      status: 'tampered',
      problem: { reason: 'hash_mismatch', file: 'audit-20260314.jsonl', line: 41, seq: 41 },
    });
  });

  it('exits 3 for a torn last line', async () => {
    const { dir, file } = await trail();
    fs.appendFileSync(file, '{"seq":62,"pr');
    const result = await run([dir]);
    expect(result.code).toBe(3);
    expect(result.out).toContain('torn tail: audit-20260314.jsonl:62');
  });

  it('checks checkpoints with a key from a file or the environment and detects truncation', async () => {
    const { dir, file } = await trail(KEY);
    const keyFile = path.join(tempDir(), 'key');
    fs.writeFileSync(keyFile, KEY + '\n');
    expect((await run([dir, '--key-file', keyFile])).out).toContain('checkpoints: 1 valid, newest covers seq 61');
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    fs.writeFileSync(file, lines.slice(0, 50).join('\n') + '\n');
    const result = await run([dir], { LOGWIRE_AUDIT_KEY: KEY });
    expect(result.code).toBe(1);
    expect(result.out).toContain('INVALID: truncated at audit-20260314.jsonl:51');
  });

  it('exits 2 on usage errors', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['/no/such/dir'])).err).toContain('/no/such/dir does not exist');
    expect((await run(['--bogus'])).code).toBe(2);
  });

  it('refuses a persistence directory with a stray trail file at its top, instead of verifying the copy (exit 2)', async () => {
    const { dir, file } = await trail();
    fs.copyFileSync(file, path.join(dir, 'audit-20260314.jsonl'));
    // The real trail is then edited: a verify that read the copy would say "valid".
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines[5] = (lines[5] as string).replace('"user.login"', '"user.logout"');
    fs.writeFileSync(file, lines.join('\n'));
    const refused = await run([dir]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/holds trail files itself \(audit-20260314\.jsonl\) and an audit\/ directory/);
    const checked = await run([path.join(dir, 'audit')]);
    expect(checked.code).toBe(1);
    expect(checked.out).toMatch(/hash_mismatch at audit-20260314\.jsonl:6/);
  });

  it('prints the directory, the files and the line count it verified', async () => {
    const { dir } = await trail();
    const { code, out } = await run([dir]);
    expect(code).toBe(0);
    expect(out).toContain(`verified ${path.join(dir, 'audit')}: 1 trail file(s) (audit-20260314.jsonl), 61 line(s) checked`);
  });

  it('without a key, a complete last line with a wrong hash is tampering, not a torn tail', async () => {
    const { file } = await trail();
    const lines = fs.readFileSync(file, 'utf8').slice(0, -1).split('\n');
    const last = lines[lines.length - 1] as string;
    lines[lines.length - 1] = last.slice(0, -4) + (last.slice(-4, -2) === 'aa' ? 'bb' : 'aa') + '"}';
    fs.writeFileSync(file, lines.join('\n') + '\n');
    const { code, out } = await run([path.dirname(file), '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ status: 'tampered', problem: { reason: 'hash_mismatch', line: 61 } });
  });

  it('runs as `logwire verify` from the built package', async () => {
    expect(fs.existsSync(BIN)).toBe(true);
    const { dir } = await trail();
    const result = spawnSync(process.execPath, [BIN, 'verify', dir, '--json'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'intact', records: 61 });
  });
});
