import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Authenticate, createLogwire, type Logwire } from '../src/index.js';
import { sameUser } from '../src/alerts/alerts.js';
import { closeServer, listen } from './request-helpers.js';
import { connect, type RawClient } from './stream-helpers.js';

let logwire: Logwire | undefined;
let server: Server | undefined;
const clients: RawClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  if (server !== undefined) await closeServer(server);
  await logwire?.close();
  server = undefined;
  logwire = undefined;
});

// ops may act on alerts (the `alerts` permission follows `audit` when left out); a viewer may not.
const authenticate: Authenticate = (req: IncomingMessage) => {
  if (req.headers.authorization === 'Bearer ops') return { user: 'ops' };
  if (req.headers.authorization === 'Bearer viewer') return { user: 'bob', audit: false };
  if (req.headers.authorization === 'Bearer auditor') return { user: 'eve', alerts: false };
  return false;
};

async function start(): Promise<{ lw: Logwire; url: string; audits: () => { action: string; metadata: Record<string, unknown> }[] }> {
  const lw = createLogwire({ console: false, workers: false, callsite: false });
  logwire = lw;
  const audits: { action: string; metadata: Record<string, unknown> }[] = [];
  lw.hub.on((batch) => {
    for (const message of batch) {
      if (message.type === 'audit_log') audits.push(JSON.parse(message.data) as { action: string; metadata: Record<string, unknown> });
    }
  });
  server = createServer();
  const base = await listen(server);
  lw.attach(server, { authenticate });
  lw.alerts.add({ name: 'errors', when: { count: { level: 'ERROR' }, window: '5m', above: 1 } });
  for (let i = 0; i < 3; i++) lw.getLogger('app').error('boom');
  lw.hub.flush();
  lw.alerts.evaluate();
  return { lw, url: `${base.replace('http', 'ws')}/ws/logs`, audits: () => audits.map(({ action, metadata }) => ({ action, metadata })) };
}

async function client(url: string, token: string): Promise<RawClient> {
  const opened = await connect(url, {}, { headers: { authorization: `Bearer ${token}` } });
  clients.push(opened);
  await opened.until((frames) => frames.some((frame) => frame.type === 'welcome'));
  return opened;
}

