// Throughput of logwire server nodes sharing a stream through the Redis Streams backplane:
// records/s appended and delivered with 1 and 2 nodes (separate processes, each a real
// `createLogwire({ backplane: new RedisBackplane(…) })`, sharing one Redis at 127.0.0.1:6379),
// next to one node without a backplane (ids assigned by its own hub, nothing leaves the process).
//
//   npm run build && node bench/redis/run.mjs [--records N] [--rounds N] [--baseline DIR]
//
// --baseline DIR: another checkout with its own build (e.g. a git worktree of an older commit, after
// `npm ci` and a build there); its bench/redis/node.mjs runs the two "via Redis" setups again in
// every round, interleaved with this build's, so before/after ratios come from the same run.
//
// Records are logged with an ordinary logger call (formatting included, redaction and callsite off).
// "appended": records confirmed by Redis per second, all nodes together, from the first log call
// to the last confirmation (without Redis: to the last delivery). "delivered": records per second
// each node's hub hands to its WebSocket fan-out (every node gets every node's records), from the
// first log call until that node has them all. "RSS" is the node process after the run.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { fmt, machine, summary } from '../lib.mjs';
import { ensureRedis } from '../../scripts/ensure-redis.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const RECORDS = option('--records', 100_000);
const ROUNDS = option('--rounds', 3);
const nodeScript = fileURLToPath(new URL('./node.mjs', import.meta.url));
const BASELINE = args.includes('--baseline') ? args[args.indexOf('--baseline') + 1] : undefined;
const baselineScript = BASELINE === undefined ? undefined : resolve(BASELINE, 'bench/redis/node.mjs');

await ensureRedis();
const admin = new Redis({ protocol: 2 });

/** One node without a backplane, in its own process: the same logger → hub → listener path. */
async function inMemory(count) {
  const worker = startNode(undefined, 'solo');
  await worker.next('ready');
  const armed = worker.next('armed');
  worker.child.send({ expect: count });
  await armed;
  const appendedP = worker.next('appended');
  const deliveredP = worker.next('delivered');
  worker.child.send({ count });
  const [appended, delivered] = await Promise.all([appendedP, deliveredP]);
  worker.child.send({ close: true });
  return {
    appended: (count / Math.max(appended.appendedMs, delivered.deliveredMs)) * 1000,
    delivered: (count / delivered.deliveredMs) * 1000,
    cpuPerRecord: delivered.cpuUs / count,
    batches: 0,
    rss: appended.rss,
    held: appended.held,
  };
}

