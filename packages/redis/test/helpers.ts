import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type BackplaneEntry, type BackplaneRecord, RedisBackplane, type RedisBackplaneOptions } from '../src/index.js';
import { parseEntry, type RawEntry } from '../src/entry-codec.js';
import { until } from '../../../test/helpers/wait.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Answers whether a Redis server replies to PING on host:port. */
export function ping(port = 6379, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host, () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** Fails the suite loudly when the shared Redis is not there: these tests need it, they never skip. */
export async function requireRedis(): Promise<void> {
  if (!(await ping())) {
    throw new Error(
      '@logwire/redis tests need a Redis server on 127.0.0.1:6379 and none answered PING. Run `node scripts/ensure-redis.mjs` (starts or installs redis-server), then re-run the tests.',
    );
  }
}

/** A key prefix no other test (or other suite on the same server) uses. */
export function uniquePrefix(): string {
  return `lwtest:${process.pid}:${randomBytes(4).toString('hex')}:`;
}

/**
 * Deletes every key under `prefix`. Tests use this instead of FLUSHALL: the Redis server is shared
 * with other suites running at the same time, so a test only ever "flushes" its own keys.
 */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** What {@link useSharedRedis} gives a test file. */
export interface SharedRedis {
  /** A connection to the shared Redis for inspecting and damaging a test's keys (from `beforeAll` on). */
  readonly admin: Redis;
  /** A key prefix of its own; its keys are deleted after the test. */
  prefix(): string;
  /** A backplane on the shared Redis (XREAD blocks 200 ms), closed after the test. */
  backplane(prefix: string, options?: RedisBackplaneOptions): RedisBackplane;
}

/**
 * The setup of a test file on the shared Redis: fails the file loudly when Redis is not there,
 * hands out key prefixes and backplanes, and after each test runs `cleanup` (which stops whatever
 * else still uses the keys: server nodes, sockets), closes the backplanes and deletes the keys.
 * Call it once, at the top of the file.
 */
export function useSharedRedis(cleanup?: () => Promise<unknown> | void): SharedRedis {
  let admin: Redis | undefined;
  const prefixes: string[] = [];
  const backplanes: RedisBackplane[] = [];
  beforeAll(async () => {
    await requireRedis();
    admin = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    await cleanup?.();
    await Promise.all(backplanes.splice(0).map((bp) => bp.close()));
    for (const prefix of prefixes.splice(0)) await deleteKeys(admin!, prefix);
  });
  afterAll(async () => {
    await admin?.quit();
  });
  return {
    get admin(): Redis {
      if (!admin) throw new Error('the admin connection opens in beforeAll: use it inside tests and hooks');
      return admin;
    },
    prefix() {
      const prefix = uniquePrefix();
      prefixes.push(prefix);
      return prefix;
    },
    backplane(prefix, options = {}) {
      const bp = new RedisBackplane({ redis: REDIS_URL, prefix, read: { blockMs: 200 }, ...options });
      backplanes.push(bp);
      return bp;
    },
  };
}

/** A system_log record whose message carries `label`, timestamped now. */
export function record(label: string, time = Date.now()): BackplaneRecord {
  const data = JSON.stringify({
    timestamp: new Date(time).toISOString(),
    level: 'INFO',
    logger: 'test.redis',
    message: label,
    module: '',
    function: '',
    line: 0,
  });
  return { type: 'system_log', time, level: 20, logger: 'test.redis', data };
}

/** The `message` of a record's data. */
export function label(entry: { data: string }): string {
  return (JSON.parse(entry.data) as { message: string }).message;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway redis-server (no persistence) on its own port, for outage tests. */
export class PrivateRedis {
  process: ChildProcess | undefined;
  constructor(
    readonly port: number,
    /** Directory of an append-only file synced on every write: data survives a SIGKILL. */
    readonly dataDir?: string,
  ) {}

  static async start(options: { persistent?: boolean } = {}): Promise<PrivateRedis> {
    if (spawnSync('redis-server', ['--version']).status !== 0) {
      throw new Error('the outage tests start their own redis-server, and none is installed. Run `node scripts/ensure-redis.mjs`.');
    }
    const server = new PrivateRedis(await freePort(), options.persistent ? mkdtempSync(join(tmpdir(), 'lw-redis-')) : undefined);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    const storage =
      this.dataDir === undefined ? ['--appendonly', 'no'] : ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', this.dataDir];
    this.process = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', ...storage], {
      stdio: 'ignore',
    });
    await until(() => ping(this.port, '127.0.0.1', 200), `redis-server on port ${this.port}`);
  }

  /** Kills the server (SIGKILL: no goodbye to clients, all data gone). */
  async kill(): Promise<void> {
    const child = this.process;
    if (child?.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }

  /** Kills the server and deletes its data directory. */
  async dispose(): Promise<void> {
    await this.kill();
    if (this.dataDir !== undefined) rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Every record of the stream `key`, oldest first, read straight from Redis (`XRANGE`) and unpacked
 * with the entry codec: each stream entry holds one appended batch. Drop markers included
 * (`type: 'dropped'`); foreign entries left out.
 */
export async function streamRecords(redis: Redis, key: string): Promise<BackplaneEntry[]> {
  const raw = (await redis.xrangeBuffer(key, '-', '+')) as unknown as RawEntry[];
  return raw.flatMap(([id, fields]) => parseEntry(id, fields) ?? []);
}

/** How many records each entry of the stream `key` holds (one appended batch per entry), oldest first. */
export async function streamBatchSizes(redis: Redis, key: string): Promise<number[]> {
  const raw = (await redis.xrangeBuffer(key, '-', '+')) as unknown as RawEntry[];
  return raw.map(([id, fields]) => parseEntry(id, fields)?.length ?? 0);
}
