// Stalled-client benchmark server: logs `rate` records/s for `seconds` while one client has
// stopped reading and one reads normally; samples RSS once a second.
//   node stalled-server.mjs <logwire|ws-nopolicy> <rate> <seconds>
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { END, makeData } from './records.mjs';

const [mode, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText);
const seconds = Number(secondsText);
const http = createServer();
// Exit normally when the orchestrator is done, so a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
let emit;
let finish;

if (mode === 'ws-nopolicy') {
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  // What a hand-rolled socket does: one frame per record to every client, no limit.
  emit = (i) => {
    const frame = JSON.stringify({ type: 'system_log', data: makeData(i) });
    for (const ws of wss.clients) ws.send(frame);
  };
  finish = () => {
    for (const ws of wss.clients) ws.send(END);
  };
} else {
  const { createLogwire } = await import('../../packages/server/dist/index.js');
  const logwire = createLogwire({ callsite: false, console: false });
  logwire.attach(http);
  const log = logwire.getLogger('orchestrator.instance_manager');
  emit = (i) => log.info(makeData(i).message, { instance_id: '97847539' });
  finish = () => log.info(END);
}

await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
console.log(String(http.address().port));
createInterface({ input: process.stdin }).once('line', () => {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const start = performance.now();
  let made = 0;
  const total = rate * seconds;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 250);
  const timer = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (made < due) emit(made++);
    if (made >= total) {
      clearInterval(timer);
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      finish();
      console.log(JSON.stringify({ made, growthMb: (peak - baseline) / 2 ** 20 }));
      // Stay up for the reading client until the orchestrator ends this process (at most a minute).
      setTimeout(() => process.exit(0), 60_000);
    }
  }, 1);
});
