// One logwire server node in this process, for instruction counts: logs N records (256 per
// event-loop turn, the same INFO line as node.mjs) and exits once its hub has delivered all N.
// With --redis it runs with a RedisBackplane (its own key prefix, deleted afterwards), without it
// as the no-backplane node. Per-record cost without startup: run it with two N and take the difference, e.g.
//
//   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null node bench/redis/one-node.mjs --redis --records 20000
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createLogwire } from '@logwire/server';
import { RedisBackplane } from '@logwire/redis';
import { produce } from './produce.mjs';

const args = process.argv.slice(2);
const count = args.includes('--records') ? Number(args[args.indexOf('--records') + 1]) : 20_000;
const prefix = `lwbench:one:${randomBytes(4).toString('hex')}:`;
const backplane = args.includes('--redis')
  ? new RedisBackplane({
      prefix,
      node: 'one',
      stream: 'bench',
      backlog: { maxRecords: 100_000, maxBytes: 256 * 1024 * 1024 },
      retention: { maxLength: 0, maxAgeMs: 0 },
    })
  : undefined;
const logwire = createLogwire({ backplane, callsite: false, console: false, workers: false, redact: false, historySize: 10_000 });
await logwire.ready;
const log = logwire.getLogger('bench.redis');
let delivered = 0;
const done = new Promise((resolve) => logwire.hub.on((batch) => (delivered += batch.length) >= count && resolve()));
const cpu = process.cpuUsage();
const started = performance.now();
await produce(log, backplane, count);
await done;
const used = process.cpuUsage(cpu);
console.log(JSON.stringify({ records: count, ms: performance.now() - started, cpuUsPerRecord: (used.user + used.system) / count }));
await logwire.close();
if (backplane) {
  const admin = new Redis({ protocol: 2 });
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length) await admin.del(...keys);
  await admin.quit();
}