function startNode(prefix, name, script = nodeScript) {
  const env = { ...process.env, NODE: name };
  if (prefix !== undefined) env.PREFIX = prefix;
  else delete env.PREFIX;
  const child = fork(script, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = (key) =>
    new Promise((resolve) => {
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
async function throughRedis(nodes, perNode, script = nodeScript) {
  const prefix = `lwbench:${randomBytes(4).toString('hex')}:`;
  const workers = Array.from({ length: nodes }, (_, i) => startNode(prefix, `n${i}`, script));
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
    // Each node delivers every node's records: its CPU per delivered record (the largest).
    cpuPerRecord: Math.max(...delivered.map((d) => d.cpuUs / total)),
    batches: appended.reduce((sum, a) => sum + a.batches, 0),
    rss: Math.max(...appended.map((a) => a.rss)),
    held: Math.max(...appended.map((a) => a.held)),
  };
}

/** The ceiling: bare batched XADD + XREAD, no logwire code (bare.mjs), in its own process like a node. */
async function bare(count, perRecord = false) {
  const args = ['--records', String(count), ...(perRecord ? ['--per-record'] : [])];
  const child = fork(fileURLToPath(new URL('./bare.mjs', import.meta.url)), args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  await new Promise((resolve) => child.on('exit', resolve));
  clearTimeout(timer);
  const { rate } = JSON.parse(out.trim().split('\n').pop() ?? '{}');
  if (!Number.isFinite(rate)) throw new Error(`bare XADD + XREAD loop failed: ${out.slice(-300)}`);
  return { appended: rate, delivered: rate, cpuPerRecord: NaN, batches: 0, rss: 0, held: 0 };
}

const variants = [
  { name: '1 server node, no backplane (no Redis)', run: () => inMemory(RECORDS) },
  { name: 'ceiling: bare batched XADD + XREAD loop, one entry per turn (no logwire)', run: () => bare(RECORDS) },
  { name: '1 server node via Redis', run: () => throughRedis(1, RECORDS) },
  { name: '2 server nodes via Redis (each logs N, delivers 2N)', run: () => throughRedis(2, RECORDS) },
  { name: 'for reference: bare loop, one entry per record (pipelined XADD)', run: () => bare(RECORDS, true) },
];
if (baselineScript !== undefined) {
  variants.push(
    { name: `baseline build (${BASELINE}): 1 server node via Redis`, run: () => throughRedis(1, RECORDS, baselineScript) },
    { name: `baseline build (${BASELINE}): 2 server nodes via Redis`, run: () => throughRedis(2, RECORDS, baselineScript) },
  );
}

// Rounds interleave the variants, so each round's ratios compare runs made under the same load.
const results = variants.map(() => []);
// The 1-minute load average when each round starts and ends: the machine may be shared.
const loads = [];
for (let round = 0; round < ROUNDS; round++) {
  const before = loadavg()[0];
  for (const [i, variant] of variants.entries()) results[i].push(await variant.run());
  loads.push(`${before.toFixed(1)}→${loadavg()[0].toFixed(1)}`);
  process.stderr.write(`bench redis: round ${round + 1} of ${ROUNDS} done\n`);
}
const rows = variants.map((variant, i) => ({
  name: variant.name,
  appended: summary(results[i].map((r) => r.appended)),
  delivered: summary(results[i].map((r) => r.delivered)),
  batches: results[i][0].batches,
  rss: Math.max(...results[i].map((r) => r.rss)),
  held: Math.max(...results[i].map((r) => r.held)),
  // Per-round ratios: to the no-backplane node (0) and to the bare ceiling (1) of the same round.
  vsSolo: summary(results[i].map((r, round) => r.delivered / results[0][round].delivered)),
  vsBare: summary(results[i].map((r, round) => r.delivered / results[1][round].delivered)),
  cpu: summary(results[i].map((r) => r.cpuPerRecord)),
}));
await admin.quit();

const m = machine();
const redisVersion =
  (await import('node:child_process'))
    .execFileSync('redis-server', ['--version'])
    .toString()
    .match(/v=(\S+)/)?.[1] ?? '?';
const range = (s) => `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})`;
const ratio = (s) => `${s.median.toFixed(2)}x (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
console.log(`\n## Redis backplane throughput\n`);
console.log(
  `${RECORDS.toLocaleString('en-US')} records per node (an INFO call with 4 fields), median of ${ROUNDS} rounds (min–max), variants interleaved per round. Redis ${redisVersion} on 127.0.0.1; ${m.cpu}; Node ${m.node}.`,
);
console.log(
  "Appended = records/s logged and confirmed by Redis, all nodes together (no backplane: logged and delivered). Delivered = records/s the slowest node hands to its WebSocket fan-out (each node delivers every node's records). The ceiling is a bare ioredis loop, one process: each event-loop turn's 256 records as one `XADD * d <json array>` (one entry per batch, pipelined) and `XREAD COUNT 1000 BLOCK` parsing every entry. Ratios are per round, delivered ÷ delivered. Node CPU = the node process's CPU time (all its threads) from the start until it delivered every record, ÷ records it delivered: on a shared machine it moves far less than records/s. Held = messages in a node's replay history (historySize 10 000); RSS = largest node process after the run.\n",
);
console.log(
  '| setup | appended records/s | delivered records/s per node | ÷ no backplane | ÷ bare ceiling | node CPU µs per delivered record | held | RSS MiB |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows)
  console.log(
    `| ${row.name} | ${range(row.appended)} | ${range(row.delivered)} | ${ratio(row.vsSolo)} | ${ratio(row.vsBare)} | ${Number.isNaN(row.cpu.median) ? '—' : `${row.cpu.median.toFixed(1)} (${row.cpu.min.toFixed(1)}–${row.cpu.max.toFixed(1)})`} | ${row.held || '—'} | ${row.rss ? (row.rss / 1048576).toFixed(0) : '—'} |`,
  );
console.log(`\nLoad average (1 min) at the start→end of each round: ${loads.join(', ')}.`);
const goals = [
  { goal: 'one node via Redis delivers ≥ 0.5× the no-backplane node', value: rows[2].vsSolo.median },
  { goal: 'each of two nodes via Redis delivers ≥ 0.5× the no-backplane node', value: rows[3].vsSolo.median },
  { goal: 'one node via Redis delivers ≥ 0.5× the bare batched XADD + XREAD ceiling', value: rows[2].vsBare.median },
];
console.log('');
for (const g of goals) console.log(`- ${g.value >= 0.5 ? 'met' : '**not met**'}: ${g.goal} — measured ${g.value.toFixed(2)}×`);
