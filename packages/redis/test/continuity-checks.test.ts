// The pure continuity checks, without Redis: entries are built by hand, as the codec would parse them.
import { describe, expect, it } from 'vitest';
import { checkLinks, continuousPage, linkGap, markerGap } from '../src/continuity.js';
import type { PageInput, ReadPosition } from '../src/continuity.js';
import { parseEntry, type ReadEntry, type ReadItem, recordsAfter } from '../src/entry-codec.js';
import type { BackplaneEntry } from '../src/index.js';

/** An entry `id` linking to `prev`, in epoch `epoch`, carrying the message `id`. */
function entry(
  id: string,
  prev: string | null,
  epoch = 'e1',
  type: 'system_log' | 'dropped' = 'system_log',
  data?: string,
): BackplaneEntry {
  const body = data ?? JSON.stringify({ message: id });
  return { id, prev, epoch, node: 'n', type: type as 'system_log', time: 1, level: 20, logger: 'l', data: body };
}

/** A chain of entries `<first>-0`, `<first+1>-0`, …, the first linking to `prev`. */
function chain(first: number, count: number, prev: string | null, epoch = 'e1'): BackplaneEntry[] {
  const out: BackplaneEntry[] = [];
  for (let i = 0; i < count; i++) out.push(entry(`${first + i}-0`, i === 0 ? prev : out[i - 1]!.id, epoch));
  return out;
}

/** One read item per entry (`records` of one record), as readItems makes them for entries of one record. */
const items = (entries: Array<BackplaneEntry | [string, undefined]>): ReadItem[] =>
  entries.map((e) => (Array.isArray(e) ? { id: e[0], records: undefined } : { id: e.id, records: [e as ReadEntry] }));

const ids = (entries: BackplaneEntry[]) => entries.map((e) => e.id);

describe('linkGap', () => {
  it('names a link to nothing an epoch, past the expected id trimmed, and before it diverged', () => {
    expect(linkGap(null, '5-0')).toBe('epoch');
    expect(linkGap('7-0', '5-0')).toBe('trimmed');
    expect(linkGap('7-0', null)).toBe('trimmed');
    expect(linkGap('3-0', '5-0')).toBe('diverged');
    expect(linkGap('junk', '5-0')).toBe('diverged');
  });
});

describe('markerGap', () => {
  it('turns a drop marker into a dropped gap with its count and node, and keeps the gap when its data is unreadable', () => {
    const marker = entry('9-0', '8-0', 'e1', 'dropped', '{"count":15,"from":1,"to":2}');
    expect(markerGap(marker)).toEqual({ reason: 'dropped', from: '8-0', to: '9-0', epoch: 'e1', node: 'n', count: 15 });
    expect(markerGap({ ...marker, data: 'not json' })).toEqual({ reason: 'dropped', from: '8-0', to: '9-0', epoch: 'e1', node: 'n' });
  });
});

