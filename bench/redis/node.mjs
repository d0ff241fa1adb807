// One benchmark node: a RedisBackplane that subscribes to the stream and, when told, appends
// `count` records as fast as the backlog allows (batches of 256 per event-loop turn, the hub's
// flush size). Reports when its appends are confirmed and when it has read `expect` entries.
import { RedisBackplane } from '@logwire/redis';

const { PREFIX, NODE } = process.env;
const backplane = new RedisBackplane({ prefix: PREFIX, node: NODE, backlog: { maxRecords: 100_000, maxBytes: 256 * 1024 * 1024 }, retention: { maxLength: 2_000_000, maxAgeMs: 0 } });
backplane.on('error', (e) => process.stderr.write(`${NODE}: ${e.message}\n`));

let delivered = 0;
let expected = Infinity;
let started = 0;
await backplane.subscribe('bench', (batch) => {
  delivered += batch.entries.length;
  if (delivered >= expected) {
    process.send({ delivered, deliveredMs: performance.now() - started });
    expected = Infinity;
  }
});

const data = JSON.stringify({ timestamp: new Date().toISOString(), level: 'INFO', logger: 'bench.redis', message: 'request handled in 12 ms', module: 'server', function: 'handle', line: 142, request_id: 'a1b2c3d4e5f6', user: 'alice', path: '/api/v1/instances', status: 200 });
const turn = () => new Promise((resolve) => setImmediate(resolve));

process.on('message', async (message) => {
  if (message.close) {
    await backplane.close();
    process.exit(0);
  }
  if (message.expect !== undefined) {
    // Armed before any node starts appending, so no early entry is missed by the count.
    delivered = 0;
    expected = message.expect;
    started = performance.now();
    process.send({ armed: true });
    return;
  }
  const { count } = message;
  const appendStarted = performance.now();
  const record = { type: 'system_log', time: Date.now(), level: 20, logger: 'bench.redis', data };
  for (let sent = 0; sent < count; ) {
    // Keep the backlog below its bound so nothing is dropped: the bench measures throughput.
    if (backplane.metrics.backlogRecords > 50_000) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    const n = Math.min(256, count - sent);
    backplane.append('bench', Array.from({ length: n }, () => record));
    sent += n;
    await turn();
  }
  await backplane.flush();
  process.send({ appended: count, appendedMs: performance.now() - appendStarted, batches: backplane.metrics.batches });
});
process.send({ ready: true });
