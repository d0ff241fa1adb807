import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '@logwire/server';
import { RedisBackplane, RedisBackplaneErrorCode } from '@logwire/redis';
import { LogStreamClient, type WebSocketConstructor } from '@logwire/client';
import { WebSocket } from 'ws';
import { deleteKeys, REDIS_URL, requireRedis, streamRecords, uniquePrefix } from '../../packages/redis/test/helpers.js';
import { until } from '../helpers/wait.js';

// createLogwire({ backplane }) in one process, against the shared Redis on 127.0.0.1:6379.

let admin: Redis;
const prefixes: string[] = [];
const open: Logwire[] = [];
const clients: LogStreamClient[] = [];

beforeAll(async () => {
  await requireRedis();
  admin = new Redis(REDIS_URL);
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  for (const logwire of open.splice(0)) await logwire.close();
  for (const prefix of prefixes.splice(0)) await deleteKeys(admin, prefix);
});
afterAll(async () => {
  await admin.quit();
});

function node(prefix: string, name: string): Logwire {
  const logwire = createLogwire({
    backplane: new RedisBackplane({ redis: REDIS_URL, prefix, node: name, read: { blockMs: 200 } }),
    callsite: false,
    workers: false,
  });
  open.push(logwire);
  return logwire;
}

describe('createLogwire({ backplane })', () => {
  it('takes the stream epoch and Redis ids, and close() appends what was logged just before', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const logwire = node(prefix, 'one');
    await logwire.ready;
    const epoch = await admin.hget(`${prefix}{logs}:m`, 'e');
    expect(logwire.hub.epoch).toBe(epoch);
    const { address } = await logwire.listen(0);
    const ids: string[] = [];
    const client = new LogStreamClient(`ws://127.0.0.1:${address.port}/ws/logs`, {
      WebSocket: WebSocket as unknown as WebSocketConstructor,
    });
    clients.push(client);
    client.on('message', (message) => ids.push(message.id as string));
    await until(() => client.state === 'live', 'the client to be live', 15_000);
    logwire.getLogger('app').info('first');
    await until(() => ids.length === 1, 'the first record back from Redis', 15_000);
    const stored = await streamRecords(admin, `${prefix}{logs}:x`);
    expect(ids).toEqual([stored[0]!.id]);
    // Logged in the same turn as close(): still appended before the backplane disconnects.
    logwire.getLogger('app').info('second');
    logwire.audit('shutdown', { reason: 'test' });
    open.splice(open.indexOf(logwire), 1);
    await logwire.close();
    // Read as records: a stream entry holds a batch, each record has its own id.
    expect((await streamRecords(admin, `${prefix}{logs}:x`)).map((r) => r.type)).toEqual(['system_log', 'system_log', 'audit_log']);
  });

  it('refuses to drive a second instance with the same backplane', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const backplane = new RedisBackplane({ redis: REDIS_URL, prefix });
    const first = createLogwire({ backplane, workers: false });
    open.push(first);
    expect(() => createLogwire({ backplane, workers: false })).toThrow(
      expect.objectContaining({ code: RedisBackplaneErrorCode.InvalidOption }),
    );
    await first.ready;
  });
});
