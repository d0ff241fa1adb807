// The latency anchor (`ws-tick`): a bare `ws` server that makes the same record per call as logwire
// sends (a stream id per record, one batch per turn with epoch and from/to, built with the
// protocol's own encoders), queues it and sends one pre-encoded batch frame per event-loop turn to
// every client. Both servers put the same bytes on the wire, so only the servers differ. Used by
// bench/fanout/latency-server.mjs and bench/live-turn-instructions.mjs.
import { WebSocketServer } from 'ws';
import { batchFrame, logFrame } from '../../packages/protocol/dist/index.js';

/**
 * Serves the anchor on `http`. `now()` stamps each record (`ts`, negated for warm-up calls, which
 * clients do not count); `onSend(records)` / `onSent()` run around each turn's sends (traces).
 * Returns `emit(i, sign = 1)`, one log call, and `clients`, the connected sockets.
 */
export function wsTick(http, now, { onSend, onSent } = {}) {
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const epoch = 'anchor01';
  let pending = [];
  let from = null;
  let lastMs = 0;
  let seq = 0;
  let to = null;
  const flush = () => {
    onSend?.(pending.length);
    const frame = Buffer.from(batchFrame(epoch, from, to, pending));
    pending = [];
    from = to;
    for (const ws of wss.clients) ws.send(frame, { binary: false });
    onSent?.();
  };
  const emit = (i, sign = 1) => {
    if (pending.length === 0) setImmediate(flush);
    const ms = Date.now();
    seq = ms === lastMs ? seq + 1 : 0;
    lastMs = ms;
    to = `${ms}-${seq}`;
    const data = JSON.stringify({
      timestamp: new Date(ms).toISOString(),
      level: 'INFO',
      logger: 'bench.latency',
      message: `record ${i}`,
      module: '',
      function: '',
      line: 0,
      ts: sign * now(),
    });
    pending.push(logFrame('system_log', to, data));
  };
  return { emit, clients: wss.clients };
}
