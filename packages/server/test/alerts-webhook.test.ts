import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type AlertEvent, createLogwire, type LogwireError, webhook } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { closeServer, listen } from './request-helpers.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await closeServer(server);
});

interface Received {
  body: string;
  signature: string | undefined;
}

/** A real webhook receiver on port 0; `answer` decides each response (or leaves it hanging). */
async function receiver(answer: (count: number, res: ServerResponse) => void): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += String(chunk)));
    req.on('end', () => {
      received.push({ body, signature: req.headers['x-logwire-signature'] as string | undefined });
      answer(received.length, res);
    });
  });
  servers.push(server);
  return { url: `${await listen(server)}/hook`, received };
}

const EVENT: AlertEvent = { alert: 'errors', state: 'firing', value: 11, condition: 'more than 10', at: '2026-01-01T12:00:00.000Z' };

describe('webhook notifier', () => {
  it('POSTs the event as JSON with an HMAC-SHA256 signature of the exact body', async () => {
    const { url, received } = await receiver((_count, res) => res.end());
    const notify = webhook({ url, secret: 's3cret' });
    notify(EVENT);
    await until(() => received.length === 1, 'the webhook');
    const [{ body, signature }] = received as [Received];
    expect(JSON.parse(body)).toEqual(EVENT);
    expect(signature).toBe(`sha256=${createHmac('sha256', 's3cret').update(body).digest('hex')}`);
  });

  it('retries failures with backoff and delivers once the receiver recovers', async () => {
    const { url, received } = await receiver((count, res) => {
      res.statusCode = count < 3 ? 503 : 204;
      res.end();
    });
    const errors: LogwireError[] = [];
    const notify = webhook({ url, retries: 3, backoffMs: 5, onError: (error) => errors.push(error) });
    notify(EVENT);
    await until(() => received.length === 3 && notify.pending === 0, 'three attempts');
    expect(errors).toEqual([]);
  });

  it('reports a receiver that keeps failing through onError after the last retry', async () => {
    const { url, received } = await receiver((_count, res) => {
      res.statusCode = 500;
      res.end();
    });
    const errors: LogwireError[] = [];
    const notify = webhook({ url, retries: 2, backoffMs: 5, onError: (error) => errors.push(error) });
    notify(EVENT);
    await until(() => errors.length === 1, 'the failure report');
    expect(received).toHaveLength(3);
    expect(errors[0]).toMatchObject({ code: 'ERR_LOGWIRE_NOTIFY', message: expect.stringContaining('HTTP 500') });
  });

  it('a hanging receiver neither blocks logging nor grows the queue past maxPending', async () => {
    const hanging: ServerResponse[] = [];
    const { url, received } = await receiver((_count, res) => void hanging.push(res));
    const errors: LogwireError[] = [];
    const notify = webhook({ url, retries: 0, timeoutMs: 1000, maxPending: 5, onError: (error) => errors.push(error) });
    const lw = createLogwire({ console: false, workers: false });
    const delivered: number[] = [];
    lw.hub.on((batch) => void delivered.push(batch.length));
    lw.alerts.add({ name: 'every-error', when: { count: { level: 'ERROR' }, window: '1m', above: 0 }, notify });
    for (let i = 0; i < 50; i++) notify({ ...EVENT, value: i });
    // Logging goes on while the webhook hangs.
    for (let i = 0; i < 1000; i++) lw.getLogger('app').info(`still logging ${i}`);
    lw.hub.flush();
    expect(delivered.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(notify.pending).toBeLessThanOrEqual(6);
    expect(errors.filter((error) => error.message.includes('dropped the oldest'))).toHaveLength(44);
    await until(() => received.length >= 1, 'the first request to reach the receiver');
    await until(() => errors.some((error) => error.message.includes('failed after 1 attempts')), 'the timeout report');
    for (const res of hanging) res.destroy();
    await lw.close();
  });

  it('refuses a URL that is not http(s)', () => {
    expect(() => webhook({ url: 'file:///etc/passwd' })).toThrow(expect.objectContaining({ code: 'ERR_LOGWIRE_INVALID_OPTION' }));
  });
});
