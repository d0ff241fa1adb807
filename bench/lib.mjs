// Shared helpers for the benchmarks: run a variant in a fresh child process, collect its JSON
// result, and summarise repeated rounds as median and min–max. Every figure a benchmark prints is
// either measured in this run or a ratio against a peer measured in this same run.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';

/** Runs `node <script> ...args` and resolves with the JSON object it prints on its last line. */
export function runChild(script, args = [], { timeoutMs = 300_000, env = {} } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const last = out.trim().split('\n').pop();
      try {
        if (code !== 0) throw new Error(`exit ${code}`);
        resolve(JSON.parse(last));
      } catch (error) {
        reject(new Error(`${script} ${args.join(' ')} failed (${error.message}): ${out.slice(-500)}`));
      }
    });
  });
}

/** Median of the finite values (a partial run's NaN is left out); NaN when there are none. */
export function median(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `{ median, min, max }` of the finite values of a list (NaN for each when there are none). */
export function summary(values) {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return { median: NaN, min: NaN, max: NaN };
  return { median: median(finite), min: Math.min(...finite), max: Math.max(...finite) };
}

export function fmt(value, digits = 0) {
  if (value === undefined || Number.isNaN(value)) return '—';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function fmtRange({ min, max }, digits = 0) {
  return `${fmt(min, digits)}–${fmt(max, digits)}`;
}

/** Machine facts for the report header. */
export function machine() {
  const cpu = cpus();
  return {
    cpu: `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown'}`,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** A markdown table from a header row and rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * Reads a child's stdout line by line: each call of the returned function resolves with the next
 * line, or with `undefined` once the child's output has ended (it exited or crashed), so a reader
 * never waits for a line that cannot come.
 */
export function lines(child) {
  const reader = createInterface({ input: child.stdout });
  const queue = [];
  const waiters = [];
  let ended = false;
  reader.on('line', (line) => (waiters.length ? waiters.shift()(line) : queue.push(line)));
  reader.on('close', () => {
    ended = true;
    for (const wake of waiters.splice(0)) wake(undefined);
  });
  return () => new Promise((resolve) => (queue.length ? resolve(queue.shift()) : ended ? resolve(undefined) : waiters.push(resolve)));
}

/** Resolves with `promise`'s value, or with `fallback` once `ms` have passed (the timer never keeps the process alive). */
export function within(promise, ms, fallback = undefined) {
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/**
 * Stops child processes that are still running: SIGTERM (a benchmark server exits on it, so a
 * `--cpu-prof` profile gets written), then SIGKILL for any still there a few seconds later.
 */
export function killAll(...children) {
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    setTimeout(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }, 3000).unref();
  }
}

/**
 * Times a log call: `runChunk()` makes `chunk` calls; it runs in turns (setImmediate between
 * chunks, so per-turn flushes happen as in an app) for `warmup` calls, then for `count` measured
 * ones. Returns ns per call of synchronous time and of process CPU. With `cpuAfterSettle`, CPU is
 * read after a 50 ms pause, so it includes what the calls deferred to later turns (writes).
 */
export async function timeCalls({ warmup, count, chunk, runChunk, cpuAfterSettle = false }) {
  let spent = 0n;
  const loop = (calls) =>
    new Promise((resolve) => {
      let done = 0;
      const step = () => {
        const start = process.hrtime.bigint();
        runChunk();
        spent += process.hrtime.bigint() - start;
        done += chunk;
        if (done >= calls) resolve();
        else setImmediate(step);
      };
      step();
    });
  await loop(warmup);
  spent = 0n;
  const cpu0 = process.cpuUsage();
  await loop(count);
  let cpu = process.cpuUsage(cpu0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (cpuAfterSettle) cpu = process.cpuUsage(cpu0);
  return { syncNs: Number(spent) / count, cpuNs: ((cpu.user + cpu.system) * 1000) / count };
}
