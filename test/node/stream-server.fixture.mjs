// A logwire server in its own process, for tests that restart it or measure its memory.
// argv: <port> <mode>. mode "steady": logs "seq <n>" every 2 ms until killed.
// mode "load": waits for {produce: n} over IPC, logs n messages paced per turn, reports memory.
import { createLogwire } from '../../packages/server/dist/index.js';

const [port, mode] = process.argv.slice(2);
const logwire = createLogwire({ callsite: false, ...JSON.parse(process.env.LOGWIRE_OPTIONS ?? '{}') });
const { endpoint, address } = await logwire.listen(Number(port), '127.0.0.1', JSON.parse(process.env.LOGWIRE_ENDPOINT ?? '{}'));
const log = logwire.getLogger('orchestrator.fixture');
process.on('disconnect', () => process.exit(0));
process.send?.({ ready: true, epoch: logwire.hub.epoch, port: address.port });

if (mode === 'steady') {
  let n = 0;
  setInterval(() => log.info(`seq ${n++}`), 2);
}

if (mode === 'load') {
  process.on('message', async (command) => {
    if (command.produce === undefined) return;
    globalThis.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const pad = 'x'.repeat(120);
    for (let n = 0; n < command.produce; ) {
      for (let i = 0; i < (command.perTurn ?? 500) && n < command.produce; i++, n++) log.info('load', { n, instance_id: 'abc123', pad });
      await new Promise((resolve) => setTimeout(resolve, command.pause ?? 4));
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    logwire.hub.flush();
    await new Promise((resolve) => setTimeout(resolve, 200));
    clearInterval(sampler);
    process.send?.({ done: true, baseline, peak, clients: endpoint.clientCount });
  });
}
