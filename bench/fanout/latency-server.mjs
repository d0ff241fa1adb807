// Latency benchmark server: makes `rate` log calls per second for `seconds`, each carrying the
// wall-clock time of the call (`ts`, ms with fractions), then an end marker. Prints its port, waits
// for "go" on stdin, prints `{made, cpuMs, loopDelayP99Ms, …}` after the end marker, and stays up
// (clients may still be reading) until the orchestrator kills it or `LIFETIME_MS` passes.
// The measured calls follow `warmup` seconds of the same calls at the same rate whose `ts` is
// negative (clients do not count them): both servers reach the measured part with their code
// compiled and their clients' sockets busy, so a run measures steady latency, not start-up.
//   node latency-server.mjs <mode> <rate> <seconds> [warmup seconds = 0]
// mode: logwire (log calls → hub → endpoint), ws-tick (bare ws: records queued and flushed once
// per event-loop turn as one batch frame of the same shape — the anchor).
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { END } from './records.mjs';

const [mode, rateText, secondsText, warmupText = '0'] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const warmup = Number(warmupText);
const http = createServer();
// Exit normally when the orchestrator is done, so a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
const now = () => performance.timeOrigin + performance.now();
const LIFETIME_MS = seconds * 1000 + 300_000;
// Diagnostics (bench/latency-diagnose.mjs), off unless asked for: with LATENCY_TRACE=<file> the
// measured part's flushes (start and end of the sends, and for logwire the end of the bookkeeping
// after them), pacer ticks and GC events go there as [time, kind, value] rows; LATENCY_PHASES=1
// prints `PHASE …` lines (run start, every 500 ms, end) among V8's --trace-opt output;
// LATENCY_LOGWIRE_OPTIONS is JSON merged into logwire's options.
const TRACE = process.env.LATENCY_TRACE;
const PHASES = process.env.LATENCY_PHASES === '1';
const trace = [];
let tracing = false;
const mark = (kind, value = 0) => {
  if (tracing) trace.push([now(), kind, value]);
};
if (TRACE) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) if (tracing) trace.push([performance.timeOrigin + entry.startTime, 'gc', entry.duration]);
  }).observe({ entryTypes: ['gc'] });
}
let emit;
let finish;
let stats = () => ({});

if (mode === 'ws-tick') {
  const { wsTick } = await import('./ws-tick.mjs');
  const anchor = wsTick(http, now, TRACE ? { onSend: (records) => mark('send', records), onSent: () => mark('sent') } : {});
  emit = anchor.emit;
  finish = () => {
    for (const ws of anchor.clients) ws.send(JSON.stringify({ message: END }));
  };
} else {
  const { createLogwire } = await import('../../packages/server/dist/index.js');
  // The history holds the whole run, so a client that falls behind is caught up from it rather
  // than told of a gap: the anchor buffers without limit, and only records both deliver compare.
  const total = rate * (seconds + warmup) + 1000;
  const extra = JSON.parse(process.env.LATENCY_LOGWIRE_OPTIONS ?? '{}');
  const logwire = createLogwire({ callsite: false, console: false, historySize: total, historyBytes: total * 512, ...extra });
  if (TRACE) logwire.hub.on((batch) => mark('send', batch.length));
  const endpoint = logwire.attach(http, { maxConnections: 10_000, maxConnectionsPerAddress: 10_000 });
  if (TRACE) {
    logwire.hub.on(() => mark('sent'));
    logwire.hub.afterDelivery(() => mark('counted'));
  }
  // How often clients left the live path (paced catch-up), sampled every 5 ms.
  let catchingUpMax = 0;
  let catchingUpSamples = 0;
  const sampler = setInterval(() => {
    const { catchingUp } = endpoint.stats();
    catchingUpMax = Math.max(catchingUpMax, catchingUp);
    if (catchingUp > 0) catchingUpSamples++;
  }, 5);
  sampler.unref();
  stats = () => {
    const { replayPagesEncoded, replayPagesShared } = endpoint.stats();
    return { catchingUpMax, catchingUpMs: catchingUpSamples * 5, replayPagesEncoded, replayPagesShared };
  };
  const log = logwire.getLogger('bench.latency');
  emit = (i, sign) => log.info(`record ${i}`, { ts: sign * now() });
  finish = () => log.info(END);
}

await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
console.log(String(http.address().port));
setTimeout(() => process.exit(0), LIFETIME_MS);
/** Makes `total` calls at `rate` (`sign` -1: warm-up), then calls `done`. */
function pace(total, sign, done) {
  const start = now();
  let made = 0;
  // A 1 ms pacer makes the calls that are due, like a service logging at a steady rate.
  const timer = setInterval(() => {
    if (TRACE && sign > 0) mark('tick');
    const due = Math.min(total, Math.floor(((now() - start) / 1000) * rate));
    while (made < due) emit(made++, sign);
    if (made >= total) {
      clearInterval(timer);
      done(made);
    }
  }, 1);
}

createInterface({ input: process.stdin }).once('line', () => {
  if (PHASES) console.log('PHASE warm-up');
  pace(Math.round(rate * warmup), -1, measure);
});

function measure() {
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const cpu0 = process.cpuUsage();
  tracing = TRACE !== undefined;
  if (PHASES) {
    console.log('PHASE measured');
    let half = 0;
    const phases = setInterval(() => {
      console.log(`PHASE ${++half * 0.5} s`);
      if (half >= seconds * 2) clearInterval(phases);
    }, 500);
  }
  pace(rate * seconds, 1, (made) => {
    setTimeout(() => {
      finish();
      delay.disable();
      tracing = false;
      if (TRACE) writeFileSync(TRACE, JSON.stringify(trace));
      if (PHASES) console.log('PHASE end');
      const cpu = process.cpuUsage(cpu0);
      const loopDelayP99Ms = delay.percentile(99) / 1e6;
      console.log(JSON.stringify({ made, cpuMs: (cpu.user + cpu.system) / 1000, loopDelayP99Ms, ...stats() }));
    }, 200);
  });
}
