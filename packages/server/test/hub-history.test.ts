import { describe, expect, it } from 'vitest';
import { History } from '../src/hub/history.js';
import { LogHub, type StreamMessage } from '../src/index.js';

function message(n: number, size: number): StreamMessage {
  // One, two, three and four UTF-8 bytes per character, so both ways of storing data are taken.
  const data = JSON.stringify({ n, text: ['a', 'é', '日', '😀'][n % 4]!.repeat(size) });
  const id = `${1000 + n}-0`;
  return {
    id,
    position: { ms: 1000 + n, seq: 0 },
    type: n % 7 === 0 ? 'audit_log' : 'system_log',
    time: 5000 + n,
    level: 20,
    logger: `l${n}`,
    data,
    frame: `{"type":"${n % 7 === 0 ? 'audit_log' : 'system_log'}","id":"${id}","data":${data}}`,
  };
}

describe('History', () => {
  it('keeps the newest messages within both caps through many wrap-arounds, byte for byte', () => {
    const history = new History(50, 4096);
    const evicted: number[] = [];
    const kept: StreamMessage[] = [];
    let bytes = 0;
    for (let n = 0; n < 5000; n++) {
      const m = message(n, (n * 37) % 300);
      history.push(m, n, (id, ordinal) => {
        evicted.push(ordinal);
        expect(id.ms).toBe(1000 + ordinal);
      });
      kept.push(m);
      bytes += Buffer.byteLength(m.logger) + Buffer.byteLength(m.data);
      // Reference model: drop the oldest while over either cap.
      while (kept.length > 50) bytes -= size(kept.shift()!);
      while (bytes > 4096) bytes -= size(kept.shift()!);
      // The ring may evict a little more than the model (wasted tail bytes), never less.
      expect(history.length).toBeLessThanOrEqual(kept.length);
      const held = Array.from({ length: history.length }, (_, i) => history.at(i)!);
      const expected = kept.slice(kept.length - history.length);
      expect(held.map((h) => h.id)).toEqual(expected.map((e) => e.id));
      expect(held.at(-1)).toEqual({ ...expected.at(-1), ordinal: n });
    }
    expect(evicted).toEqual(evicted.map((_, i) => i));
    expect(history.length).toBeGreaterThan(5);
  });

  it('reports a message larger than the byte budget as evicted at once', () => {
    const history = new History(10, 64);
    const evicted: number[] = [];
    history.push(message(1, 10), 0, (_id, ordinal) => evicted.push(ordinal));
    history.push(message(2, 100), 1, (_id, ordinal) => evicted.push(ordinal));
    expect(evicted).toEqual([1]);
    expect(history.at(0)?.id).toBe('1001-0');
  });
});

describe('History.pushAll', () => {
  // A batch is stored with one UTF-8 write when it is ASCII and fits in one free stretch; it must
  // hold and evict exactly what pushing its messages one by one does, whatever the text and room.
  const batches = (ascii: boolean) =>
    Array.from({ length: 60 }, (_, b) =>
      Array.from({ length: 1 + ((b * 7) % 23) }, (_, k) => {
        const n = b * 100 + k;
        const m = ascii ? { ...message(n * 4, (n * 13) % 200) } : message(n, (n * 13) % 200);
        return { ...m, id: `${1000 + n}-0`, position: { ms: 1000 + n, seq: 0 }, ordinal: n };
      }),
    );

  for (const [name, ascii, items, bytes] of [
    ['ASCII batches, roomy ring', true, 500, 1 << 20],
    ['ASCII batches, ring smaller than a batch', true, 50, 3000],
    ['non-ASCII batches', false, 500, 1 << 20],
    ['count-bound ring smaller than a batch', true, 5, 1 << 20],
  ] as const) {
    it(`matches push one by one: ${name}`, () => {
      const one = new History(items, bytes);
      const all = new History(items, bytes);
      const evictedOne: number[] = [];
      const evictedAll: number[] = [];
      for (const batch of batches(ascii)) {
        for (const m of batch) one.push(m, m.ordinal, (_id, ordinal) => evictedOne.push(ordinal));
        all.pushAll([message(0, 1), ...batch], 1, (_id, ordinal) => evictedAll.push(ordinal));
        expect(all.length).toBe(one.length);
        expect(evictedAll).toEqual(evictedOne);
        for (let i = 0; i < all.length; i++) expect(all.at(i)).toEqual(one.at(i));
      }
      expect(evictedAll.length).toBeGreaterThan(0);
    });
  }
});