describe('checkLinks (the live reader)', () => {
  it('takes an entry of several records whole, and splits it at a drop marker inside', () => {
    const position: ReadPosition = { cursor: '1-0', linkTo: '1-0', epoch: 'e1' };
    const [a, marker, b] = [entry('2-0', '1-0'), entry('2-1', '2-0', 'e1', 'dropped', '{"count":3}'), entry('2-2', '2-1')];
    const batches = checkLinks(position, 'logs', [{ id: '2-2', records: [a, marker, b] as ReadEntry[] }]);
    expect(batches).toEqual([
      { stream: 'logs', epoch: 'e1', entries: [a] },
      { stream: 'logs', epoch: 'e1', gap: { reason: 'dropped', from: '2-0', to: '2-1', epoch: 'e1', node: 'n', count: 3 }, entries: [b] },
    ]);
    expect(position).toEqual({ cursor: '2-2', linkTo: '2-2', epoch: 'e1' });
  });

  it('passes a continuous run as one batch and moves the position to its last entry', () => {
    const position: ReadPosition = { cursor: '1-0', linkTo: '1-0', epoch: 'e1' };
    const run = chain(2, 3, '1-0');
    const batches = checkLinks(position, 'logs', items(run));
    expect(batches).toEqual([{ stream: 'logs', epoch: 'e1', entries: run }]);
    expect(position).toEqual({ cursor: '4-0', linkTo: '4-0', epoch: 'e1' });
  });

  it('splits at a broken link: trimmed when it links past the expected id, diverged when before it', () => {
    const trimmed = checkLinks({ cursor: '1-0', linkTo: '1-0', epoch: 'e1' }, 'logs', items(chain(5, 2, '4-0')));
    expect(trimmed).toHaveLength(1);
    expect(trimmed[0]!.gap).toEqual({ reason: 'trimmed', from: '1-0', to: '4-0', epoch: 'e1' });
    expect(ids(trimmed[0]!.entries)).toEqual(['5-0', '6-0']);

    const run = [...chain(2, 2, '1-0'), entry('9-0', '2-0')];
    const diverged = checkLinks({ cursor: '1-0', linkTo: '1-0', epoch: 'e1' }, 'logs', items(run));
    expect(diverged.map((b) => [b.gap?.reason, ids(b.entries)])).toEqual([
      [undefined, ['2-0', '3-0']],
      ['diverged', ['9-0']],
    ]);
    expect(diverged[1]!.gap).toEqual({ reason: 'diverged', from: '3-0', to: '2-0', epoch: 'e1' });
  });

  it('reports an entry that links to nothing after a cursor, or of another epoch, as an epoch gap', () => {
    const restarted = checkLinks({ cursor: '5-0', linkTo: '5-0', epoch: 'e1' }, 'logs', items(chain(6, 1, null)));
    expect(restarted[0]!.gap).toEqual({ reason: 'epoch', from: '5-0', to: null, epoch: 'e1' });

    const position: ReadPosition = { cursor: '5-0', linkTo: '5-0', epoch: 'e1' };
    const other = checkLinks(position, 'logs', items(chain(6, 2, null, 'e2')));
    const gap = { reason: 'epoch', from: '5-0', to: null, epoch: 'e2' };
    expect(other).toEqual([{ stream: 'logs', epoch: 'e2', gap, entries: chain(6, 2, null, 'e2') }]);
    expect(position.epoch).toBe('e2');
  });

  it('accepts the first entry of an epoch when the reader starts before it (linkTo null)', () => {
    const batches = checkLinks({ cursor: null, linkTo: null, epoch: 'e1' }, 'logs', items(chain(1, 2, null)));
    expect(batches.every((b) => b.gap === undefined)).toBe(true);
  });

  it('accepts any link after an epoch change (linkTo undefined) and reports a later epoch change from the cursor', () => {
    const position: ReadPosition = { cursor: '4-0', linkTo: undefined, epoch: undefined };
    expect(checkLinks(position, 'logs', items(chain(8, 1, '7-0')))[0]!.gap).toBeUndefined();
    const after: ReadPosition = { cursor: '8-0', linkTo: undefined, epoch: 'e1' };
    const [batch] = checkLinks(after, 'logs', items(chain(9, 1, null, 'e2')));
    expect(batch!.gap).toEqual({ reason: 'epoch', from: '8-0', to: null, epoch: 'e2' });
  });

  it('starts a new batch at a drop marker, carrying its dropped gap, with the entries that follow it', () => {
    const marker = entry('3-0', '2-0', 'e1', 'dropped', '{"count":4}');
    const run = [entry('2-0', '1-0'), marker, entry('4-0', '3-0')];
    const batches = checkLinks({ cursor: '1-0', linkTo: '1-0', epoch: 'e1' }, 'logs', items(run));
    expect(batches.map((b) => [b.gap?.reason, ids(b.entries)])).toEqual([
      [undefined, ['2-0']],
      ['dropped', ['4-0']],
    ]);
    expect(batches[1]!.gap).toMatchObject({ from: '2-0', to: '3-0', count: 4 });
  });

  it('skips a foreign entry: the position moves past it, the next entry must still link to the last logwire one', () => {
    const position: ReadPosition = { cursor: '1-0', linkTo: '1-0', epoch: 'e1' };
    const batches = checkLinks(position, 'logs', items([entry('2-0', '1-0'), ['3-0', undefined], entry('4-0', '2-0')]));
    expect(batches).toEqual([{ stream: 'logs', epoch: 'e1', entries: [entry('2-0', '1-0'), entry('4-0', '2-0')] }]);
    expect(position).toEqual({ cursor: '4-0', linkTo: '4-0', epoch: 'e1' });
    const tail: ReadPosition = { cursor: '4-0', linkTo: '4-0', epoch: 'e1' };
    expect(checkLinks(tail, 'logs', items([['5-0', undefined]]))).toEqual([]);
    expect(tail).toEqual({ cursor: '5-0', linkTo: '4-0', epoch: 'e1' });
  });
});

