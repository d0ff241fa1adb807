// The ceiling for the Redis backplane: a bare batched loop with no logwire code, in one process, on
// two connections like a node's (writer and blocking reader): each event-loop turn builds `BATCH`
// records (the same 4-field system line the node logs, stringified) and writes them as ONE entry,
// `XADD * d <json array>` (one stream entry per batch, as the backplane stores them; up to 8 turns
// in flight), while the reader loops `XREAD COUNT 1000 BLOCK` and parses each entry's JSON.
// Records/s = records read back ÷ time from the first XADD to the last read.
//
// With --per-record, each record is its own entry (`XADD * d <json>`, pipelined per turn): the
// layout the backplane used before it stored one entry per batch.
//
//   node bench/redis/bare.mjs [--records N] [--per-record]      prints one JSON line { records, ms, rate }
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export async function bareRun(count, { batch = 256, perRecord = false } = {}) {
  const packed = !perRecord;
  const key = `lwbench:bare:${randomBytes(4).toString('hex')}`;
  const writer = new Redis({ protocol: 2 });
  const reader = new Redis({ protocol: 2 });
  const fields = { request_id: 'a1b2c3d4e5f6', user: 'alice', path: '/api/v1/instances', status: 200 };
  const started = performance.now();
  let read = 0;
  const reading = (async () => {
    let cursor = '0-0';
    while (read < count) {
      const reply = await reader.xread('COUNT', 1000, 'BLOCK', 2000, 'STREAMS', key, cursor);
      if (reply === null) throw new Error('bare: XREAD timed out');
      for (const [, entries] of reply) {
        for (const [id, values] of entries) {
          const records = JSON.parse(values[1]);
          cursor = id;
          read += packed ? records.length : 1;
        }
      }
    }
  })();
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  const inFlight = [];
  for (let sent = 0; sent < count;) {
    const n = Math.min(batch, count - sent);
    const pipeline = writer.pipeline();
    const lines = [];
    for (let i = 0; i < n; i++) {
      const data = JSON.stringify({
        timestamp: new Date().toISOString(),
        level: 'INFO',
        logger: 'bench.redis',
        message: 'request handled in 12 ms',
        module: '',
        function: '',
        line: 0,
        ...fields,
      });
      if (packed) lines.push(data);
      else pipeline.xadd(key, '*', 'd', data);
    }
    if (packed) pipeline.xadd(key, '*', 'd', `[${lines.join(',')}]`);
    inFlight.push(pipeline.exec());
    if (inFlight.length > 8) await inFlight.shift();
    sent += n;
    await turn();
  }
  await Promise.all(inFlight);
  await reading;
  const ms = performance.now() - started;
  await writer.del(key);
  writer.disconnect();
  reader.disconnect();
  return { records: count, ms, rate: (count / ms) * 1000 };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const count = args.includes('--records') ? Number(args[args.indexOf('--records') + 1]) : 100_000;
  console.log(JSON.stringify(await bareRun(count, { perRecord: args.includes('--per-record') })));
}
