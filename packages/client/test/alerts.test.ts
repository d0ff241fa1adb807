// The client's view of the server's alerts: replayed in `welcome`, updated by `alert` messages,
// acknowledged and silenced with `alertAction`, refusals as `error` events.
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { type Authenticate, bearerToken, createLogwire } from '@logwire/server';
import type { AlertInfo } from '@logwire/protocol';
import { LogStreamClient, type WebSocketConstructor } from '../src/node.js';
import { nextEvent, until } from '../../../test/helpers/wait.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const authenticate: Authenticate = (request) => {
  const token = bearerToken(request);
  if (token === 'ops') return { user: 'ops' };
  if (token === 'viewer') return { user: 'bob', audit: false };
  return false;
};

async function start() {
  const lw = createLogwire({ callsite: false, console: false, workers: false });
  const audits: { action: string; metadata: Record<string, unknown> }[] = [];
  lw.hub.on((batch) => {
    for (const message of batch) if (message.type === 'audit_log') audits.push(JSON.parse(message.data) as (typeof audits)[number]);
  });
  lw.alerts.add({ name: 'errors', when: { count: { level: 'ERROR' }, window: '5m', above: 1 } });
  const { address } = await lw.listen(0, '127.0.0.1', { authenticate });
  cleanups.push(() => lw.close());
  const fire = () => {
    for (let i = 0; i < 2; i++) lw.getLogger('app').error('boom');
    lw.hub.flush();
    lw.alerts.evaluate();
  };
  return { lw, audits, fire, url: `ws://127.0.0.1:${address.port}/ws/logs` };
}

function client(url: string, token: string) {
  const opened = new LogStreamClient(url, { token, reconnect: { baseDelay: 10, maxDelay: 50 } });
  cleanups.push(() => opened.close());
  const errors: string[] = [];
  opened.on('error', (error) => errors.push(error.message));
  return { client: opened, errors };
}

const status = (alerts: AlertInfo[]) => alerts.map((alert) => `${alert.name}:${alert.status}`);

describe('alerts on the client', () => {
  it('has the alerts from welcome, follows alert messages, and acknowledges as the authenticated user', async () => {
    const { url, fire, audits } = await start();
    const { client: ops } = client(url, 'ops');
    expect(ops.alertAction('errors', 'ack')).toBe(false);
    expect(status(await nextEvent<AlertInfo[]>(ops, 'alerts'))).toEqual(['errors:inactive']);
    const changed = nextEvent<AlertInfo[]>(ops, 'alerts');
    fire();
    expect(status(await changed)).toEqual(['errors:firing']);
    expect(status(ops.alerts)).toEqual(['errors:firing']);
    expect(ops.alertAction('errors', 'ack')).toBe(true);
    await until(() => ops.alerts[0]?.acknowledgedBy === 'ops', 'acknowledged');
    expect(audits).toContainEqual(expect.objectContaining({ action: 'alert_ack', metadata: expect.objectContaining({ user: 'ops' }) }));
    expect(ops.alertAction('errors', 'silence', 60_000)).toBe(true);
    await until(() => ops.alerts[0]?.silencedUntil !== undefined, 'silenced');
  });

  it('gets the state again after a reconnect (the welcome replays it, including changes made meanwhile)', async () => {
    const { url, fire, lw } = await start();
    fire();
    const sockets: WebSocket[] = [];
    class Tracked extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        sockets.push(this);
      }
    }
    const ops = new LogStreamClient(url, {
      token: 'ops',
      WebSocket: Tracked as unknown as WebSocketConstructor,
      // Retries a minute later at most (full jitter): the test reconnects itself.
      reconnect: { baseDelay: 60_000, maxDelay: 60_000 },
    });
    cleanups.push(() => ops.close());
    await until(() => ops.state === 'live', 'live');
    expect(status(ops.alerts)).toEqual(['errors:firing']);
    sockets[0]!.terminate();
    await until(() => ops.state === 'offline', 'dropped');
    // Changed while the client was away: only the next welcome can tell it.
    lw.alerts.acknowledge('errors', 'admin');
    const replayed = nextEvent<AlertInfo[]>(ops, 'alerts');
    ops.connect();
    expect(await replayed).toEqual([expect.objectContaining({ name: 'errors', status: 'firing', acknowledgedBy: 'admin' })]);
    expect(sockets).toHaveLength(2);
  });

  it('reports a refusal (forbidden) as an error event, and the alert stays unacknowledged', async () => {
    const { url, fire, audits } = await start();
    fire();
    const { client: viewer, errors } = client(url, 'viewer');
    await until(() => viewer.state === 'live', 'live');
    expect(viewer.alertAction('errors', 'ack')).toBe(true);
    await until(() => errors.some((error) => error.includes('forbidden')), 'refusal');
    expect(viewer.alerts[0]?.acknowledgedBy).toBeUndefined();
    expect(audits.map((audit) => audit.action)).not.toContain('alert_ack');
  });

  it('ignores a malformed alert message with an error event', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((resolve) => wss.once('listening', resolve));
    cleanups.push(() => new Promise((resolve) => wss.close(resolve)));
    wss.on('connection', (socket) => {
      socket.on('message', () => {
        const welcome = { v: 1, epoch: 'e', head: null, mode: 'live', ping: 60_000, audit: false, filter: {}, alerts: [] };
        socket.send(JSON.stringify({ type: 'welcome', data: welcome }));
        socket.send(JSON.stringify({ type: 'alert', data: { name: 'x', status: 'firing' } }));
        socket.send(JSON.stringify({ type: 'alert', data: { name: 'y', status: 'firing', condition: 'c', value: 2, since: null } }));
      });
    });
    const { port } = wss.address() as { port: number };
    const { client: opened, errors } = client(`ws://127.0.0.1:${port}`, 'ops');
    await until(() => opened.alerts.length === 1, 'the valid alert');
    expect(status(opened.alerts)).toEqual(['y:firing']);
    expect(errors.some((error) => error.includes('data must be an alert'))).toBe(true);
  });
});
