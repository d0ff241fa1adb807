import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chainLine, chainLinePrefix, type AuditChain, type CheckpointData } from '@logwire/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { connect, type Frame } from './stream-helpers.js';

// The audit chain on the extended protocol: chain fields from the trail, checkpoints as written,
// the same fields in replays, after a restart and from the query API; legacy frames unchanged.

const temps: string[] = [];
const open: Logwire[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-chain-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  for (const logwire of open.splice(0)) await logwire.close();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function start(dir: string): Promise<{ logwire: Logwire; url: string }> {
  const logwire = createLogwire({
    console: false,
    onError: () => undefined,
    persistence: { dir, audit: { integrityKey: 'test-key', fsyncIntervalMs: 5, checkpointIntervalMs: 1 } },
  });
  open.push(logwire);
  const { address } = await logwire.listen(0, '127.0.0.1', { allowedOrigins: '*' });
  return { logwire, url: `ws://127.0.0.1:${address.port}/ws/logs` };
}

/** The trail's lines, oldest first. */
function trailLines(dir: string): string[] {
  const audit = path.join(dir, 'audit');
  const names = fs
    .readdirSync(audit)
    .filter((name) => name.startsWith('audit-'))
    .sort();
  return names.flatMap((name) => fs.readFileSync(path.join(audit, name), 'utf8').split('\n').filter(Boolean));
}

const audits = (frames: Frame[]): (Frame & { chain?: AuditChain })[] =>
  frames.flatMap((frame) => (frame.type === 'batch' ? frame.data.messages : [])).filter((message) => message.type === 'audit_log');

describe('audit chain on the extended protocol', () => {
  it('carries each audit event’s seq, prev and hash exactly as the trail wrote them, and the file_open record before the first', async () => {
    const dir = tempDir();
    const { logwire, url } = await start(dir);
    const client = await connect(url, {});
    const log = logwire.getLogger('security');
    log.audit('user.login', { user: 'ann', '10': 'integer-like key', text: 'line\u2028separator' }, { message: 'first' });
    log.info('not audited');
    log.audit('user.logout', { user: 'ann' }, { message: 'second' });
    await client.until((frames) => audits(frames).length === 2);
    await logwire.persistence?.commit();
    const lines = trailLines(dir);
    const [first, second] = audits(client.frames) as [Frame & { chain: AuditChain }, Frame & { chain: AuditChain }];
    // Line 1 is the file_open record; the first event carries it so the chain can be followed from the genesis.
    expect(first.chain.records).toEqual([lines[0]]);
    expect(second.chain.records).toBeUndefined();
    for (const [index, message] of [first, second].entries()) {
      const line = lines[index + 1] as string;
      const { seq, prev, hash } = message.chain;
      expect(line.startsWith(`{"seq":${seq},"prev":"${prev}","id":"${message.id}"`)).toBe(true);
      expect(line.endsWith(`,"hash":"${hash}"}`)).toBe(true);
      // What a browser can recompute from the message alone.
      const prefix = chainLinePrefix(seq, prev, message.id as string, message.data);
      expect(sha256(prefix)).toBe(hash);
      expect(chainLine(prefix, hash)).toBe(line);
    }
    expect(second.chain.prev).toBe(sha256(lines[1] as string));
    expect(first.chain.prev).toBe(sha256(lines[0] as string));
  });

  it('sends each signed checkpoint as it is written, the newest one after a welcome, and the same chain on resume', async () => {
    const dir = tempDir();
    const { logwire, url } = await start(dir);
    const client = await connect(url, {});
    logwire.getLogger('app').info('before the event');
    await client.until((frames) => frames.some((frame) => frame.type === 'batch' && frame.data.messages.length > 0));
    const [before] = client.messages();
    logwire.getLogger('security').audit('grant', { role: 'admin' }, { message: 'granted' });
    const checkpoints = (frames: Frame[]): CheckpointData[] =>
      frames.filter((frame) => frame.type === 'checkpoint').map((frame) => frame.data as unknown as CheckpointData);
    await client.until((frames) => checkpoints(frames).length >= 1, 10_000, 'a checkpoint');
    const written = fs
      .readFileSync(path.join(dir, 'audit', 'checkpoints.jsonl'), 'utf8')
      .trim()
      .split('\n');
    expect(checkpoints(client.frames)[0]).toEqual(JSON.parse(written[0] as string));
    const [live] = audits(client.frames);
    expect(checkpoints(client.frames)[0]?.seq).toBe(live?.chain?.seq);

    // A resume from before the event replays it with the same chain, after the newest checkpoint.
    const welcome = client.frames.find((frame) => frame.type === 'welcome') as Frame;
    const resumed = await connect(url, { cursor: { epoch: welcome.data['epoch'], id: before?.id } });
    await resumed.until((frames) => audits(frames).length === 1 && checkpoints(frames).length === 1);
    expect(audits(resumed.frames)[0]?.raw).toBe(live?.raw);
    expect(resumed.frames[1]?.type).toBe('checkpoint');
    resumed.ws.close();
    client.ws.close();
  });

  it('sends the same chain fields after a server restart, and the query API returns them too', async () => {
    const dir = tempDir();
    const first = await start(dir);
    first.logwire.getLogger('security').audit('rotate', { key: 'k1' }, { message: 'rotated' });
    const client = await connect(first.url, {});
    await client.until((frames) => audits(frames).length === 1);
    const before = audits(client.frames)[0] as Frame & { chain: AuditChain };
    client.ws.close();
    await first.logwire.close();
    open.splice(open.indexOf(first.logwire), 1);

    const second = await start(dir);
    const again = await connect(second.url, {});
    await again.until((frames) => audits(frames).length === 1);
    expect((audits(again.frames)[0] as Frame & { chain: AuditChain }).chain).toEqual(before.chain);
    again.ws.close();
    const page = second.logwire.persistence?.query('audit', {});
    expect(page?.entries[0]?.chain).toEqual({ seq: before.chain.seq, prev: before.chain.prev, hash: before.chain.hash });
  });

  it('leaves legacy frames in the seed shape: no chain, no checkpoint frames', async () => {
    const dir = tempDir();
    const { logwire, url } = await start(dir);
    const legacy = await connect(url);
    const extended = await connect(url, {});
    logwire.getLogger('security').audit('user.login', { user: 'bob' }, { message: 'hi' });
    await extended.until((frames) => frames.some((frame) => frame.type === 'checkpoint'));
    await legacy.until((frames) => frames.some((frame) => frame.type === 'audit_log'));
    const frame = legacy.frames.find((f) => f.type === 'audit_log') as Frame;
    expect(Object.keys(JSON.parse(frame.raw) as object)).toEqual(['type', 'id', 'data']);
    expect(legacy.frames.some((f) => f.type === 'checkpoint')).toBe(false);
    legacy.ws.close();
    extended.ws.close();
  });
});
