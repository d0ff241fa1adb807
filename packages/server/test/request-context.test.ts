import { EventEmitter } from 'node:events';
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { withoutContext } from '../src/context/request-context.js';
import { closeServer, listen, recordsOf, send } from './request-helpers.js';

let logwire: Logwire | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

function setup(): { lw: Logwire; records: ReturnType<typeof recordsOf> } {
  const lw = createLogwire({ callsite: false, workers: false });
  logwire = lw;
  return { lw, records: recordsOf(lw) };
}

describe('logwire.context', () => {
  it('adds its fields to system records (top level) and audit records (metadata); explicit fields win', async () => {
    const { lw, records } = setup();
    const log = lw.getLogger('app');
    expect(lw.context.get()).toBeUndefined();
    log.info('outside');
    lw.context.run({ request_id: 'r1', user_id: 'u1' }, () => {
      expect(lw.context.get()).toEqual({ request_id: 'r1', user_id: 'u1' });
      log.info('inside', { user_id: 'explicit' });
      lw.audit('user.login', { ip: '10.0.0.1' });
      lw.audit('user.impersonate', { user_id: 'target' });
      lw.context.run({ trace_id: 't1' }, () => log.info('nested'));
    });
    const system = await records.wait(3, 'app');
    expect(system[0]).not.toHaveProperty('request_id');
    expect(system[1]).toMatchObject({ request_id: 'r1', user_id: 'explicit' });
    expect(system[2]).toMatchObject({ request_id: 'r1', user_id: 'u1', trace_id: 't1' });
    const audit = await records.wait(2, 'audit');
    expect(audit[0]!['metadata']).toEqual({ request_id: 'r1', user_id: 'u1', ip: '10.0.0.1' });
    expect(audit[1]!['metadata']).toEqual({ request_id: 'r1', user_id: 'target' });
    expect(audit[0]).not.toHaveProperty('request_id');
  });

  it('survives await, timers and event emitters', async () => {
    const { lw } = setup();
    const emitter = new EventEmitter();
    const seen: unknown[] = [];
    emitter.on('tick', () => seen.push(lw.context.get()?.['request_id']));
    await lw.context.run({ request_id: 'r2' }, async () => {
      await Promise.resolve();
      seen.push(lw.context.get()?.['request_id']);
      await new Promise<void>((resolve) =>
        setTimeout(() => {
          seen.push(lw.context.get()?.['request_id']);
          setImmediate(() => {
            emitter.emit('tick');
            resolve();
          });
        }, 1),
      );
    });
    expect(seen).toEqual(['r2', 'r2', 'r2']);
    expect(lw.context.get()).toBeUndefined();
  });

  it("gives a request's context to callbacks started in its handler and restores the outer one, even when the handler throws", async () => {
    const { lw } = setup();
    const requests = lw.http();
    const seen: unknown[] = [];
    let later!: Promise<void>;
    const req = new EventEmitter() as unknown as IncomingMessage;
    Object.assign(req, { headers: { 'x-request-id': 'inner-1' }, url: '/', method: 'GET' });
    const res = Object.assign(new EventEmitter(), { headersSent: false, setHeader: () => res }) as unknown as ServerResponse;
    lw.context.run({ tenant: 'outer' }, () => {
      expect(() =>
        requests(req, res, () => {
          later = new Promise<void>((resolve) =>
            setImmediate(() => {
              seen.push(lw.context.get());
              resolve();
            }),
          );
          throw new Error('handler failed');
        }),
      ).toThrow('handler failed');
      seen.push(lw.context.get());
    });
    await later;
    expect(seen).toEqual([{ tenant: 'outer' }, { tenant: 'outer', request_id: 'inner-1' }]);
    expect(lw.context.get()).toBeUndefined();
  });

  it('enters a request context inside code run outside of one (withoutContext, as the end-of-turn flushes run)', async () => {
    const { lw } = setup();
    const requests = lw.http();
    const req = Object.assign(new EventEmitter(), { headers: { 'x-request-id': 'in-flush' }, url: '/', method: 'GET' });
    const res = Object.assign(new EventEmitter(), { headersSent: false, setHeader: () => res });
    const seen: unknown[] = [];
    let later!: Promise<void>;
    lw.context.run({ tenant: 'outer' }, () =>
      withoutContext(() => {
        seen.push(lw.context.get());
        requests(req as unknown as IncomingMessage, res as unknown as ServerResponse, () => {
          seen.push(lw.context.get());
          later = new Promise<void>((resolve) => setImmediate(() => resolve(void seen.push(lw.context.get()))));
        });
        seen.push(lw.context.get());
      }),
    );
    await later;
    expect(seen).toEqual([undefined, { request_id: 'in-flush' }, undefined, { request_id: 'in-flush' }]);
  });

  it('never mixes the ids of 1,000 interleaved concurrent requests (Express, JSON bodies, keep-alive)', async () => {
    const { lw, records } = setup();
    const app = express();
    app.use(lw.http({ user: (req) => (req.headers['x-user'] as string | undefined) ?? null }));
    app.use(express.json());
    const log = lw.getLogger('app');
    app.post('/work', async (req, res) => {
      const { n } = req.body as { n: number };
      for (let step = 0; step < 3; step++) {
        const pause = Math.floor(Math.random() * 3);
        if (pause === 0) await Promise.resolve();
        else if (pause === 1) await new Promise((resolve) => setImmediate(resolve));
        else await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
        log.info('step', { n, step });
      }
      lw.audit('work.done', { n });
      res.json({ n });
    });
    const server = createServer(app);
    const base = await listen(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 50 });
    try {
      const count = 1000;
      const answers = await Promise.all(
        Array.from({ length: count }, (_, n) =>
          send(`${base}/work`, {
            method: 'POST',
            agent,
            headers: { 'content-type': 'application/json', 'x-request-id': `req-${n}`, 'x-user': `user-${n}` },
            body: JSON.stringify({ n }),
          }),
        ),
      );
      expect(answers.every((answer, n) => answer.headers['x-request-id'] === `req-${n}`)).toBe(true);
      const steps = await records.wait(count * 3, 'app');
      const mixed = steps.filter((r) => r['request_id'] !== `req-${String(r['n'])}` || r['user_id'] !== `user-${String(r['n'])}`);
      expect(mixed).toEqual([]);
      const audits = await records.wait(count, 'audit');
      const auditMixed = audits.filter((r) => {
        const metadata = r['metadata'] as Record<string, unknown>;
        return metadata['request_id'] !== `req-${String(metadata['n'])}`;
      });
      expect(auditMixed).toEqual([]);
      const http = await records.wait(count);
      expect(new Set(http.map((r) => r['request_id'])).size).toBe(count);
    } finally {
      agent.destroy();
      await closeServer(server);
    }
  });
});
