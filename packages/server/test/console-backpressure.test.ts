import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire, LogwireError } from '../src/index.js';
import { nextEvent, turn, until } from '../../../test/helpers/wait.js';
import { collector } from './console-helpers.js';
import { bundleForWorker } from './worker-bundle.js';

let logwire: Logwire | undefined;

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

describe('console output on a slow stream', () => {
  it('never waits for the stream: the buffer stays bounded, drops are counted and reported once it drains', async () => {
    // A stream whose every write stays pending until release(): a stalled terminal or full pipe.
    const out = collector({ hold: true, highWaterMark: 1 });
    const errors: unknown[] = [];
    const max = 8 * 1024;
    logwire = createLogwire({ console: { stream: out.stream, maxBufferBytes: max }, callsite: false, onError: (e) => errors.push(e) });
    const log = logwire.getLogger('app');
    const console = logwire.console!;
    let logged = 0;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 200; i++) {
        log.info(`line ${logged++}`, { pad: 'x'.repeat(100) });
        expect(console.bufferedBytes).toBeLessThanOrEqual(max);
      }
      await turn();
    }
    // One write went out (the first turn's) and it has not finished: nothing more was written, not
    // even into the stream's own buffer.
    expect(out.chunks).toHaveLength(1);
    expect(out.stream.writableLength).toBe(out.chunks[0]!.length);
    expect(console.dropped).toBeGreaterThan(0);
    expect(console.bufferedBytes).toBeLessThanOrEqual(max);

    const drained = nextEvent(out.stream, 'drain', 5000);
    out.release();
    await drained;
    await until(() => console.bufferedBytes === 0, 'the buffer to be written');

    const lines = out.text().split('\n');
    expect(lines.pop()).toBe(''); // every write ended with a whole line
    for (const chunk of out.chunks) expect(chunk.endsWith('\n')).toBe(true);
    const records = lines.map((line) => JSON.parse(line) as { message: string; dropped?: number; logger: string });
    const reports = records.filter((record) => record.logger === 'logwire.console');
    const printed = records.filter((record) => record.logger === 'app');
    const reportedDrops = reports.reduce((sum, record) => sum + (record.dropped ?? 0), 0);
    expect(reportedDrops).toBe(console.dropped);
    expect(printed.length + console.dropped).toBe(logged);
    expect(reports.at(-1)!.message).toBe(`logwire: ${reports.at(-1)!.dropped} console lines dropped`);
    // Lines kept are whole and in order.
    const numbers = printed.map((record) => Number(record.message.slice(5)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(errors.length).toBe(reports.length);
    expect(errors[0]).toBeInstanceOf(LogwireError);
    expect((errors[0] as LogwireError).message).toMatch(/console lines dropped/);
  });

  it('writes once per turn, and the pretty drop report is one plain line', async () => {
    const out = collector({ hold: true, highWaterMark: 1 });
    logwire = createLogwire({ console: { stream: out.stream, format: 'pretty', colour: false, maxBufferBytes: 1024 }, onError: () => {} });
    const log = logwire.getLogger('app');
    for (let i = 0; i < 100; i++) log.info(`line ${i}`);
    await turn();
    log.info('next turn');
    await turn();
    expect(out.chunks).toHaveLength(1);
    expect(out.stream.writableLength).toBe(out.chunks[0]!.length);
    const drained = nextEvent(out.stream, 'drain', 5000);
    out.release();
    await drained;
    log.info('after');
    await until(() => out.text().includes('after'), 'the line logged after the drain');
    expect(out.text()).toContain(`logwire: ${logwire.console!.dropped} console lines dropped\n`);
  });

  it('stops (and says so once) when the stream fails', async () => {
    const out = collector();
    const errors: unknown[] = [];
    logwire = createLogwire({ console: out.stream, onError: (e) => errors.push(e) });
    out.stream.destroy(new Error('EPIPE'));
    await nextEvent(out.stream, 'close', 5000);
    logwire.getLogger('app').info('into the void');
    logwire.console!.flush();
    logwire.getLogger('app').info('again');
    await turn();
    expect(errors.filter((e) => e instanceof LogwireError && e.message.includes('console output stopped'))).toHaveLength(1);
  });
});

describe('console output of worker threads', () => {
  let dir: string;
  let script: string;

  beforeAll(async () => {
    ({ dir, file: script } = await bundleForWorker('packages/server/test/fixtures/worker-entry.ts', 'console-worker'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("prints the workers' records whole, in the main thread, never split across writes", async () => {
    const out = collector({ highWaterMark: 256 });
    logwire = createLogwire({ console: { stream: out.stream, format: 'json' } });
    const main = logwire.getLogger('main');
    const workers = [0, 1, 2].map(
      () =>
        new Worker(script, {
          workerData: { jobs: 300 },
          // The worker's own instance forwards to this one; it must not print anything itself.
          env: { ...process.env, LOGWIRE_CONSOLE: 'json' },
          execArgv: [],
        }),
    );
    const replies = workers.map((worker) => nextEvent(worker, 'message', 15_000));
    const exits = workers.map((worker) => nextEvent(worker, 'exit', 15_000));
    for (let i = 0; i < 300; i++) main.info(`main ${i}`);
    await Promise.all(exits);
    await until(
      () => out.text().split('\n').length - 1 >= 3 * 302 + 300,
      () => `${3 * 302 + 300} lines (have ${out.text().split('\n').length - 1})`,
    );
    for (const chunk of out.chunks) expect(chunk.endsWith('\n')).toBe(true);
    const records = out
      .text()
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as { logger: string; type?: string });
    expect(records.filter((record) => record.logger === 'worker.jobs')).toHaveLength(3 * 301);
    expect(records.filter((record) => record.type === 'audit_log')).toHaveLength(3);
    expect(records.filter((record) => record.logger === 'main')).toHaveLength(300);
    for (const reply of await Promise.all(replies)) expect(reply).toMatchObject({ printsItself: false });
  });
});
