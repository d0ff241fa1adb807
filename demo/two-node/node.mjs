// One node of the two-node demo: a simulated service logs through @logwire/server, its records go
// to a shared Redis stream through @logwire/redis, and /ws/logs serves that stream (every node's
// records, with Redis ids) to the browsers connected to this node.
//
//   PORT=8001 NODE=node-a node demo/two-node/node.mjs     (after npm run build)
//
// A connection gets the newest 100 records, then live ones; `?after=<id>&epoch=<epoch>` resumes
// after a cursor instead (replayed from Redis, so it works on any node).
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { compareIds, parseId } from '@logwire/protocol';
import { RedisBackplane, toFrame, toGapFrame } from '@logwire/redis';
import { createLogwire } from '@logwire/server';
import { WebSocketServer } from 'ws';
import { startWorkload } from '../workload.mjs';

const port = Number(process.env.PORT ?? 8001);
const node = process.env.NODE ?? `node-${port}`;
const stream = process.env.STREAM ?? 'demo';
const here = new URL('.', import.meta.url);
const files = {
  '/': [new URL('../index.html', here), 'text/html; charset=utf-8'],
  '/logwire.bundle.js': [new URL('../../packages/panels/dist/logwire.bundle.js', here), 'text/javascript; charset=utf-8'],
};

const backplane = new RedisBackplane({ redis: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: process.env.PREFIX ?? 'lw:demo:', node, retention: { maxLength: 100_000, maxAgeMs: 3_600_000 } });
backplane.on('outage', ({ error }) => console.error(`${node}: ${error.message}`));
backplane.on('recovered', ({ downMs }) => console.error(`${node}: Redis is back after ${downMs} ms`));

// The service's own loggers feed the hub as usual; every flushed batch goes to Redis.
const logwire = createLogwire({ level: { '': 'DEBUG' } });
logwire.hub.on((batch) => backplane.append(stream, batch));
const workload = startWorkload(logwire, { rate: Number(process.env.DEMO_RATE ?? 4) });

/** @type {Set<{ ws: import('ws').WebSocket, live: boolean, last: string | undefined, buffer: import('@logwire/redis').ReadBatch[] }>} */
const clients = new Set();
const newer = (id, than) => than === undefined || compareIds(parseId(id), parseId(than)) > 0;

function send(client, batch) {
  if (batch.gap) client.ws.send(toGapFrame(batch.gap));
  for (const entry of batch.entries) {
    if (!batch.gap && !newer(entry.id, client.last)) continue; // replay and live overlap while catching up
    client.ws.send(toFrame(entry));
    client.last = entry.id;
  }
}

await backplane.subscribe(stream, (batch) => {
  for (const client of clients) {
    if (client.live) send(client, batch);
    else client.buffer.push(batch);
  }
});

async function catchUp(client, after, epoch) {
  if (after === undefined) {
    const { entries } = await backplane.recent(stream, 100);
    send(client, { entries });
  } else {
    let cursor = after;
    let current = epoch;
    for (;;) {
      const page = await backplane.range(stream, { after: cursor, epoch: current, count: 500 });
      send(client, page);
      cursor = page.entries.at(-1)?.id ?? page.gap?.to ?? cursor;
      current = page.epoch;
      if (page.done) break;
    }
  }
  for (const batch of client.buffer.splice(0)) send(client, { ...batch, gap: undefined });
  client.live = true;
}

const server = createServer(async (request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  if (path === '/rate' && request.method === 'POST') {
    workload.setRate(Number(new URL(request.url, 'http://demo').searchParams.get('value')));
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ rate: workload.rate }));
    return;
  }
  if (path === '/metrics') {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ node, ...backplane.metrics }));
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

const wss = new WebSocketServer({ server, path: '/ws/logs' });
wss.on('connection', (ws, request) => {
  const query = new URL(request.url ?? '/', 'http://demo').searchParams;
  const after = query.get('after') ?? undefined;
  const client = { ws, live: false, last: after, buffer: [] };
  clients.add(client);
  ws.on('close', () => clients.delete(client));
  catchUp(client, after, query.get('epoch') ?? undefined).catch((error) => ws.close(1011, String(error.message).slice(0, 100)));
});

server.listen(port, () => console.log(`${node}: http://localhost:${server.address().port}  (ws://localhost:${server.address().port}/ws/logs, metrics: /metrics)`));

async function stop() {
  workload.stop();
  await logwire.close();
  await backplane.flush();
  await backplane.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
