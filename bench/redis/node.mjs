// One benchmark node: a real logwire server node (`createLogwire({ backplane })` with a
// RedisBackplane). When told, it logs `count` records through an ordinary logger, 256 per
// event-loop turn; it reports when Redis has confirmed them all, and when its hub has handed every
// node's records (`expect` of them) to its listeners, i.e. to its WebSocket endpoint's fan-out.
// Without PREFIX it runs without a backplane: the single-node, in-memory baseline.
import { createLogwire } from '@logwire/server';
import { RedisBackplane } from '@logwire/redis';

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
const fields = { request_id: 'a1b2c3d4e5f6', user: 'alice', path: '/api/v1/instances', status: 200 };

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

const turn = () => new Promise((resolve) => setImmediate(resolve));

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
  for (let sent = 0; sent < count;) {
    // Keep the backlog below its bound so nothing is dropped: the bench measures throughput.
    if (backplane && backplane.metrics.backlogRecords > 50_000) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    const n = Math.min(256, count - sent);
    for (let i = 0; i < n; i++) log.info('request handled in 12 ms', fields);
    sent += n;
    await turn();
  }
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
