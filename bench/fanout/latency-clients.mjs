// Latency clients: for every record every client receives, receipt time − the record's `ts`.
//   node latency-clients.mjs <hello|plain> <url> <count> <deadline ms> [scan|parse]
// Each frame is read once as it arrives and every `"ts":` in it is taken (a byte scan rather than
// JSON.parse, the same for every server: at 10,000 records/s × 100 clients, parsing a million
// records a second in two processes measures the clients, not the server); `parse` JSON.parses
// every frame first, as a dashboard does. A negative `ts` marks a warm-up record, which is not
// counted. Prints "ready" once all
// sockets are open, then one JSON line: counts, and the latency histogram (buckets 0.5 % wide,
// sparse: see `bucketOf` in ../latency.mjs) so the orchestrator can merge processes. A client whose socket closes before the end marker, or
// that has not seen it by the deadline, is reported, never waited for.
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { bucketOf, END } from './records.mjs';

const [mode, url, countText, deadlineText, read = 'scan'] = process.argv.slice(2);
const count = Number(countText);
const histogram = new Map();
let n = 0;
let frames = 0;
let bytes = 0;
let ended = 0;
let closedEarly = 0;
let failed = 0;
const closeCodes = {};
const now = () => performance.timeOrigin + performance.now();
const TS = Buffer.from('"ts":');
const GAP = Buffer.from('"type":"gap"');
let gaps = 0;
const endBytes = Buffer.from(END);
// Diagnostics (bench/latency-diagnose.mjs): with LATENCY_TRACE=<file>, the first socket's records
// go there as flat [stamp, receipt, stamp, receipt, …] pairs.
const TRACE = process.env.LATENCY_TRACE;
const arrivals = [];
let traced;

function record(latency) {
  const bucket = bucketOf(latency);
  histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
  n++;
}

function collect(value, at) {
  if (Array.isArray(value)) for (const item of value) collect(item, at);
  else if (value !== null && typeof value === 'object') {
    if (typeof value.ts === 'number') {
      if (value.ts > 0) record(at - value.ts);
    } else for (const key of ['data', 'messages']) if (value[key] !== null && typeof value[key] === 'object') collect(value[key], at);
  }
}

function onFrame(buf, ws) {
  const at = now();
  frames++;
  bytes += buf.length;
  if (buf.indexOf(GAP) !== -1) gaps++;
  if (read === 'parse') {
    collect(JSON.parse(buf.toString()), at);
    return;
  }
  for (let i = buf.indexOf(TS); i !== -1; i = buf.indexOf(TS, i + TS.length)) {
    let end = i + TS.length;
    while (end < buf.length && buf[end] !== 0x2c && buf[end] !== 0x7d) end++;
    const ts = Number(buf.latin1Slice(i + TS.length, end));
    if (ts > 0) {
      record(at - ts);
      if (TRACE && ws === traced) arrivals.push(ts, at);
    }
  }
}

function open() {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    traced ??= ws;
    let done = false;
    const settle = (kind) => {
      if (done) return;
      done = true;
      if (kind === 'end') ended++;
      else if (kind === 'closed') closedEarly++;
      if (ended + closedEarly + failed === count) finish(false);
    };
    ws.on('open', () => {
      if (mode === 'hello') ws.send(JSON.stringify({ type: 'hello', data: { v: 1, capabilities: ['batch'] } }));
      resolve();
    });
    ws.on('message', (data) => {
      onFrame(data, ws);
      if (data.indexOf(endBytes) !== -1) settle('end');
    });
    ws.on('close', (code) => {
      if (!done) closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      settle('closed');
      resolve();
    });
    ws.on('error', () => {
      // 'close' follows (or the socket never opened: counted as failed).
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.CLOSED) {
        if (!done) {
          done = true;
          failed++;
        }
        resolve();
      }
    });
  });
}

let finished = false;
function finish(timedOut) {
  if (finished) return;
  finished = true;
  if (TRACE) writeFileSync(TRACE, JSON.stringify(arrivals));
  const histogramPairs = [...histogram].sort((a, b) => a[0] - b[0]);
  const line = JSON.stringify({ n, frames, bytes, gaps, ended, closedEarly, failed, timedOut, closeCodes, histogram: histogramPairs });
  // Exit once the line is out: a pipe may take it in several writes.
  process.stdout.write(`${line}\n`, () => process.exit(0));
}

// The deadline covers connecting too: a client never outlives the orchestrator's patience.
setTimeout(() => finish(true), Number(deadlineText) || 120_000);
for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
console.log('ready');
