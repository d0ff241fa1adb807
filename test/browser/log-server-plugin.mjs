// A @web/test-runner plugin that lets browser tests drive real logwire servers in Node:
// `executeServerCommand('logwire:start')` starts one on port 0, `logwire:log` logs through it,
// `logwire:stop` closes it. `logwire:burst` logs N numbered lines in one go. `logwire:raw-start`
// starts a bare `ws` server that sends the given frames to every connection (to play protocol
// frames such as `gap` exactly). It imports the built server (npm test builds before the browser run).
import { WebSocketServer } from 'ws';
import { createLogwire } from '../../packages/server/dist/index.js';

export function logServerPlugin() {
  const servers = new Map();
  let next = 1;
  return {
    name: 'logwire-server',
    async executeCommand({ command, payload }) {
      if (command === 'logwire:start') {
        const logwire = createLogwire({ callsite: true, ...(payload?.options ?? {}) });
        const { address } = await logwire.listen(0, '127.0.0.1', payload?.endpoint);
        const id = next++;
        servers.set(id, logwire);
        return { id, url: `ws://127.0.0.1:${address.port}/ws/logs` };
      }
      if (command === 'logwire:log') {
        const logwire = servers.get(payload.id);
        if (!logwire) throw new Error(`no logwire server ${payload.id}`);
        for (const entry of payload.entries) {
          if (entry.audit) logwire.getLogger(entry.logger).audit(entry.action, entry.metadata, { message: entry.message, level: entry.level });
          else logwire.getLogger(entry.logger).log(entry.level ?? 'INFO', entry.message, entry.fields);
        }
        return true;
      }
      if (command === 'logwire:burst') {
        const logwire = servers.get(payload.id);
        if (!logwire) throw new Error(`no logwire server ${payload.id}`);
        const logger = logwire.getLogger(payload.logger ?? 'burst');
        const levels = payload.levels ?? ['INFO'];
        for (let i = 0; i < payload.count; i++) logger.log(levels[i % levels.length], `${payload.prefix ?? 'burst'} ${i}`, { i });
        return true;
      }
      if (command === 'logwire:raw-start') {
        const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
        await new Promise((resolve) => wss.once('listening', resolve));
        wss.on('connection', (socket) => {
          for (const frame of payload.frames) socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
        });
        const id = next++;
        servers.set(id, { close: () => new Promise((resolve) => { for (const client of wss.clients) client.terminate(); wss.close(() => resolve()); }) });
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