describe('continuousPage (history pages)', () => {
  // `end` as a reply shorter than the `count` asked for says.
  const page = (input: Partial<PageInput> & Pick<PageInput, 'entries'>) =>
    continuousPage({
      after: undefined,
      fromStart: false,
      epoch: 'e1',
      head: input.entries.at(-1)?.id ?? null,
      count: 100,
      end: input.entries.length < (input.count ?? 100),
      ...input,
    });

  it('serves the stream from its oldest entry without a cursor, and says done at the head', () => {
    const all = chain(1, 3, null);
    expect(page({ fromStart: true, entries: all })).toEqual({ epoch: 'e1', head: '3-0', entries: all, done: true });
    expect(page({ fromStart: true, entries: [], head: null })).toEqual({ epoch: 'e1', head: null, entries: [], done: true });
  });

  it('continues from a cursor the first entry links to, and is not done while a full reply stops short of the head', () => {
    const next = chain(4, 2, '3-0');
    expect(page({ after: '3-0', entries: next })).toEqual({ epoch: 'e1', head: '5-0', entries: next, done: true });
    expect(page({ after: '3-0', entries: next, count: 2, head: '9-0' }).done).toBe(false);
  });

  it('starts at the first entry of the epoch after a null cursor', () => {
    const all = chain(1, 2, null);
    expect(page({ after: null, entries: all })).toMatchObject({ entries: all, done: true });
    expect(page({ after: null, entries: [], head: null })).toEqual({ epoch: 'e1', head: null, entries: [], done: true });
  });

  it('reports a first entry linking past the cursor as trimmed and serves what follows', () => {
    const kept = chain(8, 2, '7-0');
    expect(page({ after: '3-0', entries: kept })).toEqual({
      epoch: 'e1',
      head: '9-0',
      entries: kept,
      done: true,
      gap: { reason: 'trimmed', from: '3-0', to: '7-0', epoch: 'e1' },
    });
  });

  it('reports a cursor ahead of the newest entry as diverged', () => {
    expect(page({ after: '99-0', entries: [], head: '5-0' })).toEqual({
      epoch: 'e1',
      head: '5-0',
      entries: [],
      done: true,
      gap: { reason: 'diverged', from: '99-0', to: '5-0', epoch: 'e1' },
    });
  });

  it('reports a cursor of another epoch as an epoch gap and leaves out old-epoch leftovers', () => {
    const leftovers = chain(1, 2, null, 'e0');
    const current = chain(5, 2, null, 'e1');
    const result = page({ after: '2-0', fromStart: true, entries: [...leftovers, ...current] });
    expect(result.gap).toEqual({ reason: 'epoch', from: '2-0', to: null, epoch: 'e1' });
    expect(result.entries).toEqual(current);
    expect(result.done).toBe(true);
  });

  it('stops before a broken link so the next page reports it', () => {
    const run = [...chain(2, 2, '1-0'), entry('9-0', '5-0')];
    const result = page({ after: '1-0', entries: run });
    expect(ids(result.entries)).toEqual(['2-0', '3-0']);
    expect(result.gap).toBeUndefined();
    expect(result.done).toBe(false);
  });

  it('reports a drop marker at the start of a page as its gap, and stops before a later one', () => {
    const marker = entry('3-0', '2-0', 'e1', 'dropped', '{"count":7}');
    const first = page({ after: '2-0', entries: [marker, entry('4-0', '3-0')] });
    expect(first.gap).toMatchObject({ reason: 'dropped', from: '2-0', to: '3-0', count: 7 });
    expect(ids(first.entries)).toEqual(['4-0']);
    expect(first.done).toBe(true);

    const second = page({ after: '1-0', entries: [entry('2-0', '1-0'), marker, entry('4-0', '3-0')] });
    expect(ids(second.entries)).toEqual(['2-0']);
    expect(second.done).toBe(false);
  });

  it('steps over foreign entries, and a foreign entry at the head does not keep a reader paging', () => {
    const result = page({ after: '1-0', entries: [entry('2-0', '1-0'), undefined, entry('4-0', '2-0')], head: '4-0' });
    expect(ids(result.entries)).toEqual(['2-0', '4-0']);
    expect(page({ after: '4-0', entries: [undefined], head: '5-0' })).toEqual({ epoch: 'e1', head: '5-0', entries: [], done: true });
  });
});

