// A logwire server in its own process, for tests that restart it or load it.
// argv: <port> <mode>. mode "steady": logs "seq <n>" every 2 ms until killed.
// mode "load": on {produce: n} over IPC, logs n messages in paced rounds, then answers {done: true};
// on {clients: true}, answers with the endpoint's client count. (What a stalled client costs in
// server memory is measured by bench/stalled.mjs, not here.)
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
    if (command.clients) process.send?.({ clients: endpoint.clientCount });
    if (command.produce === undefined) return;
    const pad = 'x'.repeat(120);
    for (let n = 0; n < command.produce;) {
      for (let i = 0; i < (command.perTurn ?? 500) && n < command.produce; i++, n++) log.info('load', { n, instance_id: 'abc123', pad });
      // Paces the load (about 125,000 records/s by default): a producer's rate, not a wait for anything.
      await new Promise((resolve) => setTimeout(resolve, command.pause ?? 4));
    }
    logwire.hub.flush();
    process.send?.({ done: true });
  });
}