describe('History logger names', () => {
  it('reads back repeated, non-ASCII, long and ever-new logger names exactly', () => {
    const history = new History(2000, 1 << 20);
    const names = ['app', 'café.ünïcode', 'x'.repeat(300), 'app'];
    const pushed: StreamMessage[] = [];
    for (let n = 0; n < 1000; n++) {
      const logger = n % 2 === 0 ? (names[n % names.length] as string) : `fresh.${n}`;
      const m = { ...message(n, 3), logger };
      history.push(m, n, () => undefined);
      pushed.push(m);
    }
    expect(Array.from({ length: history.length }, (_, i) => history.at(i)!.logger)).toEqual(pushed.map((m) => m.logger));
  });
});

describe('LogHub replay pages', () => {
  it('ends pages just before ordinals that are multiples of the page size, and at `upTo`', () => {
    const hub = new LogHub({ historySize: 100 });
    const ids: string[] = [];
    for (let n = 0; n < 23; n++) {
      const data = JSON.stringify({ message: `m${n}` });
      ids.push(hub.publish({ type: 'system_log', time: 0, level: 20, logger: 'app', data })!.id);
    }
    hub.flush();
    const end = (after: number | undefined, upTo?: number) =>
      hub.pageEnd(
        after === undefined ? undefined : hub.after(undefined)[after]!.position,
        10,
        upTo === undefined ? undefined : hub.after(undefined)[upTo]!.position,
      );
    expect(end(undefined)?.id).toBe(ids[9]);
    expect(end(3)?.id).toBe(ids[9]);
    expect(end(9)?.id).toBe(ids[19]);
    expect(end(12)?.id).toBe(ids[19]);
    expect(end(12, 15)?.id).toBe(ids[15]);
    expect(end(19)?.id).toBe(ids[22]);
    expect(end(19)?.ordinal).toBe(22);
    expect(end(22)).toBeUndefined();
  });
});

describe('LogHub history', () => {
  it('picks the newest N of each type without letting a busy system stream push audit out', () => {
    const hub = new LogHub({ historySize: 1000 });
    for (let n = 0; n < 600; n++)
      hub.publish({ type: n % 100 === 0 ? 'audit_log' : 'system_log', time: 1, level: 20, logger: 'x', data: `{"n":${n}}` });
    hub.flush();
    const recent = hub.recent(3);
    expect(recent.map((m) => [m.type, m.data])).toEqual([
      ['audit_log', '{"n":300}'],
      ['audit_log', '{"n":400}'],
      ['audit_log', '{"n":500}'],
      ['system_log', '{"n":597}'],
      ['system_log', '{"n":598}'],
      ['system_log', '{"n":599}'],
    ]);
    hub.close();
  });
});

describe('LogHub delivery order', () => {
  const entry = (n: number) => ({ type: 'system_log' as const, time: 1, level: 20, logger: 'x', data: `{"n":${n}}` });
  const held = (hub: LogHub) => hub.after(undefined).map((m) => m.data);

  it('sends before it stores and counts: delivery listeners, then the history, then afterDelivery listeners', () => {
    const hub = new LogHub({ historySize: 100 });
    const seen: string[] = [];
    hub.afterDelivery((batch) => seen.push(`after ${batch.length}, history ${hub.historyLength}`));
    hub.on((batch) => seen.push(`on ${batch.length}`));
    for (let n = 0; n < 3; n++) hub.publish(entry(n));
    hub.flush();
    hub.publish(entry(3));
    hub.flush();
    expect(seen).toEqual(['on 3', 'after 3, history 3', 'on 1', 'after 1, history 4']);
    expect(held(hub)).toEqual(['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}']);
    hub.close();
  });

  it('a delivery listener that reads the history sees the batch it is given, and one that logs keeps stream order', () => {
    const hub = new LogHub({ historySize: 100, maxBatchMessages: 2 });
    const reads: string[][] = [];
    let logged = false;
    hub.on((batch) => {
      reads.push(hub.after(undefined).map((m) => m.data));
      expect(hub.after(undefined).slice(-batch.length)).toEqual(batch);
      // A listener that logs (and fills a batch, so the hub flushes again from inside this one).
      if (!logged) {
        logged = true;
        hub.publish(entry(10));
        hub.publish(entry(11));
      }
    });
    hub.publish(entry(0));
    hub.publish(entry(1));
    hub.flush();
    expect(reads).toEqual([
      ['{"n":0}', '{"n":1}'],
      ['{"n":0}', '{"n":1}', '{"n":10}', '{"n":11}'],
    ]);
    expect(held(hub)).toEqual(['{"n":0}', '{"n":1}', '{"n":10}', '{"n":11}']);
    expect(hub.after(undefined).map((m) => m.ordinal)).toEqual([0, 1, 2, 3]);
    hub.close();
  });
});

function size(m: StreamMessage): number {
  return Buffer.byteLength(m.logger) + Buffer.byteLength(m.data);
}
