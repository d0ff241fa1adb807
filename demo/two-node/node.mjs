// One node of the two-node demo: a real logwire server node. A simulated service logs through
// @logwire/server, which is configured with a RedisBackplane from @logwire/redis: the records go to
// a shared Redis stream, Redis assigns their ids, and the node's /ws/logs endpoint serves that
// stream (every node's records) to the dashboards connected to it. A dashboard can reconnect to
// any node and resume where it was.
//
//   PORT=8001 NODE=node-a node demo/two-node/node.mjs     (after npm run build)
//
// It listens on 127.0.0.1 unless HOST says otherwise (it has no authentication).
//
// Each node also writes what it streams (the whole shared stream) to files in a temp folder, so
// the panels' "Load older" works through /logs.
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisBackplane } from '@logwire/redis';
import { createLogwire } from '@logwire/server';
import { demoHost, demoUrl } from '../address.mjs';
import { startWorkload } from '../workload.mjs';

const port = Number(process.env.PORT ?? 8001);
const host = demoHost();
const node = process.env.NODE ?? `node-${port}`;
const here = new URL('.', import.meta.url);
const files = {
  '/': [new URL('../index.html', here), 'text/html; charset=utf-8'],
  '/logwire.bundle.js': [new URL('../../packages/panels/dist/logwire.bundle.js', here), 'text/javascript; charset=utf-8'],
  '/logwire.bundle.js.map': [new URL('../../packages/panels/dist/logwire.bundle.js.map', here), 'application/json'],
};

const backplane = new RedisBackplane({
  redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  prefix: process.env.PREFIX ?? 'lw:demo:',
  stream: process.env.STREAM ?? 'demo',
  node,
  retention: { maxLength: 100_000, maxAgeMs: 3_600_000 },
});
backplane.on('outage', ({ error }) => console.error(`${node}: ${error.message}`));
backplane.on('recovered', ({ downMs }) => console.error(`${node}: Redis is back after ${downMs} ms`));
backplane.on('gap', ({ gap }) =>
  console.error(`${node}: ${gap.reason} gap in the stream (${gap.from ?? 'start of the epoch'} → ${gap.to ?? 'unknown'})`),
);

const dir = mkdtempSync(join(tmpdir(), 'logwire-two-node-'));
const logwire = createLogwire({
  level: { '': 'DEBUG' },
  backplane,
  // History comes from Redis; the files only serve "Load older" (and hold every node's records).
  persistence: { dir, recover: false },
  // Outages and drops are reported through the backplane's events above.
  onError: (error) => {
    if (!String(error?.code ?? '').startsWith('ERR_LOGWIRE_REDIS')) console.error(`${node}: ${error?.message ?? error}`);
  },
});
const queryLogs = logwire.persistence.queryHandler();
const workload = startWorkload(logwire, { rate: Number(process.env.DEMO_RATE ?? 4) });

const server = createServer(async (request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/rate' && (request.method === 'POST' || request.method === 'GET')) {
    if (request.method === 'POST') workload.setRate(Number(new URL(request.url, 'http://demo').searchParams.get('value')));
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ rate: workload.rate }));
    return;
  }
  if (path === '/metrics') {
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ node, epoch: logwire.hub.epoch, held: logwire.hub.historyLength, ...backplane.metrics }));
    return;
  }
  if (path.startsWith('/logs/')) {
    queryLogs(request, response);
    return;
  }
  const file = files[path];
  if (!file) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  try {
    response.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-cache' }).end(await readFile(file[0]));
  } catch {
    response.writeHead(500, { 'content-type': 'text/plain' }).end('Build missing: run npm run build\n');
  }
});
logwire.attach(server);
server.on('error', (error) => {
  console.error(error.code === 'EADDRINUSE' ? `${node}: port ${port} is in use (BASE_PORT moves the demo's ports)` : error.message);
  process.exit(1);
});
// Pages that connect before the node has joined the stream would be told to reconnect once it has
// (the epoch changes from the node's own to the stream's); wait for that, but not forever.
await Promise.race([logwire.ready, new Promise((resolve) => setTimeout(resolve, 5000))]);
server.listen(port, host, () => {
  const actual = server.address().port;
  console.log(`${node}: ${demoUrl('http', host, actual)}  (${demoUrl('ws', host, actual, '/ws/logs')}, metrics: /metrics)`);
});

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  workload.stop();
  setTimeout(() => process.exit(0), 3000).unref();
  server.closeAllConnections();
  await logwire.close(); // appends what is still buffered, then disconnects from Redis
  rmSync(dir, { recursive: true, force: true });
  server.close(() => process.exit(0));
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