describe('parseEntry (the entry codec)', () => {
  /** The fields the append script writes for a batch of `[header, data]` pairs. */
  const fields = (prev: string, pairs: Array<[string, string]>, node = 'node-a') => [
    'p',
    prev,
    'e',
    'e1',
    'n',
    node,
    'l',
    pairs
      .flat()
      .map((part) => Buffer.byteLength(part))
      .join(','),
    'b',
    pairs.flat().join(''),
  ];

  it("gives a batch's records the ids before the entry's, links each to the one before, and turns Redis's 0-0 into null", () => {
    const records = parseEntry(
      '7-4',
      fields('0-0', [
        ['audit_log\x1f5\x1f50\x1fa\x1fb', '{}'],
        ['system_log\x1f6\x1f20\x1fl', '{"m":"ü✓🚀"}'],
      ]),
    );
    expect(records).toEqual([
      {
        id: '7-3',
        position: { ms: 7, seq: 3 },
        prev: null,
        epoch: 'e1',
        node: 'node-a',
        type: 'audit_log',
        time: 5,
        level: 50,
        logger: 'a\x1fb',
        data: '{}',
        frame: '{"type":"audit_log","id":"7-3","data":{}}',
      },
      {
        id: '7-4',
        position: { ms: 7, seq: 4 },
        prev: '7-3',
        epoch: 'e1',
        node: 'node-a',
        type: 'system_log',
        time: 6,
        level: 20,
        logger: 'l',
        data: '{"m":"ü✓🚀"}',
        frame: '{"type":"system_log","id":"7-4","data":{"m":"ü✓🚀"}}',
      },
    ]);
    expect(parseEntry('9-0', fields('7-4', [['system_log\x1f5\x1f20\x1f日本', '']]))![0]).toMatchObject({
      id: '9-0',
      prev: '7-4',
      logger: '日本',
    });
    // Buffers, as the readers get them, parse the same.
    const raw = fields('0-0', [['system_log\x1f5\x1f20\x1fl', '{"m":"ü"}']]).map((v) => Buffer.from(v));
    expect(parseEntry(Buffer.from('3-0'), raw)).toEqual(parseEntry('3-0', fields('0-0', [['system_log\x1f5\x1f20\x1fl', '{"m":"ü"}']])));
  });

  it('refuses an entry without the fields the append script writes, or whose lengths and ids do not add up', () => {
    const ok: Array<[string, string]> = [['system_log\x1f5\x1f20\x1fl', '{}']];
    expect(parseEntry('1-0', ['foo', 'bar'])).toBeUndefined();
    expect(parseEntry('1-0', fields('0-0', [['other\x1f5\x1f20\x1fl', '{}']]))).toBeUndefined();
    expect(parseEntry('1-0', fields('0-0', [['system_log\x1fx\x1f20\x1fl', '{}']]))).toBeUndefined();
    expect(parseEntry('1-0', fields('0-0', [['system_log\x1f5\x1f20', '{}']]))).toBeUndefined(); // no logger part
    expect(parseEntry('1-0', fields('0-0', [...ok, ...ok]))).toBeUndefined(); // two records cannot end at sequence 0
    const short = fields('0-0', ok);
    short[9] = '{}';
    expect(parseEntry('1-0', short)).toBeUndefined();
    expect(parseEntry('1-0', ['x', 'unknown', ...fields('0-0', ok), 'zz', 'after'])).toHaveLength(1);
  });

  it('leaves out the records at or before a read position inside the entry', () => {
    const records = parseEntry(
      '7-4',
      fields(
        '0-0',
        Array.from({ length: 5 }, (): [string, string] => ['system_log\x1f5\x1f20\x1fl', '{}']),
      ),
    )!;
    expect(ids(records)).toEqual(['7-0', '7-1', '7-2', '7-3', '7-4']);
    expect(ids(recordsAfter(records, '7-2'))).toEqual(['7-3', '7-4']);
    expect(ids(recordsAfter(records, '6-9'))).toEqual(ids(records));
    expect(ids(recordsAfter(records, null))).toEqual(ids(records));
  });
});
