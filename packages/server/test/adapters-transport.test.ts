import { once } from 'node:events';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { capture } from './logger-capture.js';
import { bundleForWorker } from './worker-bundle.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
let dir: string;
let target: string;
let logwire: Logwire | undefined;

// pino loads a transport target in a worker thread, which runs plain JavaScript: bundle the
// transport module from the library's TypeScript sources (the published package ships it built).
beforeAll(async () => {
  ({ dir, file: target } = await bundleForWorker('packages/server/src/adapters/pino-transport.ts', 'pino-transport'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

describe("pino transport (runs in pino's worker thread)", () => {
  it("delivers pino records, mapped and redacted in the transport thread, to the main thread's stream", async () => {
    logwire = createLogwire({ workers: 'logwire:pino-transport-test' });
    const out = capture(logwire);
    const transport = pino.transport({ target, options: { channel: 'logwire:pino-transport-test', name: 'api' } });
    const log = pino({ level: 'debug' }, transport);
    log.debug({ password: 'hunter2', route: '/login' }, 'login attempt');
    log.child({ name: 'api.db' }).error(new Error('pool exhausted'), 'query failed');
    log.info({ audit: true, action: 'user.login', user_id: 'u1' }, 'user logged in');
    // Ending the transport flushes pino's buffer and lets the transport thread forward the rest.
    const closed = once(transport, 'close');
    transport.end();
    await closed;
    await until(
      () => out.frames.length >= 3,
      () => `3 frames (have ${out.frames.length})`,
    );
    const [a, b, c] = out.frames;
    expect(a!.data).toMatchObject({ level: 'DEBUG', logger: 'api', message: 'login attempt', password: '[REDACTED]', route: '/login' });
    expect(b!.data).toMatchObject({ level: 'ERROR', logger: 'api.db', message: 'query failed', error: { message: 'pool exhausted' } });
    expect(c!.type).toBe('audit_log');
    expect(c!.data).toMatchObject({ logger: 'api', action: 'user.login', metadata: { user_id: 'u1' } });
  });

  it("the built package exports PINO_TRANSPORT_TARGET, a module pino's worker can load (npm run build first)", async () => {
    const built = join(root, 'packages/server/dist/index.js');
    expect(existsSync(built), 'packages/server/dist is missing: run `npm run build`').toBe(true);
    const { PINO_TRANSPORT_TARGET } = (await import(pathToFileURL(built).href)) as { PINO_TRANSPORT_TARGET: string };
    expect(PINO_TRANSPORT_TARGET).toBe(pathToFileURL(join(root, 'packages/server/dist/adapters/pino-transport.js')).href);
    logwire = createLogwire({ workers: 'logwire:pino-transport-built' });
    const out = capture(logwire);
    const transport = pino.transport({
      target: PINO_TRANSPORT_TARGET,
      options: { channel: 'logwire:pino-transport-built', name: 'built' },
    });
    pino(transport).warn({ token: 'abc' }, 'from the built transport');
    const closed = once(transport, 'close');
    transport.end();
    await closed;
    await until(
      () => out.frames.length >= 1,
      () => `1 frame (have ${out.frames.length})`,
    );
    expect(out.frames[0]!.data).toMatchObject({
      level: 'WARNING',
      logger: 'built',
      message: 'from the built transport',
      token: '[REDACTED]',
    });
  });
});
