// RowStore without a browser: rows and view, the bounded paused buffer, de-duplication against
// history, eviction to `limit` (twice `limit` while history is read), prepend and counts.
import { describe, expect, it } from 'vitest';
import type { SystemLogMessage } from '@logwire/protocol';
import { type LogRow, RowStore, type RowStoreHooks } from '../src/base/row-store.js';

let clock = Date.parse('2026-01-02T03:04:05.000Z');
function message(text: string, extra: Partial<SystemLogMessage['data']> & { id?: string } = {}): SystemLogMessage {
  clock += 1;
  const { id, ...data } = extra;
  return {
    type: 'system_log',
    ...(id === undefined ? {} : { id }),
    data: {
      timestamp: new Date(clock).toISOString(),
      level: 'INFO',
      logger: 'app',
      message: text,
      module: 'm',
      function: 'f',
      line: 1,
      ...data,
    },
  };
}

interface Panel {
  store: RowStore<SystemLogMessage>;
  state: { reading: boolean; loading: boolean; filter: (row: LogRow<SystemLogMessage>) => boolean; evictions: number; added: string[] };
}

function store(limit?: number): Panel {
  const state: Panel['state'] = { reading: false, loading: false, filter: () => true, evictions: 0, added: [] };
  const hooks: RowStoreHooks<SystemLogMessage> = {
    matches: (row) => state.filter(row),
    readingHistory: () => state.reading,
    loadingHistory: () => state.loading,
    added: (m) => state.added.push(String(m.data.message)),
    evicted: () => state.evictions++,
  };
  const rows = new RowStore(hooks);
  if (limit !== undefined) rows.limit = limit;
  return { store: rows, state };
}

const texts = (rows: RowStore<SystemLogMessage>): string[] => rows.entries().map((m) => String(m.data.message));
const kinds = (rows: RowStore<SystemLogMessage>): string[] =>
  rows.rows.map((row) => (row.kind === 'gap' ? `gap:${row.gap.reason}:${row.gap.count ?? ''}` : String(row.message.data.message)));

