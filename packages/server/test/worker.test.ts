import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogwire, type Logwire } from '../src/index.js';
import { until } from '../../../test/helpers/wait.js';
import { capture } from './logger-capture.js';
import { bundleForWorker } from './worker-bundle.js';

let dir: string;
let script: string;
let logwire: Logwire | undefined;

// Workers run plain JavaScript: bundle the fixture with the library's TypeScript sources.
beforeAll(async () => {
  ({ dir, file: script } = await bundleForWorker('packages/server/test/fixtures/worker-entry.ts', 'worker'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

afterEach(async () => {
  await logwire?.close();
  logwire = undefined;
});

function runWorker(workerData: Record<string, unknown>): Promise<{ line: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData, env: process.env, execArgv: [] });
    let reply: { line: number } | undefined;
    worker.once('message', (message: { line: number }) => (reply = message));
    worker.once('error', reject);
    worker.once('exit', (code) => (code === 0 && reply ? resolve(reply) : reject(new Error(`worker exited with ${code}`))));
  });
}

describe('logs from worker_threads', () => {
  it("reach the main thread's stream in order, redacted, with the worker's call site", async () => {
    logwire = createLogwire();
    const out = capture(logwire);
    await runWorker({ jobs: 300 });
    await until(
      () => out.frames.length >= 302,
      () => `302 frames (have ${out.frames.length})`,
    );
    const frames = out.frames;
    expect(frames).toHaveLength(302);
    expect(frames.slice(0, 300).map((f) => f.data['message'])).toEqual(Array.from({ length: 300 }, (_, i) => `job ${i} done`));
    expect(frames[0]!.data).toMatchObject({ logger: 'worker.jobs', level: 'INFO', job: 0, password: '[REDACTED]' });
    // No source maps in the worker: the structured call site must equal the raw stack position.
    expect(frames[300]!.data).toMatchObject({ message: 'last job', level: 'WARNING', module: 'worker', function: 'runJobs' });
    expect(frames[300]!.data['line']).toBe(frames[300]!.data['probe_line']);
    expect(frames[300]!.data['line']).toBeGreaterThan(0);
    expect(frames[301]!.type).toBe('audit_log');
    expect(frames[301]!.data).toMatchObject({ logger: 'audit', action: 'job_batch_done', metadata: { jobs: 300 } });
    const ids = frames.map((f) => f.id);
    expect(new Set(ids).size).toBe(302);
  });

  it('an explicit instance can forward on a named channel, heard only by the instance listening there', async () => {
    logwire = createLogwire({ workers: 'logwire:test-channel' });
    const defaultListener = createLogwire({ workers: 'logwire:records' });
    const out = capture(logwire);
    const other = capture(defaultListener);
    await runWorker({ jobs: 1, channel: 'logwire:test-channel' });
    await until(
      () => out.frames.length >= 1,
      () => `1 frame (have ${out.frames.length})`,
    );
    await until(
      () => other.frames.length >= 3,
      () => `3 frames (have ${other.frames.length})`,
    );
    expect(out.frames.map((f) => [f.data['logger'], f.data['message']])).toEqual([['worker.own', 'on my channel']]);
    expect(other.frames.map((f) => f.data['logger'])).toEqual(['worker.jobs', 'worker.jobs', 'audit']);
    await defaultListener.close();
  });

  it('is not received when the main instance opts out with workers: false', async () => {
    logwire = createLogwire({ workers: false });
    const witness = createLogwire();
    const out = capture(logwire);
    const seen = capture(witness);
    await runWorker({ jobs: 2 });
    await until(
      () => seen.frames.length >= 4,
      () => `4 frames (have ${seen.frames.length})`,
    );
    logwire.hub.flush();
    expect(out.frames).toHaveLength(0);
    await witness.close();
  });
});
