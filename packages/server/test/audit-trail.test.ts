import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, verifyAuditTrail, VerifyReason } from '../src/index.js';

const temps: string[] = [];
const KEY = 'test-integrity-key-kept-elsewhere';

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-audit-'));
  temps.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const sha = (text: string): string => createHash('sha256').update(text).digest('hex');
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 14, 12, 0, 0);

/** Writes `count` audit events in bursts of `burst` (a checkpoint after each with a key). */
async function writeTrail(
  dir: string,
  count: number,
  options: { key?: string; burst?: number; now?: () => number; retentionDays?: number; mirror?: string } = {},
): Promise<void> {
  const logwire = createLogwire({
    persistence: {
      dir,
      audit: {
        integrityKey: options.key,
        checkpointIntervalMs: 0,
        now: options.now ?? (() => NOW),
        retentionDays: options.retentionDays,
        checkpointMirrors: options.mirror === undefined ? undefined : [options.mirror],
      },
    },
  });
  const burst = options.burst ?? count;
  for (let n = 0; n < count; n++) {
    logwire.audit('instance_spawn', { instance_id: `i${n}`, n });
    if ((n + 1) % burst === 0) {
      logwire.hub.flush();
      await logwire.persistence!.sync();
    }
  }
  await logwire.close();
}

function trailFile(dir: string, day = '20260314'): string {
  return path.join(dir, 'audit', `audit-${day}.jsonl`);
}

function readLines(file: string): string[] {
  return fs.readFileSync(file, 'utf8').slice(0, -1).split('\n');
}

