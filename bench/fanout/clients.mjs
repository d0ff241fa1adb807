// Load-generating clients for the fan-out benchmarks. They count records without parsing them
// (each record carries MARKER once), so the clients take as little CPU as the protocol allows.
//   node clients.mjs <mode> <url> <count> [deadline ms = 120000]
// A socket that closes before the end marker counts as ended (the run is reported as partial);
// at the deadline the counts so far are printed with `timeout: true`.
// mode: ws (raw frames), sio (engine.io v4 text frames over a raw ws), logwire (hello + batches),
// legacy (logwire without hello).
import WebSocket from 'ws';
import { END, MARKER } from './records.mjs';

const [mode, url, countText] = process.argv.slice(2);
const count = Number(countText);
let received = 0;
let ended = 0;
let endAt = 0;
let closedEarly = 0;
const markerBuf = Buffer.from(MARKER);
const endBuf = Buffer.from(END);

function countIn(buf) {
  let n = 0;
  let at = buf.indexOf(markerBuf);
  while (at !== -1) {
    n++;
    at = buf.indexOf(markerBuf, at + markerBuf.length);
  }
  return n;
}

function open(i) {
  return new Promise((resolve, reject) => {
    let done = false;
    const ws = new WebSocket(mode === 'sio' ? `${url}/socket.io/?EIO=4&transport=websocket` : url, { perMessageDeflate: false });
    ws.binaryType = 'nodebuffer';
    ws.on('open', () => {
      if (mode === 'logwire') ws.send(JSON.stringify({ type: 'hello', data: { v: 1, capabilities: ['batch'] } }));
      if (mode !== 'sio') resolve(ws);
    });
    ws.on('message', (data) => {
      const buf = data;
      if (mode === 'sio') {
        const text = buf.toString('latin1', 0, 2);
        if (text[0] === '0') ws.send('40');
        else if (text === '40') resolve(ws);
        else if (text[0] === '2') ws.send('3');
      }
      received += countIn(buf);
      if (!done && buf.indexOf(endBuf) !== -1) {
        done = true;
        ended++;
        endAt = Date.now();
        if (ended + closedEarly === count) finish();
      }
    });
    ws.on('close', () => {
      if (done) return;
      done = true;
      closedEarly++;
      if (ended + closedEarly === count) finish();
    });
    ws.on('error', reject);
    void i;
  });
}

let finished = false;
function finish(timeout = false) {
  if (finished) return;
  finished = true;
  const line = JSON.stringify({ received, endAt: timeout ? 0 : endAt, closedEarly, timeout });
  process.stdout.write(`${line}\n`, () => process.exit(0));
}

setTimeout(() => finish(true), Number(process.argv[5] ?? 120_000));

for (let i = 0; i < count; i += 50) {
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, k) => open(i + k)));
}
console.log('ready');
