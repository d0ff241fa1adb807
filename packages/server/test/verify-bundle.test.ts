import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type IncidentBundle } from '@logwire/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { command } from '../src/cli/verify.js';
import { verifyBundle } from '../src/cli/verify-bundle.js';
import { createLogwire } from '../src/index.js';
import { connect, type Frame } from './stream-helpers.js';

// `logwire verify --bundle`: an incident bundle built from what a real server streamed (chain
// fields and a signed checkpoint), checked intact, with the key, and tampered.

const temps: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function streamedBundle(): Promise<{ bundle: IncidentBundle; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-bundle-'));
  temps.push(dir);
  const logwire = createLogwire({
    console: false,
    onError: () => undefined,
    persistence: { dir, audit: { integrityKey: 'bundle-key', fsyncIntervalMs: 5, checkpointIntervalMs: 1 } },
  });
  const { address } = await logwire.listen(0, '127.0.0.1', { allowedOrigins: '*' });
  const client = await connect(`ws://127.0.0.1:${address.port}/ws/logs`, {});
  for (let i = 0; i < 5; i++) logwire.getLogger('security').audit('grant', { i }, { message: `grant ${i}` });
  await client.until((frames) => frames.some((frame) => frame.type === 'checkpoint' && (frame.data as { seq?: number }).seq === 6));
  const items = client.frames
    .flatMap((frame) => (frame.type === 'batch' ? frame.data.messages : []))
    .map(({ raw: _raw, ...message }: Frame) => message);
  const checkpoint = client.frames.filter((frame) => frame.type === 'checkpoint').at(-1)!.data as unknown as IncidentBundle['checkpoint'];
  client.ws.close();
  await logwire.close();
  const bundle = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    created: new Date().toISOString(),
    panel: 'audit-log-panel',
    filters: {},
    items,
    checkpoint,
  };
  return { bundle: JSON.parse(JSON.stringify(bundle)) as IncidentBundle, dir };
}

async function run(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  const code = await command.run(args);
  vi.restoreAllMocks();
  return { code, out };
}

describe('logwire verify --bundle', () => {
  it('says intact (exit 0), checks the checkpoint signature with the key, and names an altered entry (exit 1)', async () => {
    const { bundle, dir } = await streamedBundle();
    const file = path.join(dir, 'bundle.json');
    fs.writeFileSync(file, JSON.stringify(bundle));
    const plain = verifyBundle(bundle);
    expect(plain).toMatchObject({
      ok: true,
      entries: 5,
      links: 5,
      holes: 0,
      checkpoint: { seq: 6, matched: true, signature: 'not checked (no key)' },
    });
    expect(verifyBundle(bundle, 'bundle-key').checkpoint).toEqual({ seq: 6, matched: true, signature: 'valid' });
    expect(verifyBundle(bundle, 'wrong-key')).toMatchObject({ ok: false, checkpoint: { signature: 'invalid' } });
    expect((await run(['--bundle', file, '--json'])).code).toBe(0);

    const altered = JSON.parse(JSON.stringify(bundle)) as IncidentBundle;
    (altered.items[2] as { data: { message: string } }).data.message = 'grant 2000';
    fs.writeFileSync(file, JSON.stringify(altered));
    const result = await run(['--bundle', file]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('first problem: #4 (');
    expect(result.out).toContain('was altered: its content does not match its hash');
  });

  it('exits 2 for a file that is not a bundle or cannot be read', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-bundle-'));
    temps.push(dir);
    fs.writeFileSync(path.join(dir, 'x.json'), '{"format":"something else"}');
    expect((await run(['--bundle', path.join(dir, 'x.json')])).code).toBe(2);
    expect((await run(['--bundle', path.join(dir, 'missing.json')])).code).toBe(2);
  });
});