function writeLines(file: string, lines: string[]): void {
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

/** Reseals a line whose body changed: new own hash, as a careful forger would. */
function reseal(line: string, prev?: string): string {
  let body = line.slice(0, line.lastIndexOf(',"hash":"'));
  if (prev !== undefined) body = body.replace(/"prev":"[0-9a-f]{64}"/, `"prev":"${prev}"`);
  return body + ',"hash":"' + sha(body) + '"}';
}

describe('audit trail format', () => {
  it('chains every line to the exact bytes of the previous one, starting with a file_open record', async () => {
    const dir = tempDir();
    await writeTrail(dir, 5);
    const lines = readLines(trailFile(dir));
    expect(lines).toHaveLength(6);
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((record) => record['seq'])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(records[0]).toMatchObject({
      seq: 1,
      prev: '0'.repeat(64),
      kind: 'file_open',
      file: 'audit-20260314.jsonl',
      previous_file: null,
    });
    for (let i = 1; i < lines.length; i++) expect(records[i]!['prev']).toBe(sha(lines[i - 1]!));
    for (const line of lines) expect(JSON.parse(line).hash).toBe(sha(line.slice(0, line.length - 75)));
    expect(records[1]).toMatchObject({ level: 'INFO', logger: 'audit', action: 'instance_spawn', metadata: { instance_id: 'i0', n: 0 } });
    expect(Object.keys(records[1]!)).toEqual([
      'seq',
      'prev',
      'id',
      'timestamp',
      'level',
      'logger',
      'message',
      'action',
      'metadata',
      'hash',
    ]);
    expect(await verifyAuditTrail(dir)).toMatchObject({
      status: 'intact',
      ok: true,
      records: 6,
      firstSeq: 1,
      lastSeq: 6,
      anchoredAt: 'genesis',
      unanchored: 6,
    });
  });

  it('starts a new file at UTC midnight, linked to the previous one, with seq continuing', async () => {
    const dir = tempDir();
    let clock = Date.UTC(2026, 2, 14, 23, 59, 59, 900);
    const logwire = createLogwire({ persistence: { dir, audit: { now: () => clock } } });
    for (let n = 0; n < 3; n++) logwire.audit('before_midnight', { n });
    logwire.hub.flush();
    clock = Date.UTC(2026, 2, 15, 0, 0, 0, 100);
    for (let n = 0; n < 2; n++) logwire.audit('after_midnight', { n });
    await logwire.close();

    const first = readLines(trailFile(dir, '20260314')).map((line) => JSON.parse(line));
    const second = readLines(trailFile(dir, '20260315')).map((line) => JSON.parse(line));
    expect(first.map((record) => record.action ?? record.kind)).toEqual([
      'file_open',
      'before_midnight',
      'before_midnight',
      'before_midnight',
    ]);
    expect(second.map((record) => record.action ?? record.kind)).toEqual(['file_open', 'after_midnight', 'after_midnight']);
    expect(second[0]).toMatchObject({
      seq: 5,
      file: 'audit-20260315.jsonl',
      previous_file: 'audit-20260314.jsonl',
      prev: sha(readLines(trailFile(dir, '20260314'))[3]!),
    });
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', files: 2, records: 7 });
  });

  it('continues the chain after a restart in the same day (append, no reset)', async () => {
    const dir = tempDir();
    await writeTrail(dir, 3);
    await writeTrail(dir, 2);
    const records = readLines(trailFile(dir)).map((line) => JSON.parse(line));
    expect(records.map((record) => record.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(records.filter((record) => record.kind === 'file_open')).toHaveLength(1);
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', records: 6 });
  });
});

describe('clock steps back', () => {
  it('keeps writing to the newest file when restarted with a clock behind it', async () => {
    const dir = tempDir();
    await writeTrail(dir, 2, { now: () => NOW + DAY });
    await writeTrail(dir, 2, { now: () => NOW });
    expect(fs.readdirSync(path.join(dir, 'audit')).filter((name) => name.startsWith('audit-'))).toEqual(['audit-20260315.jsonl']);
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', records: 5 });
  });
});

describe('retention', () => {
  it('deletes only trail files whose name date expired, records the purge, and verify accepts it', async () => {
    const dir = tempDir();
    const start = NOW - 40 * DAY;
    // One event a day for 41 days, written with a long retention.
    for (let day = 0; day <= 40; day++) await writeTrail(dir, 1, { now: () => start + day * DAY, retentionDays: 365 });
    const audit = path.join(dir, 'audit');
    expect(fs.readdirSync(audit).filter((name) => name.startsWith('audit-'))).toHaveLength(41);
    fs.writeFileSync(path.join(audit, 'audit-20260101.jsonl.bak'), 'decoy\n');
    fs.writeFileSync(path.join(audit, 'notes.txt'), 'decoy\n');
    const outside = path.join(tempDir(), 'target.txt');
    fs.writeFileSync(outside, 'not a trail\n');
    fs.symlinkSync(outside, path.join(audit, 'audit-20260101.jsonl'));
    // A file with an old name but a fresh mtime goes by its name.
    fs.utimesSync(trailFile(dir, '20260202'), new Date(), new Date());

    await writeTrail(dir, 1, { now: () => NOW, retentionDays: 30 });

    const remaining = fs
      .readdirSync(audit)
      .filter((name) => /^audit-\d{8}\.jsonl$/.test(name))
      .sort();
    expect(remaining[0]).toBe('audit-20260101.jsonl'); // the symlink, untouched
    expect(remaining.slice(1)).toHaveLength(31);
    expect(remaining[1]).toBe('audit-20260212.jsonl');
    expect(remaining[remaining.length - 1]).toBe('audit-20260314.jsonl');
    expect(fs.existsSync(path.join(audit, 'audit-20260101.jsonl.bak'))).toBe(true);
    expect(fs.existsSync(path.join(audit, 'notes.txt'))).toBe(true);
    expect(fs.readFileSync(outside, 'utf8')).toBe('not a trail\n');
    const purge = readLines(trailFile(dir))
      .map((line) => JSON.parse(line))
      .find((record) => record.kind === 'retention_purge');
    expect(purge.files).toHaveLength(10);
    expect(purge.files[0]).toBe('audit-20260202.jsonl');
    expect(purge.through_seq).toBe(20);

    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', anchoredAt: 'retention_purge', files: 31 });
    // Deleting the oldest remaining file by hand is not retention: verify names the gap.
    fs.unlinkSync(trailFile(dir, '20260212'));
    const result = await verifyAuditTrail(dir);
    expect(result.problem).toMatchObject({ reason: VerifyReason.MissingFile, file: 'audit-20260213.jsonl', line: 1 });
  });

  it('rejects a retention that is not a whole number of days, and an empty key', () => {
    expect(() => createLogwire({ persistence: { dir: tempDir(), audit: { retentionDays: 0 } } })).toThrow(/retentionDays/);
    expect(() => createLogwire({ persistence: { dir: tempDir(), audit: { integrityKey: '' } } })).toThrow(/integrityKey must not be empty/);
  });
});

describe('verify: tampering', () => {
  async function trail(
    count = 100,
    options: { key?: string; burst?: number } = {},
  ): Promise<{ dir: string; file: string; lines: string[] }> {
    const dir = tempDir();
    await writeTrail(dir, count, options);
    const file = trailFile(dir);
    return { dir, file, lines: readLines(file) };
  }

  it('names the edited line', async () => {
    const { dir, file, lines } = await trail();
    lines[56] = lines[56]!.replace('"instance_id":"i55"', '"instance_id":"i99"');
    writeLines(file, lines);
    const result = await verifyAuditTrail(dir);
    expect(result).toMatchObject({ status: 'tampered', ok: false, records: 56 });
    expect(result.problem).toMatchObject({ reason: 'hash_mismatch', file: 'audit-20260314.jsonl', line: 57, seq: 57 });
  });

  it('names the place of a deleted line', async () => {
    const { dir, file, lines } = await trail();
    lines.splice(56, 1);
    writeLines(file, lines);
    expect((await verifyAuditTrail(dir)).problem).toMatchObject({ reason: 'seq_gap', line: 57, seq: 58 });
  });

  it('names reordered lines', async () => {
    const { dir, file, lines } = await trail();
    [lines[56], lines[57]] = [lines[57]!, lines[56]!];
    writeLines(file, lines);
    expect((await verifyAuditTrail(dir)).problem).toMatchObject({ reason: 'seq_out_of_order', line: 57, seq: 58 });
  });

  it('names a well-formed inserted line (fresh seq, correct prev and own hash)', async () => {
    const { dir, file, lines } = await trail();
    const forged = reseal(lines[57]!.replace('"instance_id":"i56"', '"instance_id":"forged"'), sha(lines[56]!));
    lines.splice(57, 0, forged);
    writeLines(file, lines);
    expect((await verifyAuditTrail(dir)).problem).toMatchObject({ reason: 'seq_out_of_order', line: 58, seq: 58 });
  });

  it('names a rewritten line whose own hash was recomputed', async () => {
    const { dir, file, lines } = await trail();
    lines[56] = reseal(lines[56]!.replace('"n":55', '"n":5500'));
    writeLines(file, lines);
    expect((await verifyAuditTrail(dir)).problem).toMatchObject({ reason: 'prev_mismatch', line: 58, seq: 58 });
  });

  it('reports a crash-torn last line as torn_tail, not tampering, and the next start repairs it', async () => {
    const { dir, file } = await trail(10);
    fs.appendFileSync(file, '{"seq":12,"prev":"abc');
    const torn = await verifyAuditTrail(dir);
    expect(torn).toMatchObject({
      status: 'torn_tail',
      ok: true,
      records: 11,
      tornTail: { file: 'audit-20260314.jsonl', line: 12, bytes: 21 },
    });
    expect(torn.problem).toBeUndefined();

    await writeTrail(dir, 1);
    const records = readLines(file).map((line) => JSON.parse(line));
    expect(records.map((record) => record.kind ?? record.action).slice(-2)).toEqual(['audit_recovery', 'instance_spawn']);
    expect(records[11]).toMatchObject({ seq: 12, file: 'audit-20260314.jsonl', truncated_bytes: 21 });
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', records: 13 });
  });

  it('reports a broken line in the middle as corruption', async () => {
    const { dir, file, lines } = await trail(10);
    lines[4] = lines[4]!.slice(0, 30);
    writeLines(file, lines);
    expect((await verifyAuditTrail(dir)).problem).toMatchObject({ reason: 'corrupt_line', line: 5 });
  });

  it('detects a deleted middle file and a renamed file', async () => {
    const dir = tempDir();
    for (let day = 0; day < 3; day++) await writeTrail(dir, 2, { now: () => NOW + day * DAY });
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', files: 3, records: 9 });
    fs.renameSync(trailFile(dir, '20260315'), path.join(dir, 'moved.jsonl'));
    expect((await verifyAuditTrail(dir)).problem).toMatchObject({ reason: 'missing_file', file: 'audit-20260316.jsonl', line: 1 });
    fs.renameSync(path.join(dir, 'moved.jsonl'), trailFile(dir, '20260317'));
    fs.renameSync(trailFile(dir, '20260316'), trailFile(dir, '20260315'));
    expect((await verifyAuditTrail(dir)).problem).toMatchObject({ reason: 'file_moved', file: 'audit-20260315.jsonl', line: 1 });
  });
});

describe('verify: signed checkpoints', () => {
  it('passes an intact trail and anchors it up to the newest checkpoint', async () => {
    const dir = tempDir();
    await writeTrail(dir, 100, { key: KEY, burst: 25 });
    const checkpoints = readLines(path.join(dir, 'audit', 'checkpoints.jsonl')).map((line) => JSON.parse(line));
    expect(checkpoints.map((checkpoint) => checkpoint.seq)).toEqual([26, 51, 76, 101]);
    expect(await verifyAuditTrail(dir, { key: KEY })).toMatchObject({
      status: 'intact',
      checkpoints: 4,
      checkpointSeq: 101,
      unanchored: 0,
    });
  });

  it('persistence.verify() uses the configured key and mirrors', async () => {
    const dir = tempDir();
    const mirror = tempDir();
    const logwire = createLogwire({ persistence: { dir, audit: { integrityKey: KEY, checkpointMirrors: [mirror] } } });
    logwire.audit('user.login');
    await logwire.persistence!.commit();
    expect(await logwire.persistence!.verify()).toMatchObject({ status: 'intact', checkpoints: 2, checkpointSeq: 2, unanchored: 0 });
    await logwire.close();
  });

  it('detects a truncated tail only with the key', async () => {
    const dir = tempDir();
    await writeTrail(dir, 100, { key: KEY, burst: 25 });
    const file = trailFile(dir);
    writeLines(file, readLines(file).slice(0, -10));
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact', unanchored: 91 });
    const result = await verifyAuditTrail(dir, { key: KEY });
    expect(result.problem).toMatchObject({ reason: 'truncated', file: 'audit-20260314.jsonl', line: 92, seq: 92 });
  });

  it('detects a whole-chain rewrite only with the key', async () => {
    const dir = tempDir();
    await writeTrail(dir, 100, { key: KEY, burst: 25 });
    const file = trailFile(dir);
    const lines = readLines(file);
    lines[56] = lines[56]!.replace('"n":55', '"n":5500');
    for (let i = 56; i < lines.length; i++) lines[i] = reseal(lines[i]!, i === 0 ? undefined : sha(lines[i - 1]!));
    writeLines(file, lines);
    expect(await verifyAuditTrail(dir)).toMatchObject({ status: 'intact' });
    expect((await verifyAuditTrail(dir, { key: KEY })).problem).toMatchObject({ reason: 'checkpoint_mismatch', line: 76, seq: 76 });
  });

  it('detects edited, deleted and wrongly keyed checkpoints, and deleted checkpoints through a mirror', async () => {
    const dir = tempDir();
    const mirror = tempDir();
    await writeTrail(dir, 100, { key: KEY, burst: 25, mirror });
    const checkpointFile = path.join(dir, 'audit', 'checkpoints.jsonl');
    const original = readLines(checkpointFile);
    expect(readLines(path.join(mirror, 'checkpoints.jsonl'))).toEqual(original);

    expect((await verifyAuditTrail(dir, { key: 'another key' })).problem).toMatchObject({ reason: 'checkpoint_invalid', line: 1 });
    writeLines(checkpointFile, [original[0]!, original[1]!.replace('"seq":51', '"seq":50'), ...original.slice(2)]);
    expect((await verifyAuditTrail(dir, { key: KEY })).problem).toMatchObject({ reason: 'checkpoint_invalid', line: 2 });
    writeLines(checkpointFile, [original[0]!, ...original.slice(2)]);
    expect((await verifyAuditTrail(dir, { key: KEY })).problem).toMatchObject({ reason: 'checkpoint_chain_broken', line: 2 });

    // An attacker who truncates the trail and deletes the local checkpoints is caught by the mirror.
    fs.unlinkSync(checkpointFile);
    const file = trailFile(dir);
    writeLines(file, readLines(file).slice(0, -10));
    expect((await verifyAuditTrail(dir, { key: KEY })).problem).toMatchObject({ reason: 'checkpoints_missing' });
    expect((await verifyAuditTrail(dir, { key: KEY, checkpoints: [mirror] })).problem).toMatchObject({ reason: 'truncated', seq: 92 });
  });
});