describe('alerts on the stream', () => {
  it('replays the alerts in welcome, so a reconnecting viewer sees them', async () => {
    const { url } = await start();
    const viewer = await client(url, 'viewer');
    const welcome = viewer.frames.find((frame) => frame.type === 'welcome')!;
    expect(welcome.data['alerts']).toEqual([expect.objectContaining({ name: 'errors', status: 'firing', value: 3 })]);
  });

  it('says in welcome whether the connection may act on alerts, by the same check as the alert message', async () => {
    const { url } = await start();
    const may = async (token: string) => (await client(url, token)).frames.find((frame) => frame.type === 'welcome')!.data['alertActions'];
    expect(await may('ops')).toBe(true);
    expect(await may('viewer')).toBe(false);
    expect(await may('auditor')).toBe(false);
  });

  it('records an acknowledgement with the identity authenticate gave, and streams the new state', async () => {
    const { url, audits } = await start();
    const ops = await client(url, 'ops');
    ops.send({ type: 'alert', data: { name: 'errors', action: 'ack' } });
    const [frame] = (await ops.until((frames) => frames.some((f) => f.type === 'alert'))).filter((f) => f.type === 'alert');
    expect(frame!.data).toMatchObject({ name: 'errors', status: 'firing', acknowledgedBy: 'ops' });
    expect(audits()).toContainEqual({ action: 'alert_ack', metadata: { alert: 'errors', user: 'ops', status: 'firing' } });
    ops.send({ type: 'alert', data: { name: 'errors', action: 'silence', durationMs: 600_000 } });
    await ops.until((frames) => frames.filter((f) => f.type === 'alert').length === 2);
    expect(audits()).toContainEqual({ action: 'alert_silence', metadata: expect.objectContaining({ alert: 'errors', user: 'ops' }) });
    // A new connection is told who acknowledged.
    const again = await client(url, 'ops');
    const welcome = again.frames.find((f) => f.type === 'welcome')!;
    expect(welcome.data['alerts']).toEqual([expect.objectContaining({ acknowledgedBy: 'ops', silencedUntil: expect.any(String) })]);
  });

  it('takes an acknowledgement sent again (a tab that took over the stream retries it) once: one alert_ack, and every sender is answered', async () => {
    const { url, audits, lw } = await start();
    const first = await client(url, 'ops');
    const second = await client(url, 'ops');
    const alertFrames = (c: RawClient) => c.frames.filter((f) => f.type === 'alert');
    first.send({ type: 'alert', data: { name: 'errors', action: 'ack' } });
    await second.until((frames) => frames.some((f) => f.type === 'alert'));
    // The same command again, on another connection and on the first one: each is answered with
    // the alert as it stands (the client matches its command to that answer), nothing is recorded.
    second.send({ type: 'alert', data: { name: 'errors', action: 'ack' } });
    await second.until((frames) => frames.filter((f) => f.type === 'alert').length === 2);
    first.send({ type: 'alert', data: { name: 'errors', action: 'ack' } });
    await first.until((frames) => frames.filter((f) => f.type === 'alert').length === 2);
    for (const frame of [...alertFrames(first), ...alertFrames(second)]) {
      expect(frame.data).toMatchObject({ name: 'errors', status: 'firing', acknowledgedBy: 'ops' });
    }
    lw.hub.flush();
    expect(audits().filter((audit) => audit.action === 'alert_ack')).toHaveLength(1);
    expect(lw.alerts.list()[0]!.acknowledgedBy).toBe('ops');
    // The direct call is idempotent for the same user as well; another user's acknowledgement is
    // a fact of its own: recorded, and that user becomes acknowledgedBy.
    expect(lw.alerts.acknowledge('errors', 'ops')).toBe(true);
    lw.hub.flush();
    expect(audits().filter((audit) => audit.action === 'alert_ack')).toHaveLength(1);
    expect(lw.alerts.acknowledge('errors', 'someone else')).toBe(true);
    lw.hub.flush();
    expect(audits().filter((audit) => audit.action === 'alert_ack')).toHaveLength(2);
    expect(lw.alerts.list()[0]!.acknowledgedBy).toBe('someone else');
  });

  it('compares identities by value: an object user acknowledging again on a new connection is the same user', () => {
    expect(sameUser({ id: 'u1', role: 'ops' }, { id: 'u1', role: 'ops' })).toBe(true);
    expect(sameUser({ id: 'u1' }, { id: 'u2' })).toBe(false);
    expect(sameUser('ops', 'ops')).toBe(true);
    expect(sameUser(null, 'ops')).toBe(false);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(sameUser(circular, { self: {} })).toBe(false);
  });

  it('refuses a viewer without the alerts permission, and records nothing', async () => {
    const { url, audits, lw } = await start();
    for (const token of ['viewer', 'auditor']) {
      const viewer = await client(url, token);
      viewer.send({ type: 'alert', data: { name: 'errors', action: 'ack' } });
      const [error] = (await viewer.until((frames) => frames.some((f) => f.type === 'error'))).filter((f) => f.type === 'error');
      expect(error!.data).toMatchObject({ code: 'forbidden' });
    }
    lw.hub.flush();
    expect(audits().map((audit) => audit.action)).toEqual(['alert_fired']);
    expect(lw.alerts.list()[0]!.acknowledgedBy).toBeUndefined();
  });

  it('answers not_found for an unknown alert and bad_message for an invalid command', async () => {
    const { url } = await start();
    const ops = await client(url, 'ops');
    ops.send({ type: 'alert', data: { name: 'nope', action: 'ack' } });
    ops.send({ type: 'alert', data: { name: 'errors', action: 'silence', durationMs: -1 } });
    const errors = (await ops.until((frames) => frames.filter((f) => f.type === 'error').length === 2)).filter((f) => f.type === 'error');
    expect(errors.map((error) => error.data.code)).toEqual(['not_found', 'bad_message']);
  });
});
