import { expect } from 'chai';
import { deleteDB, openDB } from 'idb';
import type { GapMessage, LogMessage } from '@logwire/protocol';
import { openReplayBuffer, type ReplayBuffer, type StoredEntry, streamKey, TabCoordinator, type TabRole } from '@logwire/client';
import { until } from '../../../test/helpers/wait.js';

const stream = streamKey('ws://127.0.0.1:1/ws/logs', '');
const opened: ReplayBuffer[] = [];
let names: string[] = [];

function dbName(): string {
  const name = `replay-test-${Math.random().toString(36).slice(2)}`;
  names.push(name);
  return name;
}

async function open(name: string, options: Parameters<typeof openReplayBuffer>[0] = {}): Promise<ReplayBuffer> {
  const buffer = await openReplayBuffer({ name, ...options });
  opened.push(buffer);
  return buffer;
}

function message(n: number): LogMessage {
  return {
    type: 'system_log',
    id: `${1000 + n}-0`,
    data: {
      timestamp: '2026-01-01T00:00:00.000Z',
      level: 'INFO',
      logger: 'test',
      message: `m${String(n).padStart(5, '0')}`,
      module: '',
      function: '',
      line: 0,
    },
  };
}

function batch(from: number, count: number, epoch = 'e1') {
  return { entries: Array.from({ length: count }, (_, i) => message(from + i)), cursor: { epoch, id: `${1000 + from + count - 1}-0` } };
}

function ids(entries: StoredEntry[]): string[] {
  return entries.map((entry) => (entry.message.type === 'gap' ? `gap:${entry.message.data.reason}` : entry.message.id!));
}

