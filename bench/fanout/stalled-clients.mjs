// One client that reads normally (counts records) and one that stops reading after the handshake.
//   node stalled-clients.mjs <hello|plain> <url>
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
        if (data.includes(END)) {
          console.log(JSON.stringify({ received }));
          process.exit(0);
        }
      });
    }
    ws.on('error', reject);
  });
}

await connect(true);
await connect(false);
console.log('ready');
