import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { connect, type Frame, type RawClient } from './stream-helpers.js';

let logwire: Logwire | undefined;
const clients: RawClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await logwire?.close();
  logwire = undefined;
});

async function start(): Promise<{ lw: Logwire; url: string }> {
  const lw = createLogwire({ callsite: false, categories: { auth: 'auth', http: 'http' } });
  logwire = lw;
  const { address } = await lw.listen(0, '127.0.0.1');
  return { lw, url: `ws://127.0.0.1:${address.port}/ws/logs` };
}

async function open(url: string, hello: Record<string, unknown>): Promise<RawClient> {
  const client = await connect(url, hello);
  clients.push(client);
  return client;
}

const batches = (client: RawClient): Frame[] => client.frames.filter((frame) => frame.type === 'batch');

/** Logs in one turn; resolves with the ids the hub gave. */
function logTurn(lw: Logwire, log: () => void): string[] {
  const ids: string[] = [];
  const off = lw.hub.on((batch) => ids.push(...batch.map((m) => m.id)));
  log();
  lw.hub.flush();
  off();
  return ids;
}

describe('field and category filters on the stream', () => {
  it('sends only matching messages, and the batch range still covers the filtered ones', async () => {
    const { lw, url } = await start();
    const filter = { categories: ['http'], fields: [{ path: 'status_code', op: '>=', values: ['500'] }] };
    const client = await open(url, { filter });
    await client.until(() => batches(client).length === 1);
    expect(client.frames.find((frame) => frame.type === 'welcome')?.data['filter']).toEqual({
      types: ['system_log', 'audit_log'],
      level: 'TRACE',
      loggers: [],
      text: '',
      ...filter,
    });
    const ids = logTurn(lw, () => {
      lw.getLogger('http.access').info('ok', { status_code: 200 });
      lw.getLogger('http.access').error('failed', { status_code: 503 });
      lw.getLogger('auth.login').error('also 503 but not http', { status_code: 503 });
      lw.getLogger('http.access').info('no status');
    });
    await client.until(() => batches(client).length === 2);
    const batch = batches(client)[1]!;
    expect(batch.data.messages.map((message) => message.data['message'])).toEqual(['failed']);
    expect(batch.data.to).toBe(ids[3]);
  });

  it('changes to a field filter by subscribe, and refuses an unsafe path with an error frame', async () => {
    const { lw, url } = await start();
    const client = await open(url, {});
    await client.until(() => batches(client).length === 1);
    client.send({ type: 'subscribe', data: { filter: { fields: [{ path: 'constructor.prototype', op: 'exists' }] } } });
    await client.until(() => client.frames.some((frame) => frame.type === 'error'));
    expect(client.frames.find((frame) => frame.type === 'error')?.data.message).toBe(
      'filter.fields[0]: field path "constructor.prototype" names "constructor", which is not allowed',
    );
    client.send({ type: 'subscribe', data: { filter: { fields: [{ path: 'user_id', op: '=', values: ['42'] }] } } });
    await client.until(() => client.frames.some((frame) => frame.type === 'subscribed'));
    logTurn(lw, () => {
      lw.getLogger('app').info('someone else', { user_id: 7 });
      lw.getLogger('app').info('the user', { user_id: 42 });
      lw.audit('user.login', { user_id: 42 });
    });
    await client.until(() => client.messages().length === 2);
    expect(client.messages().map((message) => message.data['message'])).toEqual(['the user', 'user.login']);
  });
});
