// Fan-out benchmark server: produces records as fast as the slowest client drains them for a
// fixed time, then sends an end marker. Prints its port, waits for "go" on stdin, prints a JSON
// summary at the end, and stays up (clients may still be reading) until the orchestrator kills it
// or five minutes have passed.
//   node server.mjs <mode> <seconds>
// mode: ws-batch (raw ws, 100 records per pre-encoded Buffer frame of logwire's batch shape: the practical ceiling),
//       sio-msg (socket.io, io.emit per record: what most apps do),
//       logwire (the logwire server: log calls → hub → endpoint),
//       hub-direct (diagnostic: logwire's log calls and hub, each batch sent with a bare ws broadcast,
//       so the endpoint's own cost is the difference to logwire).
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { END, INSTANCE, makeLoggedData } from './records.mjs';

const [mode, secondsText] = process.argv.slice(2);
const seconds = Number(secondsText);
const PER_TURN = 100;
const HIGH_WATER = 256 * 1024;
const WARMUP_TURNS = 300;
const http = createServer();
// Exit normally when the orchestrator is done, so a --cpu-prof profile is written.
process.on('SIGTERM', () => process.exit(0));
let behind; // () => true while some client has not read what it was sent
let produce; // (i, instance) => void, one turn's worth (records with `instance_id` = instance)
let finish; // () => void, sends the end marker
let extra = () => ({}); // more fields for the summary

if (mode === 'ws-batch') {
  // The frames logwire sends (a stream id per record, one batch frame with epoch and from/to per
  // turn, built with the protocol's own encoders) around the record logwire writes, so both put
  // the same bytes on the wire and only the servers differ.
  const { WebSocketServer } = await import('ws');
  const { batchFrame, logFrame } = await import('../../packages/protocol/dist/index.js');
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const epoch = 'anchor01';
  let from = null;
  let lastMs = 0;
  let seq = 0;
  behind = () => [...wss.clients].some((ws) => ws.bufferedAmount > HIGH_WATER);
  produce = (i, instance) => {
    const frames = [];
    let to = from;
    for (let k = 0; k < PER_TURN; k++) {
      const ms = Date.now();
      seq = ms === lastMs ? seq + 1 : 0;
      lastMs = ms;
      to = `${ms}-${seq}`;
      frames.push(logFrame('system_log', to, JSON.stringify(makeLoggedData(i + k, ms, instance))));
    }
    const frame = Buffer.from(batchFrame(epoch, from, to, frames));
    from = to;
    for (const ws of wss.clients) ws.send(frame, { binary: false });
  };
  finish = () => {
    for (const ws of wss.clients) ws.send(JSON.stringify({ type: 'system_log', data: { message: END } }));
  };
} else if (mode === 'sio-msg') {
  const { Server } = await import('socket.io');
  const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });
  behind = () => [...io.of('/').sockets.values()].some((s) => (s.conn.transport.socket?.bufferedAmount ?? 0) > HIGH_WATER);
  produce = (i, instance) => {
    for (let k = 0; k < PER_TURN; k++) io.emit('log', { type: 'system_log', data: makeLoggedData(i + k, Date.now(), instance) });
  };
  finish = () => io.emit('log', { type: 'system_log', data: { message: END } });
} else if (mode === 'hub-direct') {
  const { WebSocketServer } = await import('ws');
  const { batchFrame } = await import('../../packages/protocol/dist/index.js');
  const { createLogwire } = await import('../../packages/server/dist/index.js');
  const logwire = createLogwire({ callsite: false, level: 'INFO', console: false });
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  behind = () => [...wss.clients].some((ws) => ws.bufferedAmount > HIGH_WATER);
  logwire.hub.on((batch) => {
    const frame = Buffer.from(
      batchFrame(
        'e',
        null,
        null,
        batch.map((m) => m.frame),
      ),
    );
    for (const ws of wss.clients) ws.send(frame, { binary: false });
  });
  const log = logwire.getLogger('orchestrator.instance_manager');
  produce = (i, instance) => {
    for (let k = 0; k < PER_TURN; k++)
      log.info(`Sent message msg-${i + k} to instance 97847539-c28b-4976-9d6c-56f7e274ec81`, { instance_id: instance });
  };
  finish = () => log.info(END);
} else if (mode === 'logwire' || mode === 'legacy') {
  const { createLogwire } = await import('../../packages/server/dist/index.js');
  const logwire = createLogwire({ callsite: false, level: 'INFO', console: false });
  const endpoint = logwire.attach(http, { maxConnections: 10_000, maxConnectionsPerAddress: 10_000 });
  behind = () => {
    const stats = endpoint.stats();
    return stats.maxBufferedBytes > HIGH_WATER || stats.catchingUp > 0;
  };
  extra = () => {
    const { replayPagesEncoded, replayPagesShared } = endpoint.stats();
    return { replayPagesEncoded, replayPagesShared };
  };
  const log = logwire.getLogger('orchestrator.instance_manager');
  produce = (i, instance) => {
    for (let k = 0; k < PER_TURN; k++)
      log.info(`Sent message msg-${i + k} to instance 97847539-c28b-4976-9d6c-56f7e274ec81`, { instance_id: instance });
  };
  finish = () => log.info(END);
} else {
  throw new Error(`unknown mode ${mode}`);
}

// Warm-up, before any client connects: the producer's code paths run long enough to be compiled,
// so the short measured run does not pay each server's one-off JIT work (on background threads,
// counted in its CPU time). Warm-up records carry another instance_id: clients do not count them.
for (let turn = 0; turn < WARMUP_TURNS; turn++) {
  produce(turn * PER_TURN, 'warm-up');
  await new Promise((resolve) => setImmediate(resolve));
}

await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
console.log(String(http.address().port));
setTimeout(() => process.exit(0), seconds * 1000 + 300_000);

createInterface({ input: process.stdin }).once('line', () => {
  const start = Date.now();
  const cpu0 = process.cpuUsage();
  let i = 0;
  const turn = () => {
    if (Date.now() - start >= seconds * 1000) {
      finish();
      const cpu = process.cpuUsage(cpu0);
      console.log(JSON.stringify({ start, sent: i, cpuNs: (cpu.user + cpu.system) * 1000, ...extra() }));
      return;
    }
    if (behind()) {
      // Wait for the slowest socket to drain a little (or 2 ms), as a well-behaved producer would.
      setTimeout(turn, 2);
      return;
    }
    produce(i, INSTANCE);
    i += PER_TURN;
    setImmediate(turn);
  };
  turn();
});
