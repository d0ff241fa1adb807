// The load both Redis bench nodes produce: `count` ordinary log calls, 256 per event-loop turn,
// holding back while the backplane's backlog is above 50,000 records so nothing is dropped (the
// benches measure throughput, not the drop policy).
export const FIELDS = { request_id: 'a1b2c3d4e5f6', user: 'alice', path: '/api/v1/instances', status: 200 };

export const turn = () => new Promise((resolve) => setImmediate(resolve));

export async function produce(log, backplane, count) {
  for (let sent = 0; sent < count;) {
    if (backplane && backplane.metrics.backlogRecords > 50_000) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    const n = Math.min(256, count - sent);
    for (let i = 0; i < n; i++) log.info('request handled in 12 ms', FIELDS);
    sent += n;
    await turn();
  }
}
