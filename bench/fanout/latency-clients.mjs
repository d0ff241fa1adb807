// Latency clients: parse every frame and record, for every record, receipt time − `ts`.
//   node latency-clients.mjs <hello|plain> <url> <count>
import WebSocket from 'ws';
import { END } from './records.mjs';

const [mode, url, countText] = process.argv.slice(2);
const count = Number(countText);
const samples = [];
let ended = 0;
const now = () => performance.timeOrigin + performance.now();

function collect(value) {
  if (Array.isArray(value)) for (const item of value) collect(item);
  else if (value && typeof value === 'object') {
    if (typeof value.ts === 'number') samples.push(now() - value.ts);
    else for (const key of ['data', 'messages']) if (value[key] && typeof value[key] === 'object') collect(value[key]);
  }
}

function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => {
      if (mode === 'hello') ws.send(JSON.stringify({ type: 'hello', data: { v: 1, capabilities: ['batch'] } }));
      resolve();
    });
    ws.on('message', (data) => {
      const text = data.toString();
      collect(JSON.parse(text));
      if (text.includes(END) && ++ended === count) finish();
    });
    ws.on('error', reject);
  });
}

function finish() {
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  console.log(JSON.stringify({ n: samples.length, p50: at(0.5), p99: at(0.99), max: samples[samples.length - 1] }));
  process.exit(0);
}

for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
console.log('ready');
