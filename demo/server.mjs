// `npm start`: the demo. Serves a page with both panels and streams a simulated orchestrator's
// logs to it over /ws/logs. PORT overrides the port (default 8001). Ctrl-C stops it cleanly.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createLogwire } from '../packages/server/dist/index.js';
import { startWorkload } from './workload.mjs';

const port = Number(process.env.PORT ?? 8001);
const here = new URL('.', import.meta.url);
const files = {
  '/': [new URL('index.html', here), 'text/html; charset=utf-8'],
  '/logwire.bundle.js': [new URL('../packages/panels/dist/logwire.bundle.js', here), 'text/javascript; charset=utf-8'],
  '/logwire.bundle.js.map': [new URL('../packages/panels/dist/logwire.bundle.js.map', here), 'application/json'],
};

const logwire = createLogwire({ level: { '': 'DEBUG' } });
const workload = startWorkload(logwire, { rate: Number(process.env.DEMO_RATE ?? 4) });

const server = createServer(async (request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  // GET /rate reads the simulated load (log calls per second); POST /rate?value=N changes it.
  if (path === '/rate' && (request.method === 'POST' || request.method === 'GET')) {
    if (request.method === 'POST') workload.setRate(Number(new URL(request.url, 'http://demo').searchParams.get('value')));
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ rate: workload.rate }));
    return;
  }
  const file = files[path];
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
    return;
  }
  try {
    response.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-cache' }).end(await readFile(file[0]));
  } catch {
    response.writeHead(500, { 'content-type': 'text/plain' }).end('Build missing: run npm run build\n');
  }
});

logwire.attach(server);
server.on('error', (error) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${port} is in use: set PORT to another port (PORT=8002 npm start)` : error.message);
  process.exit(1);
});
server.listen(port, () => {
  const { port: actual } = server.address();
  console.log(`logwire demo: http://localhost:${actual}  (WebSocket: ws://localhost:${actual}/ws/logs; Ctrl-C to stop)`);
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the demo…`);
  workload.stop();
  await logwire.close();
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
