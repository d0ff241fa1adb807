import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogwire, type Logwire } from '@logwire/server';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisBackplane } from '../src/index.js';
import { PrivateRedis, streamRecords, uniquePrefix } from './helpers.js';
import { startServerNode, stopAll } from './nodes.js';
import { until } from '../../../test/helpers/wait.js';

// commit() with a Redis backplane and persistence: it resolves only once the caller's audit
// events are in Redis (the local trail gets them through the backplane), never before.

const servers: PrivateRedis[] = [];
const temps: string[] = [];
let logwire: Logwire | undefined;

afterEach(async () => {
  await stopAll();
  await logwire?.close();
  logwire = undefined;
  for (const server of servers.splice(0)) await server.dispose();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function streamActions(url: string, prefix: string): Promise<string[]> {
  const admin = new Redis(url, { protocol: 2 });
  try {
    const raw = await streamRecords(admin, `${prefix}{logs}:x`);
    const data = raw.map((r) => JSON.parse(r.data) as { action?: string });
    return data.flatMap((entry) => (entry.action === undefined ? [] : [entry.action]));
  } finally {
    admin.disconnect();
  }
}

describe('commit() with a Redis backplane', () => {
  it('waits through a Redis outage until the audit event is in Redis, and rejects when closed first', async () => {
    const redis = await PrivateRedis.start({ persistent: true });
    servers.push(redis);
    const prefix = uniquePrefix();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-commit-redis-'));
    temps.push(dir);
    const backplane = new RedisBackplane({ redis: redis.url, prefix, read: { blockMs: 200 } });
    logwire = createLogwire({ backplane, persistence: { dir }, onError: () => undefined });
    await logwire.ready;
    const store = logwire.persistence!;

    logwire.audit('before.outage');
    await store.commit();
    expect(await streamActions(redis.url, prefix)).toEqual(['before.outage']);

    await redis.kill();
    await until(() => !backplane.metrics.connected, 'the backplane to notice the outage');
    logwire.audit('during.outage');
    let settled = false;
    const pending = store.commit().finally(() => (settled = true));
    // Proving an absence needs elapsed time: several reconnect attempts happen in this window.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(settled).toBe(false);
    expect(store.query('audit', { action: 'during.outage' }).entries).toHaveLength(0);

    await redis.restart();
    await pending;
    expect(await streamActions(redis.url, prefix)).toContain('during.outage');

    // Closed while Redis is away: the commit is refused, not acknowledged.
    await redis.kill();
    await until(() => !backplane.metrics.connected, 'the backplane to notice the second outage');
    logwire.audit('never.confirmed');
    const refused = store.commit();
    const closing = logwire.close();
    logwire = undefined;
    await expect(refused).rejects.toMatchObject({
      code: 'ERR_LOGWIRE_WRITE',
      message: expect.stringMatching(/not confirmed by the backplane/),
    });
    await closing;
  });

  it('honours timeoutMs while Redis is away', async () => {
    const redis = await PrivateRedis.start();
    servers.push(redis);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-commit-redis-'));
    temps.push(dir);
    const backplane = new RedisBackplane({ redis: redis.url, prefix: uniquePrefix(), read: { blockMs: 200 } });
    logwire = createLogwire({ backplane, persistence: { dir }, onError: () => undefined });
    await logwire.ready;
    await redis.kill();
    await until(() => !backplane.metrics.connected, 'the backplane to notice the outage');
    logwire.audit('during.outage');
    const commit = logwire.persistence!.commit({ timeoutMs: 200 });
    await expect(commit).rejects.toMatchObject({ code: 'ERR_LOGWIRE_WRITE', message: expect.stringMatching(/within 200 ms/) });
  });
});

describe('commit() on a server node that is killed (kill -9)', () => {
  it('acknowledges an audit event only once Redis holds it, so it survives the crash', async () => {
    const redis = await PrivateRedis.start({ persistent: true });
    servers.push(redis);
    const prefix = uniquePrefix();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'logwire-commit-node-'));
    temps.push(dir);
    const node = await startServerNode('a', { PREFIX: prefix, REDIS_URL: redis.url, PERSIST: dir });
    const answers: Array<Record<string, unknown>> = [];
    node.child.on('message', (message: Record<string, unknown>) => {
      if ('committed' in message || 'commitFailed' in message) answers.push(message);
    });
    node.child.send({ auditCommit: 'before.outage' });
    await until(() => answers.some((answer) => answer['committed'] === 'before.outage'), 'the first commit');

    await redis.kill();
    await until(async () => !(await node.info()).metrics.connected, 'the node to notice the outage');
    node.child.send({ auditCommit: 'during.outage' });
    // Proving an absence needs elapsed time: the node retries Redis several times in this window.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(answers.filter((answer) => answer['committed'] === 'during.outage')).toEqual([]);

    await redis.restart();
    await until(() => answers.some((answer) => answer['committed'] === 'during.outage'), 'the commit once Redis is back');
    await node.kill();
    expect(await streamActions(redis.url, prefix)).toEqual(['before.outage', 'during.outage']);
  });
});
