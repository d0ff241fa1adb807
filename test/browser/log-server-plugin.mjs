// A @web/test-runner plugin that lets browser tests drive real logwire servers in Node:
// `executeServerCommand('logwire:start')` starts one on port 0, `logwire:log` logs through it,
// `logwire:stop` closes it. `logwire:burst` logs N numbered lines in one go. `logwire:raw-start`
// starts a bare `ws` server that sends the given frames to every connection (to play protocol
// frames such as `gap` exactly). `logwire:history-start` starts one with persistence in a fresh
// temp dir and serves the query API (`/logs/system`, `/logs/audit`, with CORS for the test page)
// and the WebSocket on one HTTP server; `token` makes the query API require `Bearer <token>`.
// `logwire:commit` waits until everything logged so far is in the files. `audit` (history-start)
// sets the audit trail's options (an integrity key: signed checkpoints); `logwire:audit-burst` logs
// N numbered audit events; `logwire:proxy-start` puts a rewriting WebSocket proxy in front of a
// server (./tamper-proxy.mjs) and `logwire:proxy-drop` cuts its connections. It imports the built
// server (npm test builds before the browser run). `logwire:alerts-start` starts one with an alert
// (`errors`: more than 2 ERROR records in 5 minutes) behind an `authenticate` hook (bearer `ops`
// may act on alerts, `viewer` may not); `logwire:alerts-evaluate` evaluates its alerts at once and
// `logwire:alerts-audits` returns the alert audit events it recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { bearerToken, createLogwire, createQueryHandler } from '../../packages/server/dist/index.js';
import { startTamperProxy } from './tamper-proxy.mjs';