function range(from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${1000 + from + i}-0`);
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((buffer) => buffer.close()));
  await Promise.all(names.map((name) => deleteDB(name)));
  names = [];
});

describe('IndexedDB replay buffer', () => {
  it('writes many messages per transaction, each transaction putting the entries and the cursor together', async () => {
    const transaction = IDBDatabase.prototype.transaction;
    const put = IDBObjectStore.prototype.put;
    const stores = new Map<IDBTransaction, Set<string>>();
    IDBDatabase.prototype.transaction = function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = transaction.apply(this, args);
      if (tx.mode === 'readwrite') stores.set(tx, new Set());
      return tx;
    } as IDBDatabase['transaction'];
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      stores.get(this.transaction)?.add(this.name);
      return put.apply(this, args);
    };
    try {
      const buffer = await open(dbName());
      expect(buffer.persistence).to.equal('indexeddb');
      stores.clear(); // the open probe
      const appends = [];
      for (let n = 0; n < 5000; n += 50) appends.push(buffer.append(stream, batch(n, 50)));
      await Promise.all(appends);
      const writes = [...stores.values()].filter((touched) => touched.size > 0);
      // 5,000 messages in batches of 500: ten transactions, every one with entries and cursor.
      expect(writes.length).to.equal(10);
      for (const touched of writes) expect([...touched].sort()).to.deep.equal(['entries', 'streams']);
    } finally {
      IDBDatabase.prototype.transaction = transaction;
      IDBObjectStore.prototype.put = put;
    }
  });

  it('reads back the newest N and the cursor from a new connection, with no loss and no duplicates', async () => {
    const name = dbName();
    const writer = await open(name);
    for (let n = 0; n < 5000; n += 50) void writer.append(stream, batch(n, 50));
    // A resume that overlaps: the server sends 4,990–5,009 again from an older cursor.
    void writer.append(stream, batch(4990, 20));
    await writer.flush();
    await writer.close();

    const reader = await open(name);
    const snapshot = await reader.load(stream);
    expect(snapshot.cursor).to.deep.equal({ epoch: 'e1', id: '6009-0' });
    expect(ids(snapshot.entries)).to.deep.equal(range(4010, 5010));
    expect(ids((await reader.load(stream, { limit: 10_000 })).entries)).to.deep.equal(range(0, 5010));
    expect(ids((await reader.load(stream, { limit: 1 })).entries)).to.deep.equal(['6009-0']);
    expect((await reader.load(stream, { limit: 0 })).entries).to.deep.equal([]);
    expect(ids(await reader.readAfter(stream, [0, 6005, 0, 0]))).to.deep.equal(range(5006, 5010));
    expect(await reader.cursor(stream)).to.deep.equal({ epoch: 'e1', id: '6009-0' });
  });

  it('stores gap markers in order so that a new connection still shows them', async () => {
    const name = dbName();
    const writer = await open(name);
    const gap: GapMessage = { type: 'gap', data: { from: '1001-0', to: '1004-0', reason: 'trimmed', count: 3 } };
    void writer.append(stream, batch(0, 2));
    void writer.append(stream, { entries: [gap, message(5)], cursor: { epoch: 'e1', id: '1005-0' } });
    void writer.append(stream, {
      entries: [{ type: 'gap', data: { from: '1005-0', to: null, reason: 'epoch' } }],
      cursor: { epoch: 'e1', id: '1005-0' },
    });
    void writer.append(stream, { entries: [{ ...message(0), id: '20-0' }], cursor: { epoch: 'e2', id: '20-0' } });
    await writer.close();
    const reader = await open(name);
    const { cursor, entries } = await reader.load(stream);
    expect(ids(entries)).to.deep.equal(['1000-0', '1001-0', 'gap:trimmed', '1005-0', 'gap:epoch', '20-0']);
    expect(entries[2]!.message).to.deep.equal(gap);
    expect(cursor).to.deep.equal({ epoch: 'e2', id: '20-0' });
  });

  it('caps a stream by count and by bytes, evicting the oldest', async () => {
    const byCount = await open(dbName(), { maxEntries: 1000 });
    for (let n = 0; n < 1500; n += 100) void byCount.append(stream, batch(n, 100));
    await byCount.flush();
    expect(ids((await byCount.load(stream, { limit: 5000 })).entries)).to.deep.equal(range(600, 1500));

    const size = JSON.stringify(message(0)).length;
    const byBytes = await open(dbName(), { maxBytes: size * 100 });
    for (let n = 0; n < 300; n += 10) void byBytes.append(stream, batch(n, 10));
    await byBytes.flush();
    const kept = ids((await byBytes.load(stream, { limit: 5000 })).entries);
    expect(kept.length).to.be.within(90, 100);
    expect(kept).to.deep.equal(range(300 - kept.length, 300));
  });

  it('clear() removes every stream and cursor, with no connection involved', async () => {
    const name = dbName();
    const buffer = await open(name);
    const other = streamKey('ws://127.0.0.1:2/ws/logs', 'audit');
    void buffer.append(stream, batch(0, 10));
    void buffer.append(other, batch(0, 10));
    await buffer.flush();
    await buffer.clear();
    const fresh = await open(name);
    expect(await fresh.load(stream)).to.deep.equal({ cursor: null, entries: [] });
    expect(await fresh.load(other)).to.deep.equal({ cursor: null, entries: [] });
    const db = await openDB(name);
    expect(await db.count('entries')).to.equal(0);
    expect(await db.count('streams')).to.equal(0);
    db.close();
  });

  it('purgeAudit() removes the audit entries of all streams in one transaction; messages, gaps, cursors stay, counts stay true', async () => {
    const name = dbName();
    const buffer = await open(name, { maxEntries: 4 });
    const admin = streamKey('ws://127.0.0.1:1/ws/logs', '', 'admin');
    const audit = (n: number): LogMessage => {
      const data = { timestamp: 't', level: 'INFO', logger: 'test', message: `a${n}`, action: 'read' };
      return { type: 'audit_log', id: `${1000 + n}-0`, data };
    };
    const gap: GapMessage = { type: 'gap', data: { from: '1001-0', to: '1003-0', reason: 'trimmed' } };
    void buffer.append(stream, { entries: [message(0), audit(1), gap, audit(4)], cursor: { epoch: 'e1', id: '1004-0' } });
    void buffer.append(admin, { entries: [audit(5)], cursor: { epoch: 'e1', id: '1005-0' } });
    await buffer.purgeAudit();
    const fresh = await open(name, { maxEntries: 4 });
    expect(ids((await fresh.load(stream)).entries)).to.deep.equal(['1000-0', 'gap:trimmed']);
    expect(await fresh.load(admin)).to.deep.equal({ cursor: { epoch: 'e1', id: '1005-0' }, entries: [] });
    // The counts went down with the purge: two more entries fit under the cap of 4.
    void fresh.append(stream, { entries: [message(6), message(7)], cursor: { epoch: 'e1', id: '1007-0' } });
    await fresh.flush();
    expect(ids((await fresh.load(stream)).entries)).to.deep.equal(['1000-0', 'gap:trimmed', '1006-0', '1007-0']);
  });

  it('falls back to memory with the same API when the database cannot be opened', async () => {
    const name = dbName();
    // A newer version of the database exists (another app version): opening ours fails.
    (await openDB(name, 7)).close();
    const buffer = await open(name);
    expect(buffer.persistence).to.equal('memory');
    expect(buffer.unavailableReason).to.match(/^IndexedDB could not be opened or written \(VersionError: /);
    await buffer.append(stream, batch(0, 3));
    expect(ids((await buffer.load(stream)).entries)).to.deep.equal(range(0, 3));
  });

  it('falls back to memory when the database opens but cannot be written', async () => {
    const name = dbName();
    // Version 1 without our stores: open succeeds, the probe write does not.
    (await openDB(name, 1)).close();
    const buffer = await open(name);
    expect(buffer.persistence).to.equal('memory');
    expect(buffer.unavailableReason).to.match(/NotFoundError/);
  });

  it('falls back to memory when opening is blocked beyond the timeout', async () => {
    const name = dbName();
    // An old connection that ignores versionchange blocks our upgrade to version 1... which only
    // happens from version 0, so hold the request's upgrade open instead: a never-ending upgrade.
    const request = indexedDB.open(name, 1);
    await new Promise<void>((resolve) => {
      request.onupgradeneeded = () => {
        const tx = request.transaction!;
        // Keep the versionchange transaction busy until the test ends.
        const spin = () => {
          if (names.includes(name)) tx.objectStore(tx.db.createObjectStore(`s${Math.random()}`).name).get(0).onsuccess = spin;
        };
        spin();
        resolve();
      };
    });
    const buffer = await open(name, { openTimeout: 200 });
    expect(buffer.persistence).to.equal('memory');
    expect(buffer.unavailableReason).to.match(/took longer than 200 ms/);
    names = names.filter((n) => n !== name);
    request.transaction?.abort();
  });
});

describe('tab coordinator in one page (two connections)', () => {
  it('makes one coordinator leader and feeds the other from broadcasts; closing the leader hands over with every id once', async () => {
    const name = dbName();
    const channelName = `tabs-${name}`;
    const a = await open(name, { flushDelay: 5 });
    const b = await open(name, { flushDelay: 5 });
    const leader = new TabCoordinator(a, stream, { name: channelName });
    const roles: TabRole[] = [];
    leader.on('role', (role) => roles.push(role));
    leader.start(null);
    await until(() => leader.isLeader);

    await a.append(stream, batch(0, 10));
    const follower = new TabCoordinator(b, stream, { name: channelName });
    const loaded = await b.load(stream);
    const shown = ids(loaded.entries);
    const followerRoles: TabRole[] = [];
    follower.on('role', (role) => followerRoles.push(role));
    follower.on('entries', (entries) => shown.push(...ids(entries)));
    follower.start(loaded.entries.at(-1)?.position ?? null);
    await until(() => follower.role === 'follower');

    for (let n = 10; n < 100; n += 10) await a.append(stream, batch(n, 10));
    await until(() => shown.length === 100);
    expect(shown).to.deep.equal(range(0, 100));

    leader.close();
    await until(() => follower.isLeader, 'the follower to lead within a second of the leader closing', 1000);
    expect(followerRoles).to.deep.equal(['follower', 'leader']);
    expect(roles).to.deep.equal(['leader']);
    // The new leader resumes from the stored cursor.
    expect(await b.cursor(stream)).to.deep.equal({ epoch: 'e1', id: '1099-0' });
    follower.close();
  });

  it('lets a follower that missed broadcasts read the range from storage', async () => {
    const name = dbName();
    const channelName = `tabs-${name}`;
    const a = await open(name, { flushDelay: 5 });
    const b = await open(name, { flushDelay: 5 });
    const leader = new TabCoordinator(a, stream, { name: channelName });
    leader.start(null);
    await until(() => leader.isLeader);
    const follower = new TabCoordinator(b, stream, { name: channelName });
    const shown: string[] = [];
    follower.on('entries', (entries) => shown.push(...ids(entries)));
    follower.start(null);
    await until(() => follower.role === 'follower');
    // Written behind the coordinator's back (no broadcast), then one broadcast batch.
    await b.append(stream, batch(0, 30));
    await a.append(stream, batch(30, 5));
    await until(() => shown.length === 35);
    expect(shown).to.deep.equal(range(0, 35));
    leader.close();
    follower.close();
  });

  it("relays the leader's alerts to a follower, its alert commands to the leader and the answer back; what a leader left unanswered, the next one sends once welcomed", async () => {
    const name = dbName();
    const channelName = `tabs-${name}`;
    const a = await open(name, { flushDelay: 5 });
    const b = await open(name, { flushDelay: 5 });
    const alert = { name: 'errors', status: 'firing', condition: 'more than 2', value: 3, since: '2026-01-01T00:00:00.000Z' };
    const leader = new TabCoordinator(a, stream, { name: channelName });
    const commands: unknown[] = [];
    const off = leader.on('alertAction', (command, answer) => {
      commands.push(command);
      answer(command.action === 'ack' ? undefined : 'the server refused a message: forbidden: no');
    });
    leader.start(null);
    await until(() => leader.isLeader);
    leader.shareAlerts([alert], true);

    const follower = new TabCoordinator(b, stream, { name: channelName });
    const sets: unknown[] = [];
    const changes: unknown[] = [];
    const rejected: string[] = [];
    follower.on('alerts', (alerts, may) => sets.push([alerts, may]));
    follower.on('alert', (changed) => changes.push(changed));
    follower.on('rejected', (reason) => rejected.push(reason));
    follower.start(null);
    // A tab that starts following asks; the leader answers with the whole set.
    await until(() => sets.length === 1);
    expect(sets).to.deep.equal([[[alert], true]]);
    const acked = { ...alert, acknowledgedBy: 'ops' };
    leader.shareAlerts([acked], true, acked);
    await until(() => changes.length === 1);
    expect(changes).to.deep.equal([acked]);

    expect(await follower.requestAlertAction({ name: 'errors', action: 'ack' })).to.equal(undefined);
    expect(await follower.requestAlertAction({ name: 'errors', action: 'silence', durationMs: 60_000 })).to.equal(
      'the server refused a message: forbidden: no',
    );
    expect(commands).to.deep.equal([
      { name: 'errors', action: 'ack' },
      { name: 'errors', action: 'silence', durationMs: 60_000 },
    ]);
    // A leader's own request goes to its own socket; a commit that is not one is rejected and shows nothing.
    expect(await leader.requestAlertAction({ name: 'errors', action: 'ack' })).to.equal(undefined);
    expect(commands).to.have.length(3);
    const forger = new BroadcastChannel(channelName);
    forger.postMessage({
      t: 'commit',
      batch: { stream, after: null, cursor: null, entries: [{ position: [0, 1, 0, 0], message: { type: 'x' } }] },
    });
    forger.close();
    await until(() => rejected.length === 1);
    expect(rejected).to.deep.equal(['commit: not a committed batch']);
    expect(follower.position).to.equal(null);

    // A request the leader never answers: this tab sends it once it leads and its connection is
    // welcomed (it shares the whole alert set then), and it is answered.
    off();
    const taken: unknown[] = [];
    follower.on('alertAction', (command, answer) => {
      taken.push(command);
      answer();
    });
    const pending = follower.requestAlertAction({ name: 'errors', action: 'ack' });
    leader.close();
    await until(() => follower.isLeader);
    expect(taken).to.deep.equal([]);
    follower.shareAlerts([acked], true);
    expect(await pending).to.equal(undefined);
    expect(taken).to.deep.equal([{ name: 'errors', action: 'ack' }]);
    // Answered: a later welcome does not send it again.
    follower.shareAlerts([acked], true);
    expect(taken).to.have.length(1);
    follower.close();
  });

  it('clear() through the coordinator makes every tab drop its position', async () => {
    const name = dbName();
    const channelName = `tabs-${name}`;
    const a = await open(name, { flushDelay: 5 });
    const b = await open(name, { flushDelay: 5 });
    const leader = new TabCoordinator(a, stream, { name: channelName });
    leader.start(null);
    await until(() => leader.isLeader);
    const follower = new TabCoordinator(b, stream, { name: channelName });
    let cleared = 0;
    follower.on('cleared', () => cleared++);
    follower.start(null);
    await a.append(stream, batch(0, 5));
    await until(() => follower.position !== null);
    await leader.clear();
    await until(() => cleared === 1);
    expect(follower.position).to.equal(null);
    expect(await b.load(stream)).to.deep.equal({ cursor: null, entries: [] });
    leader.close();
    follower.close();
  });

  it('without Web Locks every tab leads on its own, and overlapping writes still store every id once', async () => {
    const name = dbName();
    const a = await open(name, { flushDelay: 0 });
    const b = await open(name, { flushDelay: 0 });
    const tabA = new TabCoordinator(a, stream, { locks: null });
    const tabB = new TabCoordinator(b, stream, { locks: null });
    tabA.start(null);
    tabB.start(null);
    expect([tabA.mode, tabB.mode, tabA.role, tabB.role]).to.deep.equal(['solo', 'solo', 'leader', 'leader']);
    // Two sockets deliver the same stream, in different chunkings, interleaved.
    const writes = [];
    for (let n = 0; n < 200; n += 20) {
      writes.push(a.append(stream, batch(n, 20)));
      writes.push(b.append(stream, batch(n, 10)), b.append(stream, batch(n + 10, 10)));
    }
    await Promise.all(writes);
    const { cursor, entries } = await a.load(stream, { limit: 1000 });
    expect(ids(entries)).to.deep.equal(range(0, 200));
    expect(cursor).to.deep.equal({ epoch: 'e1', id: '1199-0' });
    tabA.close();
    tabB.close();
  });

  it('runs solo when the buffer is in memory, since other tabs could not read it', async () => {
    const buffer = await openReplayBuffer({ persistence: 'memory' });
    const tabs = new TabCoordinator(buffer, stream);
    tabs.start(null);
    expect(tabs.mode).to.equal('solo');
    expect(tabs.isLeader).to.equal(true);
    tabs.close();
  });
});

describe('IndexedDB replay buffer under QuotaExceededError', () => {
  it('evicts the oldest half, reopens and retries when a write fails with QuotaExceededError once', async () => {
    const buffer = await open(dbName());
    const warnings: string[] = [];
    buffer.on('warning', (warning) => warnings.push(warning.code));
    for (let n = 0; n < 100; n += 20) void buffer.append(stream, batch(n, 20));
    await buffer.flush();
    // The next write transaction aborts the way a full disk aborts it.
    const put = IDBObjectStore.prototype.put;
    let armed = true;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      const request = put.apply(this, args);
      if (armed && this.name === 'entries') {
        armed = false;
        const tx = this.transaction;
        Object.defineProperty(tx, 'error', { get: () => new DOMException('The quota has been exceeded.', 'QuotaExceededError') });
        tx.abort();
      }
      return request;
    };
    try {
      await buffer.append(stream, batch(100, 10));
      await buffer.flush();
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    expect(armed).to.equal(false);
    expect(warnings).to.deep.equal(['quota_exceeded']);
    expect(buffer.persistence).to.equal('indexeddb');
    const { cursor, entries } = await buffer.load(stream, { limit: 1000 });
    // Half of the 100 stored before were evicted, and the stream is now capped at those 50 entries'
    // bytes: the retried batch of 10 pushes it over, so it is trimmed to 90 % of that (45).
    expect(ids(entries)).to.deep.equal(range(65, 110));
    expect(cursor).to.deep.equal({ epoch: 'e1', id: '1109-0' });
  });
});
