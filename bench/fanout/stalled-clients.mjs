// One client that reads normally (counts records) and one that stops reading after the handshake.
//   node stalled-clients.mjs <hello|plain> <url> [deadline ms = 120000]
// Prints "ready", then `{received}` once the end marker arrives, or `{received, timeout: true}` when
// the reading socket closes first or the deadline passes.
import WebSocket from 'ws';
import { END, MARKER } from './records.mjs';

const [mode, url] = process.argv.slice(2);
const marker = Buffer.from(MARKER);
let received = 0;

function connect(stall) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => {
      if (mode === 'hello') ws.send(JSON.stringify({ type: 'hello', data: { v: 1, capabilities: ['batch'] } }));
      if (stall) ws._socket.pause();
      resolve(ws);
    });
    if (!stall) {
      ws.on('message', (data) => {
        for (let at = data.indexOf(marker); at !== -1; at = data.indexOf(marker, at + 1)) received++;
        if (data.includes(END)) report(false);
      });
      ws.on('close', () => report(true));
    }
    ws.on('error', reject);
  });
}

let reported = false;
function report(timeout) {
  if (reported) return;
  reported = true;
  const line = JSON.stringify(timeout ? { received, timeout } : { received });
  process.stdout.write(`${line}\n`, () => process.exit(0));
}

setTimeout(() => report(true), Number(process.argv[4] ?? 120_000));
await connect(true);
await connect(false);
console.log('ready');
