// `npm start`: the demo. Serves a page with both panels and streams a simulated orchestrator's
// logs to it over /ws/logs. It listens on 127.0.0.1 (HOST overrides) and port 8001 (PORT
// overrides) and prints its URL. Ctrl-C stops it cleanly.
// The logs are also written to files (LOGWIRE_DIR, default a fresh folder under the OS temp dir,
// removed on exit) and served by the query API at /logs/system and /logs/audit, which the
// panels' "Load older" reads once the stream's in-memory history has scrolled away.
// An alert (`trouble`: more than 10 ERROR records in 30 s; DEMO_ALERT_WINDOW shortens the window)
// fires when the page's "Cause trouble" button (POST /trouble) logs a burst of errors, shows in the
// panels' banner, and resolves once the burst has left the window. GET /metrics serves Prometheus text.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogwire } from '../packages/server/dist/index.js';
import { demoHost, demoUrl } from './address.mjs';
import { startWorkload } from './workload.mjs';

const port = Number(process.env.PORT ?? 8001);
const host = demoHost();
const here = new URL('.', import.meta.url);
const files = {
  '/': [new URL('index.html', here), 'text/html; charset=utf-8'],
  '/logwire.bundle.js': [new URL('../packages/panels/dist/logwire.bundle.js', here), 'text/javascript; charset=utf-8'],
  '/logwire.bundle.js.map': [new URL('../packages/panels/dist/logwire.bundle.js.map', here), 'application/json'],
};

const DEMO_MARK = '.logwire-demo';

// A demo killed without Ctrl-C (kill -9) leaves its temp folder behind: remove those whose lock
// names a process that is gone. Only folders this demo made (they hold DEMO_MARK) are touched.
function removeAbandonedDemoDirs() {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith('logwire-demo-')) continue;
    const candidate = join(tmpdir(), name);
    try {
      readFileSync(join(candidate, DEMO_MARK));
      const pid = Number(readFileSync(join(candidate, 'logwire.lock'), 'utf8'));
      if (!Number.isSafeInteger(pid) || pid <= 0) continue; // being written: its demo is starting
      try {
        process.kill(pid, 0);
        continue; // still running
      } catch (error) {
        if (error.code !== 'ESRCH') continue;
      }
      rmSync(candidate, { recursive: true, force: true });
    } catch {
      // Not a demo folder, or not readable: leave it.
    }
  }
}

const ownDir = !process.env.LOGWIRE_DIR;
if (ownDir) removeAbandonedDemoDirs();
const dir = ownDir ? mkdtempSync(join(tmpdir(), 'logwire-demo-')) : process.env.LOGWIRE_DIR;
if (ownDir) writeFileSync(join(dir, DEMO_MARK), '');
let logwire;
try {
  // A page that opens gets the newest 100 entries of each type from the stream; older ones come
  // from the files through "Load older".
  // Records also print to the terminal, readable (`pretty`) even when piped; LOGWIRE_CONSOLE=off|json
  // overrides, NO_COLOR turns the colours off.
  logwire = createLogwire({ level: { '': 'DEBUG' }, persistence: { dir }, console: process.env.LOGWIRE_CONSOLE ? undefined : 'pretty' });
} catch (error) {
  // E.g. another demo is writing LOGWIRE_DIR (the directory is locked), or it cannot be created.
  console.error(`Cannot write logs to ${dir}: ${error.message}`);
  process.exit(1);
}
console.log(`logwire demo: writing logs to ${dir}${ownDir ? ' (a fresh folder, removed on exit; set LOGWIRE_DIR to keep them)' : ''}`);
// No authentication in the demo: anyone who can reach the address may read every log, which is why
// it listens on 127.0.0.1 unless HOST says otherwise. A real app passes the same `authenticate` hook
// as its WebSocket endpoint.
const queryLogs = logwire.persistence.queryHandler();
const workload = startWorkload(logwire, { rate: Number(process.env.DEMO_RATE ?? 4) });
logwire.alerts.add({
  name: 'trouble',
  when: { count: { level: 'ERROR', types: ['system_log'] }, window: process.env.DEMO_ALERT_WINDOW || '30s', above: 10 },
});
// No authenticate hook, like the stream: anyone who reaches the demo reads its metrics.
const metrics = logwire.metricsHandler();

const server = createServer(async (request, response) => {
  const path = (request.url ?? '/').split('?')[0];
  // GET /rate reads the simulated load (log calls per second); POST /rate?value=N changes it.
  if (path === '/rate' && (request.method === 'POST' || request.method === 'GET')) {
    if (request.method === 'POST') workload.setRate(Number(new URL(request.url, 'http://demo').searchParams.get('value')));
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ rate: workload.rate }));
    return;
  }
  // POST /trouble logs a burst of 20 ERROR records: the `trouble` alert fires within a second or two.
  if (path === '/trouble' && request.method === 'POST') {
    workload.causeTrouble(20);
    response.writeHead(204, { 'cache-control': 'no-store' }).end();
    return;
  }
  if (path === '/metrics' && metrics) {
    metrics(request, response);
    return;
  }
  if (path.startsWith('/logs/')) {
    queryLogs(request, response);
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
server.listen(port, host, () => {
  const { port: actual } = server.address();
  console.log(`logwire demo: ${demoUrl('http', host, actual)}  (WebSocket: ${demoUrl('ws', host, actual, '/ws/logs')}; Ctrl-C to stop)`);
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the demo…`);
  workload.stop();
  await logwire.close();
  if (ownDir) rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
