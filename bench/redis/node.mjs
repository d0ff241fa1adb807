// One benchmark node: a real logwire server node (`createLogwire({ backplane })` with a
// RedisBackplane). When told, it logs `count` records through an ordinary logger, 256 per
// event-loop turn; it reports when Redis has confirmed them all, and when its hub has handed every
// node's records (`expect` of them) to its listeners, i.e. to its WebSocket endpoint's fan-out.
// Without PREFIX it runs without a backplane: the single-node, in-memory baseline.
import { createLogwire } from '@logwire/server';
import { RedisBackplane } from '@logwire/redis';
import { produce, turn } from './produce.mjs';

const { PREFIX, NODE } = process.env;
const backplane = PREFIX
  ? new RedisBackplane({
      prefix: PREFIX,
      node: NODE,
      stream: 'bench',
      backlog: { maxRecords: 100_000, maxBytes: 256 * 1024 * 1024 },
      retention: { maxLength: 2_000_000, maxAgeMs: 0 },
    })
  : undefined;
const logwire = createLogwire({
  backplane,
  callsite: false,
  console: false,
  workers: false,
  redact: false,
  historySize: 10_000,
  onError: (e) => process.stderr.write(`${NODE}: ${e.message}\n`),
});
await logwire.ready;
const log = logwire.getLogger('bench.redis');

let delivered = 0;
let expected = Infinity;
let started = 0;
let cpuStart = process.cpuUsage();
logwire.hub.on((batch) => {
  delivered += batch.length;
  if (delivered >= expected) {
    const cpu = process.cpuUsage(cpuStart);
    // Process CPU (all threads) from arming until this node delivered everything: what the
    // machine's load does not change much, unlike records/s on a shared box.
    process.send({ delivered, deliveredMs: performance.now() - started, cpuUs: cpu.user + cpu.system });
    expected = Infinity;
  }
});

process.on('message', async (message) => {
  if (message.close) {
    await logwire.close();
    process.exit(0);
  }
  if (message.expect !== undefined) {
    // Armed before any node starts logging, so no early entry is missed by the count.
    delivered = 0;
    expected = message.expect;
    started = performance.now();
    cpuStart = process.cpuUsage();
    process.send({ armed: true });
    return;
  }
  const { count } = message;
  const appendStarted = performance.now();
  await produce(log, backplane, count);
  await turn();
  await backplane?.flush();
  const memory = process.memoryUsage();
  process.send({
    appended: count,
    appendedMs: performance.now() - appendStarted,
    batches: backplane?.metrics.batches ?? 0,
    held: logwire.hub.historyLength,
    rss: memory.rss,
    heap: memory.heapUsed,
  });
});
process.send({ ready: true });