// The query API on one HTTP server with the WebSocket, answering cross-origin requests from the
// test page (which the runner serves from another port).
async function startWithHistory(payload) {
  const dir = mkdtempSync(join(tmpdir(), 'logwire-panels-history-'));
  const logwire = createLogwire({
    callsite: true,
    console: false,
    ...(payload?.options ?? {}),
    persistence: { dir, audit: payload?.audit },
  });
  const token = payload?.token;
  const authenticate = token === undefined ? undefined : (request) => request.headers.authorization === `Bearer ${token}`;
  const handler = createQueryHandler({ dir, authenticate });
  const requests = [];
  const server = createServer((request, response) => {
    const origin = request.headers.origin;
    if (origin !== undefined) {
      response.setHeader('Access-Control-Allow-Origin', origin);
      response.setHeader('Access-Control-Allow-Credentials', 'true');
      response.setHeader('Vary', 'Origin');
    }
    if (request.method === 'OPTIONS') {
      response
        .writeHead(204, {
          'Access-Control-Allow-Methods': 'GET',
          'Access-Control-Allow-Headers': 'authorization, accept',
          'Access-Control-Max-Age': '60',
        })
        .end();
      return;
    }
    requests.push(request.url);
    handler(request, response);
  });
  // The runner serves the test page from another port, so the page is another origin: the stream
  // refuses other origins by default and admits them here only through the explicit '*' opt-in.
  logwire.attach(server, { allowedOrigins: '*' });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    logwire,
    requests,
    port,
    close: async () => {
      await logwire.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Alerts behind authenticate: `ops` may acknowledge and silence, `viewer` (no audit, so no alerts permission) may not.
async function startWithAlerts() {
  const logwire = createLogwire({ callsite: false, console: false, workers: false });
  const audits = [];
  logwire.hub.on((batch) => {
    for (const message of batch) {
      if (message.type !== 'audit_log') continue;
      const { action, metadata } = JSON.parse(message.data);
      if (action.startsWith('alert_')) audits.push({ action, metadata });
    }
  });
  logwire.alerts.add({ name: 'errors', when: { count: { level: 'ERROR' }, window: '5m', above: 2 } });
  const authenticate = (request) => {
    const token = bearerToken(request);
    if (token === 'ops') return { user: 'ops' };
    if (token === 'viewer') return { user: 'bob', audit: false };
    return false;
  };
  const { address } = await logwire.listen(0, '127.0.0.1', { allowedOrigins: '*', authenticate });
  return { logwire, audits, url: `ws://127.0.0.1:${address.port}/ws/logs`, close: () => logwire.close() };
}

export function logServerPlugin() {
  const servers = new Map();
  let next = 1;
  return {
    name: 'logwire-server',
    async executeCommand({ command, payload }) {
      if (command === 'logwire:start') {
        const logwire = createLogwire({ callsite: true, console: false, ...(payload?.options ?? {}) });
        // The test page is served from another port (another origin): the explicit '*' opt-in admits it.
        const { address } = await logwire.listen(0, '127.0.0.1', { allowedOrigins: '*', ...(payload?.endpoint ?? {}) });
        const id = next++;
        servers.set(id, logwire);
        return { id, url: `ws://127.0.0.1:${address.port}/ws/logs` };
      }
      if (command === 'logwire:history-start') {
        const started = await startWithHistory(payload);
        const id = next++;
        servers.set(id, started);
        return { id, url: `ws://127.0.0.1:${started.port}/ws/logs`, history: `http://127.0.0.1:${started.port}/logs` };
      }
      if (command === 'logwire:alerts-start') {
        const started = await startWithAlerts();
        const id = next++;
        servers.set(id, started);
        return { id, url: started.url };
      }
      if (command === 'logwire:alerts-evaluate') {
        const { logwire } = servers.get(payload.id);
        logwire.hub.flush();
        logwire.alerts.evaluate();
        return logwire.alerts.list().map((alert) => alert.status);
      }
      if (command === 'logwire:alerts-audits') {
        const { logwire, audits } = servers.get(payload.id);
        logwire.hub.flush();
        return audits;
      }
      if (command === 'logwire:commit') {
        const started = servers.get(payload.id);
        if (!started?.logwire?.persistence) throw new Error(`no logwire server with persistence ${payload.id}`);
        await started.logwire.persistence.commit();
        return true;
      }
      if (command === 'logwire:history-requests') {
        return servers.get(payload.id)?.requests ?? [];
      }
      if (command === 'logwire:log') {
        const held = servers.get(payload.id);
        const logwire = held?.logwire ?? held;
        if (!logwire) throw new Error(`no logwire server ${payload.id}`);
        for (const entry of payload.entries) {
          if (entry.audit)
            logwire.getLogger(entry.logger).audit(entry.action, entry.metadata, { message: entry.message, level: entry.level });
          else logwire.getLogger(entry.logger).log(entry.level ?? 'INFO', entry.message, entry.fields);
        }
        return true;
      }
      if (command === 'logwire:burst') {
        const held = servers.get(payload.id);
        const logwire = held?.logwire ?? held;
        if (!logwire) throw new Error(`no logwire server ${payload.id}`);
        const logger = logwire.getLogger(payload.logger ?? 'burst');
        const levels = payload.levels ?? ['INFO'];
        for (let i = 0; i < payload.count; i++) logger.log(levels[i % levels.length], `${payload.prefix ?? 'burst'} ${i}`, { i });
        return true;
      }
      if (command === 'logwire:audit-burst') {
        const logwire = servers.get(payload.id)?.logwire;
        if (!logwire) throw new Error(`no logwire server with history ${payload.id}`);
        const logger = logwire.getLogger(payload.logger ?? 'security');
        const from = payload.from ?? 0;
        for (let i = from; i < from + payload.count; i++) logger.audit('transfer', { i, amount: 100 + i }, { message: `transfer ${i}` });
        return true;
      }
      if (command === 'logwire:proxy-start') {
        const proxy = await startTamperProxy(payload.target, payload.replace ?? []);
        const id = next++;
        servers.set(id, proxy);
        return { id, url: proxy.url };
      }
      if (command === 'logwire:proxy-drop') {
        servers.get(payload.id)?.drop();
        return true;
      }
      if (command === 'logwire:raw-start') {
        const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
        await new Promise((resolve) => wss.once('listening', resolve));
        wss.on('connection', (socket) => {
          for (const frame of payload.frames) socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
        });
        const id = next++;
        servers.set(id, {
          close: () =>
            new Promise((resolve) => {
              for (const client of wss.clients) client.terminate();
              wss.close(() => resolve());
            }),
        });
        return { id, url: `ws://127.0.0.1:${wss.address().port}/ws/logs` };
      }
      if (command === 'logwire:stop') {
        await servers.get(payload.id)?.close();
        servers.delete(payload.id);
        return true;
      }
      return undefined;
    },
    async serverStop() {
      await Promise.all([...servers.values()].map((logwire) => logwire.close()));
    },
  };
}
