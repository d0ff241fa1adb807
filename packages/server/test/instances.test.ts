import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, isValidInstanceId, type Logwire, LogwireError } from '../src/index.js';

const temps: string[] = [];
let logwire: Logwire | undefined;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-instances-'));
  temps.push(dir);
  return dir;
}

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('per-instance logs', () => {
  it('writes metadata.json, instance.log, communication.jsonl and tmux_output.log under instances/<id>/', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir } });
    const store = logwire.persistence!;
    const frames: string[] = [];
    logwire.hub.on((batch) => frames.push(...batch.map((message) => message.frame)));
    const instance = store.instanceLogger('abc123-def456', 'data-processor');
    instance.info('Instance created with role: general, type: claude');
    instance.warning('two\nlines\r\nforged');
    instance.communication('outbound', 'question', 'What is 2+2?', { message_id: 'msg-001' });
    instance.communication('inbound', 'answer', '4', { message_id: 'msg-001', tokens: 8, response_time: 2.333 });
    instance.tmuxOutput('Welcome\nThinking...\n4');
    logwire.hub.flush();

    const folder = path.join(dir, 'instances', 'abc123-def456');
    const metadata = JSON.parse(fs.readFileSync(path.join(folder, 'metadata.json'), 'utf8'));
    expect(metadata).toMatchObject({ instance_id: 'abc123-def456', instance_name: 'data-processor', log_directory: folder });
    expect(Number.isNaN(Date.parse(metadata.created_at))).toBe(false);

    const lifecycle = store.getInstanceLogs('abc123-def456', 'instance', 0);
    expect(lifecycle.map((line) => line.replace(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d /, ''))).toEqual([
      '- INFO - Instance created with role: general, type: claude',
      '- WARNING - two\\nlines\\r\\nforged',
      '- INFO - Communication: outbound question',
      '- INFO - Communication: inbound answer',
    ]);
    const communication = store.getInstanceLogs('abc123-def456', 'communication', 0).map((line) => JSON.parse(line));
    expect(communication).toEqual([
      expect.objectContaining({
        event_type: 'message_sent',
        direction: 'outbound',
        message_type: 'question',
        content: 'What is 2+2?',
        message_id: 'msg-001',
      }),
      expect.objectContaining({ event_type: 'message_received', direction: 'inbound', content: '4', tokens: 8, response_time: 2.333 }),
    ]);
    expect(store.getInstanceLogs('abc123-def456', 'tmux_output', 2)).toEqual(['Thinking...', '4']);
    expect(store.getInstanceLogs('abc123-def456', 'instance', 1)).toHaveLength(1);
    // Lifecycle records also reach the live stream, tagged with the instance.
    expect(frames.map((frame) => JSON.parse(frame).data)).toContainEqual(
      expect.objectContaining({
        logger: 'instance',
        message: 'Instance created with role: general, type: claude',
        instance_id: 'abc123-def456',
        instance_name: 'data-processor',
      }),
    );
  });

  it('lists logged instances (including ones from an earlier run) and returns [] for unknown ones', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir } });
    logwire.persistence!.instanceLogger('worker-1', 'first').info('up');
    await logwire.close();
    fs.mkdirSync(path.join(dir, 'instances', 'no-metadata'));
    fs.writeFileSync(path.join(dir, 'instances', 'stray-file'), 'x');
    logwire = createLogwire({ persistence: { dir } });
    logwire.persistence!.instanceLogger('worker-2', 'second').info('up');
    const listed = logwire.persistence!.listLoggedInstances();
    expect(listed.map((entry) => [entry.instance_id, entry.instance_name])).toEqual([
      ['no-metadata', undefined],
      ['worker-1', 'first'],
      ['worker-2', 'second'],
    ]);
    expect(logwire.persistence!.getInstanceLogs('never-seen')).toEqual([]);
  });

  it('refuses instance ids that could leave the instances directory', () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir } });
    for (const id of ['..', '../etc', 'a/b', 'a\\b', '.hidden', '', 'x'.repeat(129), 'nul\u0000', '%2e%2e']) {
      expect(isValidInstanceId(id)).toBe(false);
      expect(() => logwire!.persistence!.instanceLogger(id)).toThrow(LogwireError);
      expect(() => logwire!.persistence!.getInstanceLogs(id)).toThrow(/Invalid instance id/);
    }
    expect(() => logwire!.persistence!.getInstanceLogs('ok', 'secrets' as never)).toThrow(/Unknown instance log type/);
    expect(fs.readdirSync(dir).sort()).toEqual(['audit', 'logwire.lock', 'stream.json']);
  });
});

describe('getAuditLogs', () => {
  it('returns the newest entries (not the oldest), newest last, optionally since a time', async () => {
    const dir = tempDir();
    logwire = createLogwire({ persistence: { dir } });
    for (let i = 0; i < 150; i++) logwire.audit('message_exchange', { i });
    logwire.hub.flush();
    const store = logwire.persistence!;
    const newest = store.getAuditLogs(undefined, 100);
    expect(newest).toHaveLength(100);
    expect(newest.map((entry) => (entry['metadata'] as { i: number }).i)).toEqual(Array.from({ length: 100 }, (_, i) => 50 + i));
    expect(newest[0]).toMatchObject({ action: 'message_exchange', logger: 'audit', seq: 52 });
    expect(store.getAuditLogs(new Date(Date.now() + 60_000))).toEqual([]);
    expect(store.getAuditLogs('2000-01-01T00:00:00', 3).map((entry) => (entry['metadata'] as { i: number }).i)).toEqual([147, 148, 149]);
    expect(() => store.getAuditLogs('not a date')).toThrow(/since must be an ISO 8601/);
  });
});
