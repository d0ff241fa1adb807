import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../helpers/wait.js';
import { WebSocket } from 'ws';
import { createLogwire, type Logwire } from '@logwire/server';
import { type GapData, LogStreamClient, type WebSocketConstructor } from '@logwire/client';

let logwire: Logwire | undefined;
let client: LogStreamClient | undefined;
afterEach(async () => {
  client?.close();
  await logwire?.close();
});

describe('exactly once, end to end', () => {
  it('delivers 100,000 messages once each, in order, with no gap, while the socket is killed 20 times', async () => {
    const total = 100_000;
    const chunk = 500;
    logwire = createLogwire({ callsite: false, historySize: 200_000, historyBytes: 256 * 1024 * 1024 });
    const { address } = await logwire.listen(0, '127.0.0.1', { maxReplay: 200_000 });
    const sent: string[] = [];
    logwire.hub.on((batch) => {
      for (const message of batch) sent.push(message.id);
    });

    const sockets: WebSocket[] = [];
    class Tracked extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    }
    const received: string[] = [];
    const gaps: GapData[] = [];
    client = new LogStreamClient(`ws://127.0.0.1:${address.port}/ws/logs`, {
      WebSocket: Tracked as unknown as WebSocketConstructor,
      reconnect: { baseDelay: 5, maxDelay: 20 },
    });
    client.on('message', (message) => received.push(message.id as string));
    client.on('gap', (gap) => gaps.push(gap));
    await until(() => client!.state === 'live', 'first connection', 10_000);

    // 20 distinct random chunks after which the current socket is killed.
    const chunks = total / chunk;
    const killAfter = new Set<number>();
    while (killAfter.size < 20) killAfter.add(Math.floor(Math.random() * (chunks - 1)));
    const log = logwire.getLogger('orchestrator.load');
    let kills = 0;
    for (let c = 0; c < chunks; c++) {
      for (let i = 0; i < chunk; i++) log.info('load', { n: c * chunk + i });
      await new Promise((resolve) => setImmediate(resolve));
      if (killAfter.has(c)) {
        // Kill an open socket (live or mid-replay), never one that is still connecting.
        await until(
          () => sockets.at(-1)?.readyState === WebSocket.OPEN && (client!.state === 'live' || client!.state === 'catching-up'),
          'an open socket to kill',
          10_000,
        );
        sockets.at(-1)!.terminate();
        kills++;
      }
    }
    await until(() => received.length >= total && client!.state === 'live', `all ${total} messages`, 60_000);
    // An absence (no message after the last, no late duplicate) can only be seen after some time.
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(kills).toBe(20);
    expect(sockets.length).toBe(21);
    expect(sent).toHaveLength(total);
    expect(received).toHaveLength(total);
    expect(received).toEqual(sent);
    expect(gaps).toEqual([]);
  }, 90_000);
});
