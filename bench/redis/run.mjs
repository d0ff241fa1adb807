// Throughput of the Redis Streams backplane: records/s appended and delivered with 1 and 2 nodes
// (separate processes sharing one Redis at 127.0.0.1:6379), next to one node's in-memory hub.
//
//   npm run build && node bench/redis/run.mjs [--records N] [--rounds N]
//
// "appended": records confirmed by Redis per second, all nodes together, from the first append
// to the last confirmation. "delivered": entries read back per second by each node (every node
// reads every node's records), from the first append until that node has read them all.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { LogHub } from '@logwire/server';
import { Redis } from 'ioredis';
import { fmt, machine, summary } from '../lib.mjs';
import { ensureRedis } from '../../scripts/ensure-redis.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const RECORDS = option('--records', 100_000);
const ROUNDS = option('--rounds', 3);
const nodeScript = fileURLToPath(new URL('./node.mjs', import.meta.url));

await ensureRedis();
const admin = new Redis({ protocol: 2 });

const data = JSON.stringify({ timestamp: new Date().toISOString(), level: 'INFO', logger: 'bench.redis', message: 'request handled in 12 ms', module: 'server', function: 'handle', line: 142, request_id: 'a1b2c3d4e5f6', user: 'alice', path: '/api/v1/instances', status: 200 });

/** One node, no Redis: the hub's publish → batch listener path, in this process. */
async function inMemory(count) {
  const hub = new LogHub({ historySize: 10_000 });
  let delivered = 0;
  const done = new Promise((resolve) => hub.on((batch) => (delivered += batch.length) >= count && resolve()));
  const started = performance.now();
  for (let sent = 0; sent < count; sent += 256) {
    for (let i = 0; i < Math.min(256, count - sent); i++) hub.publish({ type: 'system_log', time: Date.now(), level: 20, logger: 'bench.redis', data });
    await new Promise((resolve) => setImmediate(resolve));
  }
  await done;
  const ms = performance.now() - started;
  hub.close();
  return { appended: (count / ms) * 1000, delivered: (count / ms) * 1000 };
}

function startNode(prefix, name) {
  const child = fork(nodeScript, [], { env: { ...process.env, PREFIX: prefix, NODE: name }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (key) => new Promise((resolve) => {
    const on = (m) => {
      if (m[key] === undefined) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
  });
  return { child, next };
}

/** `nodes` processes each append `perNode` records; every node reads all of them. */
async function throughRedis(nodes, perNode) {
  const prefix = `lwbench:${randomBytes(4).toString('hex')}:`;
  const workers = Array.from({ length: nodes }, (_, i) => startNode(prefix, `n${i}`));
  await Promise.all(workers.map((w) => w.next('ready')));
  const total = nodes * perNode;
  const armed = workers.map((w) => w.next('armed'));
  for (const w of workers) w.child.send({ expect: total });
  await Promise.all(armed);
  const appendedP = workers.map((w) => w.next('appended'));
  const deliveredP = workers.map((w) => w.next('delivered'));
  for (const w of workers) w.child.send({ count: perNode });
  const appended = await Promise.all(appendedP);
  const delivered = await Promise.all(deliveredP);
  for (const w of workers) w.child.send({ close: true });
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  const appendMs = Math.max(...appended.map((a) => a.appendedMs));
  return {
    appended: (total / appendMs) * 1000,
    delivered: Math.min(...delivered.map((d) => (total / d.deliveredMs) * 1000)),
    batches: appended.reduce((sum, a) => sum + a.batches, 0),
  };
}

const variants = [
  { name: '1 node, in-memory hub (no Redis)', run: () => inMemory(RECORDS) },
  { name: '1 node via Redis', run: () => throughRedis(1, RECORDS) },
  { name: '2 nodes via Redis (each appends N, reads 2N)', run: () => throughRedis(2, RECORDS) },
];

const rows = [];
for (const variant of variants) {
  const results = [];
  for (let round = 0; round < ROUNDS; round++) results.push(await variant.run());
  rows.push({ name: variant.name, appended: summary(results.map((r) => r.appended)), delivered: summary(results.map((r) => r.delivered)), batches: results[0].batches });
  process.stderr.write(`bench redis: ${variant.name} done\n`);
}
await admin.quit();

const m = machine();
const redisVersion = (await import('node:child_process')).execFileSync('redis-server', ['--version']).toString().match(/v=(\S+)/)?.[1] ?? '?';
const base = rows[0].appended.median;
const range = (s) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
console.log(`\n## Redis backplane throughput\n`);
console.log(`${RECORDS.toLocaleString('en-US')} records of ${data.length} B per node, median of ${ROUNDS} rounds (min–max). Redis ${redisVersion} on 127.0.0.1; ${m.cpu}; Node ${m.node}.`);
console.log('Appended = records/s confirmed by Redis, all nodes together. Delivered = records/s read back by the slowest node (each node reads every node\'s records).\n');
console.log('| setup | appended records/s | delivered records/s per node | appended vs in-memory |');
console.log('| --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.name} | ${range(row.appended)} | ${range(row.delivered)} | ${(row.appended.median / base).toFixed(2)}x |`);
