import { describe, expect, it } from 'vitest';
import { batchFrame, type GapData, gapFrame, logFrame, parse, pingFrame } from '../src/index.js';

// The hand-written frames the builders replace, copied as they were, so byte identity is checked
// against the real thing:
// - packages/server/src/hub/log-hub.ts:164, packages/server/src/hub/history.ts:119 and
//   packages/redis/src/backplane.ts:956 (`toFrame`): one log message;
// - packages/server/src/transport/ws-endpoint.ts:867 (`batchJson`): a batch;
// - packages/server/src/transport/ws-endpoint.ts:794: a ping;
// - packages/redis/src/backplane.ts:946 (`toGapFrame`) and `JSON.stringify({ type: 'gap', data })`
//   of the endpoint's `#sendControl` (ws-endpoint.ts:800): a gap.
const reference = {
  log: (type: string, id: string, data: string): string => '{"type":"' + type + '","id":"' + id + '","data":' + data + '}',
  batch: (epoch: string, from: string | null, to: string | null, frames: readonly string[], replay: boolean): string =>
    '{"type":"batch","data":{"epoch":' +
    JSON.stringify(epoch) +
    ',"from":' +
    (from === null ? 'null' : '"' + from + '"') +
    ',"to":' +
    (to === null ? 'null' : '"' + to + '"') +
    ',"messages":[' +
    frames.join(',') +
    ']' +
    (replay ? ',"replay":true' : '') +
    '}}',
  ping: (ts: number): string => `{"type":"ping","data":{"ts":${ts}}}`,
  gap: (gap: GapData): string => {
    const data: GapData = { from: gap.from, to: gap.to, reason: gap.reason };
    if (gap.count !== undefined) data.count = gap.count;
    if (gap.epoch !== undefined) data.epoch = gap.epoch;
    return JSON.stringify({ type: 'gap', data });
  },
};

const DATA = [
  '{}',
  '{"timestamp":"2026-12-07T01:02:03.004Z","level":"INFO","logger":"app.db","message":"up","module":"db","function":"open","line":12}',
  '{"timestamp":"2026-12-07T01:02:03.004Z","level":"INFO","logger":"audit.user","message":"login","action":"login","metadata":{}}',
  '{"message":"quote \\" backslash \\\\ newline \\n emoji 😀 lone \\ud83d </script>"}',
];
const IDS = ['0-0', '1760000000123-0', '1760000000123-17', '9007199254740991-9007199254740991'];
const EPOCHS = ['k3f9a1Qz', '', 'epoch "quoted" \\ back', 'ünïcødé 😀', '\u2028\u2029\u0000'];

describe('frame builders', () => {
  it('logFrame is byte-identical to the hand-written log frame, and parses as that message', () => {
    for (const type of ['system_log', 'audit_log'] as const) {
      for (const id of IDS) {
        for (const data of DATA) {
          const frame = logFrame(type, id, data);
          expect(frame).toBe(reference.log(type, id, data));
          expect(frame).toBe(JSON.stringify({ type, id, data: JSON.parse(data) as unknown }));
        }
      }
    }
    const parsed = parse(logFrame('system_log', IDS[1] as string, DATA[1] as string));
    expect(parsed.ok && parsed.message.type === 'system_log' && parsed.message.data.logger).toBe('app.db');
  });

  it('batchFrame is byte-identical to the endpoint batch, with and without replay, empty and null ranges', () => {
    const frames = DATA.map((data, i) => logFrame(i % 2 === 0 ? 'system_log' : 'audit_log', IDS[i] as string, data));
    for (const epoch of EPOCHS) {
      for (const from of [null, ...IDS]) {
        for (const to of [null, ...IDS]) {
          for (const messages of [[], frames.slice(0, 1), frames]) {
            for (const replay of [false, true]) {
              const frame = batchFrame(epoch, from, to, messages, replay);
              expect(frame).toBe(reference.batch(epoch, from, to, messages, replay));
              const decoded = messages.map((m) => JSON.parse(m) as unknown);
              const data = { epoch, from, to, messages: decoded, ...(replay ? { replay } : {}) };
              expect(frame).toBe(JSON.stringify({ type: 'batch', data }));
            }
          }
        }
      }
    }
    expect(batchFrame('e', null, '1-0', [])).toBe(reference.batch('e', null, '1-0', [], false));
    const valid = [logFrame('system_log', '2-0', DATA[1] as string), logFrame('audit_log', '3-0', DATA[2] as string)];
    const parsed = parse(batchFrame('e', '1-0', '3-0', valid, true));
    expect(parsed.ok && parsed.message.type === 'batch' && parsed.message.data.messages.length).toBe(2);
  });

  it('gapFrame is byte-identical to the Redis gap frame and the endpoint gap, and always orders keys the same way', () => {
    const gaps: GapData[] = [];
    for (const from of [null, '1760000000123-0']) {
      for (const to of [null, '1760000000400-7']) {
        for (const reason of ['trimmed', 'epoch', 'dropped', 'limit', 'diverged', 'odd "reason"']) {
          for (const count of [undefined, 0, 812]) {
            for (const epoch of [undefined, ...EPOCHS]) {
              const gap: GapData = { from, to, reason };
              if (count !== undefined) gap.count = count;
              if (epoch !== undefined) gap.epoch = epoch;
              gaps.push(gap);
            }
          }
        }
      }
    }
    for (const gap of gaps) {
      expect(gapFrame(gap)).toBe(reference.gap(gap));
      // The endpoint builds its gaps in this key order and sends JSON.stringify({ type, data }).
      expect(gapFrame(gap)).toBe(JSON.stringify({ type: 'gap', data: gap }));
    }
    // A server-side gap object with its keys in another order, or extra properties, still gives the wire order.
    const shuffled = { reason: 'dropped', from: '1-0', to: '2-0', epoch: 'e', count: 3, node: 'n1' };
    expect(gapFrame(shuffled)).toBe('{"type":"gap","data":{"from":"1-0","to":"2-0","reason":"dropped","count":3,"epoch":"e"}}');
    const parsed = parse(gapFrame(shuffled));
    expect(parsed.ok && parsed.message).toEqual({ type: 'gap', data: { from: '1-0', to: '2-0', reason: 'dropped', count: 3, epoch: 'e' } });
  });

  it('pingFrame is byte-identical to the endpoint ping', () => {
    for (const ts of [0, 1, 1760000000123, Date.now()]) {
      expect(pingFrame(ts)).toBe(reference.ping(ts));
      expect(pingFrame(ts)).toBe(JSON.stringify({ type: 'ping', data: { ts } }));
    }
  });
});