describe('RowStore', () => {
  it('moves received entries and gaps into the rows on flush, in order, and counts them', () => {
    const { store: rows, state } = store();
    rows.push(message('a', { level: 'ERROR' }));
    rows.pushGap({ from: '1-0', to: '1-5', reason: 'dropped', count: 5 });
    rows.push(message('b', { level: 'weird' }));
    expect(rows.rows.length).toBe(0);
    expect(rows.hasIncoming).toBe(true);
    expect(rows.flush()).toEqual({ shown: 2, errors: 1 });
    expect(rows.flush()).toBeUndefined();
    expect(kinds(rows)).toEqual(['a', 'gap:dropped:5', 'b']);
    expect(rows.totalLogs).toBe(2);
    expect(rows.viewLogs).toBe(2);
    expect(rows.sawUnknown).toBe(true);
    expect(state.added).toEqual(['a', 'b']);
  });

  it('keeps the view to the rows that pass the filter (gaps always do), and refilters', () => {
    const { store: rows, state } = store();
    state.filter = (row) => row.level === 'ERROR';
    rows.push(message('info'));
    rows.push(message('error', { level: 'ERROR' }));
    rows.pushGap({ from: null, to: null, reason: 'epoch' });
    rows.flush();
    expect(rows.view.map((row) => row.kind)).toEqual(['log', 'gap']);
    expect(rows.filteredEntries().map((m) => m.data.message)).toEqual(['error']);
    expect([rows.viewLogs, rows.totalLogs]).toEqual([1, 2]);
    state.filter = () => true;
    rows.refilter();
    expect(rows.viewLogs).toBe(2);
    expect(rows.indexOfSeq(rows.rows[1]!.seq)).toBe(1);
  });

  it('evicts the oldest rows beyond limit, from the view too', () => {
    const { store: rows, state } = store(3);
    for (let i = 0; i < 5; i++) rows.push(message(`m${i}`));
    rows.flush();
    expect(texts(rows)).toEqual(['m2', 'm3', 'm4']);
    expect(rows.view.length).toBe(3);
    expect(rows.totalLogs).toBe(3);
    expect(state.evictions).toBe(1);
  });

  it('holds at most `limit` while paused: the oldest buffered entries go and one limit gap counts them', () => {
    const { store: rows } = store(1000);
    rows.push(message('before'));
    rows.flush();
    rows.pause();
    for (let batch = 0; batch < 20; batch++) for (let i = 0; i < 10_000; i++) rows.push(message(`during ${batch * 10_000 + i}`));
    // Nothing reaches the rows while paused.
    expect(rows.flush()).toBeUndefined();
    expect(texts(rows)).toEqual(['before']);
    // The marker takes one of the `limit` places.
    expect(rows.bufferedLogs).toBe(999);
    expect(rows.droppedWhilePaused).toBe(199_001);
    expect(rows.resume()).toBe(true);
    expect(rows.bufferedLogs).toBe(0);
    expect(rows.droppedWhilePaused).toBe(0);
    expect(rows.flush()).toEqual({ shown: 999, errors: 0 });
    // The marker sits between the entries shown before the pause and the newest ones; `limit`
    // evicts the oldest, so the marker is the first row.
    expect(rows.rows.length).toBe(1000);
    expect(kinds(rows)[0]).toBe('gap:limit:199001');
    expect(texts(rows)[0]).toBe('during 199001');
    expect(texts(rows).at(-1)).toBe('during 199999');
    const gap = rows.rows[0]!;
    expect(gap.kind === 'gap' && gap.whilePaused).toBe(true);
  });

  it('keeps every buffered entry when the pause holds no more than `limit`, with no marker', () => {
    const { store: rows } = store(10);
    rows.pause();
    for (let i = 0; i < 10; i++) rows.push(message(`p${i}`));
    rows.pushGap({ from: null, to: null, reason: 'trimmed' });
    // 11 rows: the gap made it overflow; the oldest entry goes and the marker takes a place.
    expect(rows.bufferedLogs).toBe(8);
    expect(rows.droppedWhilePaused).toBe(2);
    rows.resume();
    rows.flush();
    expect(kinds(rows)).toEqual(['gap:limit:2', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'gap:trimmed:']);
    const { store: small } = store(10);
    small.pause();
    for (let i = 0; i < 10; i++) small.push(message(`q${i}`));
    expect([small.bufferedLogs, small.droppedWhilePaused]).toEqual([10, 0]);
  });

  it('trims the paused buffer at once when limit shrinks', () => {
    const { store: rows } = store(100);
    rows.pause();
    for (let i = 0; i < 100; i++) rows.push(message(`p${i}`));
    rows.limit = 10;
    expect(rows.bufferedLogs).toBe(9);
    expect(rows.droppedWhilePaused).toBe(91);
  });

  it('resumes in seq order: entries received before the pause and after the resume stay around the buffered ones', () => {
    const { store: rows } = store();
    rows.push(message('first'));
    rows.pause();
    rows.push(message('paused'));
    rows.resume();
    rows.push(message('after'));
    rows.flush();
    expect(texts(rows)).toEqual(['first', 'paused', 'after']);
  });

  it('prepends older messages above the rows, leaves out held ones, and lets the live stream skip them', () => {
    const { store: rows, state } = store();
    rows.push(message('live 3', { id: '1-3' }));
    rows.flush();
    const page = [message('old 1', { id: '1-1' }), message('old 2', { id: '1-2' }), message('live 3', { id: '1-3' })];
    let before = 0;
    expect(rows.prepend(page, false, () => before++)).toEqual([2, 2]);
    expect(before).toBe(1);
    expect(texts(rows)).toEqual(['old 1', 'old 2', 'live 3']);
    expect(rows.historyHeld).toBe(2);
    expect(rows.oldestLog()?.message.id).toBe('1-1');
    // The stream replays what history already showed: not added again.
    expect(rows.push(message('old 2', { id: '1-2' }))).toBe(false);
    // Nothing new: nothing happens.
    expect(rows.prepend(page, false, () => before++)).toEqual([0, 0]);
    expect(before).toBe(1);
    // Without ids, entries are compared by content.
    const same = message('no id');
    rows.push(same);
    rows.flush();
    expect(rows.prepend([{ ...same, data: { ...same.data } }], false)[0]).toBe(0);
    // Disjoint: a limit marker between the page and the rows held.
    state.filter = (row) => row.message.data.message !== 'old 0';
    expect(rows.prepend([message('old 0', { id: '1-0' })], true)).toEqual([1, 0]);
    expect(kinds(rows).slice(0, 2)).toEqual(['old 0', 'gap:limit:']);
  });

  it('keeps loaded history up to twice limit while the user reads it, then returns to limit', () => {
    const { store: rows, state } = store(4);
    rows.prepend([message('h1', { id: '1-1' }), message('h2', { id: '1-2' })], false);
    state.reading = true;
    for (let i = 0; i < 6; i++) rows.push(message(`l${i}`, { id: `2-${i}` }));
    rows.flush();
    expect(rows.cap()).toBe(8);
    expect(texts(rows)).toEqual(['h1', 'h2', 'l0', 'l1', 'l2', 'l3', 'l4', 'l5']);
    state.reading = false;
    rows.evict();
    expect(texts(rows)).toEqual(['l2', 'l3', 'l4', 'l5']);
    expect(rows.historyHeld).toBe(0);
    // Evicted history ids are forgotten: the stream may deliver them again.
    expect(rows.push(message('h1', { id: '1-1' }))).toBe(true);
  });

  it('clears everything and says how many entries that was', () => {
    const { store: rows } = store();
    rows.push(message('a'));
    rows.flush();
    rows.pause();
    rows.push(message('b'));
    expect(rows.clear()).toBe(2);
    expect([rows.rows.length, rows.view.length, rows.totalLogs, rows.viewLogs, rows.bufferedLogs]).toEqual([0, 0, 0, 0, 0]);
  });
});
