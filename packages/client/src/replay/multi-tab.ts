/**
 * One socket for all tabs of a dashboard: the tab holding a Web Lock named after the stream is the
 * leader (the only one with a socket, the only writer); the others follow.
 *
 * ## Contract with the stream client
 *
 * ```ts
 * const tabs = new TabCoordinator(buffer, stream);
 * tabs.on('role', async (role) => {
 *   if (role === 'leader') client.connect({ cursor: await buffer.cursor(stream) }); // resume from storage
 *   else client.disconnect();                                                       // a follower has no socket
 * });
 * tabs.on('entries', (entries) => render(entries)); // followers: what the leader stored, in order, each once
 * tabs.start(lastPaintedPosition);                  // position of the last entry painted from buffer.load()
 * // the leader's client appends every received batch to `buffer` as usual; the coordinator
 * // broadcasts each commit to the followers.
 * ```
 *
 * - A follower renders the leader's commits from a BroadcastChannel. When a broadcast does not
 *   continue from what it has shown (it was busy, or just started), it reads the missing range
 *   from IndexedDB: storage is the source of truth, the broadcast an optimisation.
 * - Handover: when the leader tab closes or crashes, the browser releases its lock and the next tab
 *   in the lock's queue becomes leader. It first reads from storage everything committed after what
 *   it has shown (emitted as `entries`), then emits `role: 'leader'`; resuming from the stored
 *   cursor then neither loses nor repeats anything (what the old leader received but had not
 *   committed, the server sends again).
 * - A leader gives the lock up on `freeze` and `pagehide` (a frozen tab must not hold the socket for
 *   everyone) and asks again on `resume` / `pageshow`. A tab that led and follows again may be
 *   handed entries it already showed from its own socket: dedupe by id, as the client does.
 * - Tested in Chromium: closing or freezing the leader hands over in well under a second.
 * - Without Web Locks or BroadcastChannel, or when the buffer is in memory (other tabs could not
 *   read it), the coordinator is `solo`: this tab leads at once and acts on its own. Several solo
 *   tabs writing one IndexedDB stream stay correct, because every write reads and updates the
 *   stream's state inside its transaction.
 * - Alerts: the leader shares the server's alerts (`shareAlerts`: the whole set after each
 *   `welcome` and when a follower starts following, then each alert that changes); a follower's
 *   `alertAction` goes to the leader, which sends it on its socket and answers the requesting tab
 *   with the server's refusal or success. A handover leaves every tab right: the new leader's
 *   `welcome` replaces the set everywhere. A command no leader could send (posted while no tab
 *   led, or reaching a leader not connected yet) is sent by the leader after its next `welcome`,
 *   once: every tab keeps the unanswered ones until an answer is posted.
 * - Every channel message is checked before use (any script of the origin can post to the
 *   channel): one that is not valid is dropped and reported as `rejected`, and changes nothing.
 */
import { createNanoEvents, type Unsubscribe } from 'nanoevents';
import type { AlertInfo } from '@logwire/protocol';
import { MAX_ALERTS } from '../alerts.js';
import { comparePositions } from './core.js';
import { type AlertCommand, ANSWER_TIMEOUT_MS, type ChannelMessage, check, MAX_WAITING } from './tab-messages.js';
import type { CommittedBatch, Position, ReplayBuffer, StoredEntry } from './types.js';
import { Persistence } from './types.js';

/** The roles of a tab. */
export const TabRole = {
  /** Holds the lock: opens the socket and writes the buffer. */
  Leader: 'leader',
  /** Renders what the leader stores; no socket. */
  Follower: 'follower',
} as const;

/** One of the tab roles. */
export type TabRole = (typeof TabRole)[keyof typeof TabRole];

/** Events of {@link TabCoordinator}. */
export interface TabCoordinatorEvents {
  /** This tab's role changed: a leader connects (from `buffer.cursor(stream)`), a follower disconnects. */
  role: (role: TabRole) => void;
  /** Follower: entries the leader committed, oldest first, each exactly once. */
  entries: (entries: StoredEntry[]) => void;
  /** The buffer was cleared (`clear()` here or in another tab): drop what is shown. */
  cleared: () => void;
  /** Follower: the leader's alerts, the whole set (as in a `welcome`), and whether its connection may act on them. */
  alerts: (alerts: AlertInfo[], may: boolean | undefined) => void;
  /** Follower: one of the leader's alerts changed. */
  alert: (alert: AlertInfo) => void;
  /**
   * Leader: a tab asks to acknowledge or silence an alert. Send it on the socket, then call
   * `answer` with the server's refusal, or with nothing once the server did it. Not connected:
   * do nothing; it is emitted again after the next `shareAlerts` of the whole set (a `welcome`).
   */
  alertAction: (command: AlertCommand, answer: (refusal?: string) => void) => void;
  /** A channel message was not valid (another script of the origin can post to the channel) and was ignored. */
  rejected: (reason: string) => void;
}

/** Options of {@link TabCoordinator}. */
export interface TabCoordinatorOptions {
  /** Name of the Web Lock and the BroadcastChannel. @default `logwire:${stream}` */
  name?: string;
  /** Most entries a follower reads from storage per catch-up read. @default 5000 */
  catchUpLimit?: number;
  /** The Web Locks manager; `null` acts as if the browser had none. @default navigator.locks */
  locks?: LockManager | null;
  /** The BroadcastChannel constructor; `null` acts as if the browser had none. @default globalThis.BroadcastChannel */
  BroadcastChannel?: typeof BroadcastChannel | null;
}

/** Elects one leader tab per stream (Web Locks) and feeds the other tabs (BroadcastChannel + storage). */
export class TabCoordinator {
  /** `'shared'`: tabs coordinate; `'solo'`: this tab acts alone (see the module notes). */
  readonly mode: 'shared' | 'solo';
  readonly #buffer: ReplayBuffer;
  readonly #stream: string;
  readonly #name: string;
  readonly #catchUpLimit: number;
  readonly #locks: LockManager | undefined;
  readonly #events = createNanoEvents<TabCoordinatorEvents>();
  #channel: BroadcastChannel | undefined;
  #role: TabRole | undefined;
  #position: Position | null = null;
  #work: Promise<void> = Promise.resolve();
  #release: (() => void) | undefined;
  #abort: AbortController | undefined;
  #started = false;
  #closed = false;
  #suspended = false;
  #offBuffer: Unsubscribe[] = [];
  #listeners: Array<[EventTarget, string, () => void]> = [];
  /** Leader: the alert set as last shared (sent again to a tab that starts following). */
  #shared: Extract<ChannelMessage, { t: 'alerts' }> | undefined;
  /** Follower: requests sent to the leader, by id, with what settles them. */
  readonly #waiting = new Map<string, (refusal?: string) => void>();
  #requests = 0;
  /**
   * Requests posted on the channel (this tab's and the others') that no leader has answered yet, by
   * id: those posted while no tab led, or taken by a leader not connected yet (it sends nothing
   * then), or by one that left before sending them. A leader takes them all again after each
   * `welcome` (see `shareAlerts`); the server's answer (or refusal) removes them in every tab.
   */
  readonly #unanswered = new Map<string, ChannelMessage>();

  constructor(buffer: ReplayBuffer, stream: string, options: TabCoordinatorOptions = {}) {
    this.#buffer = buffer;
    this.#stream = stream;
    this.#name = options.name ?? `logwire:${stream}`;
    this.#catchUpLimit = Math.max(1, options.catchUpLimit ?? 5000);
    const locks =
      options.locks === undefined ? (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks : (options.locks ?? undefined);
    const Channel =
      options.BroadcastChannel === undefined
        ? (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel
        : (options.BroadcastChannel ?? undefined);
    const shared = locks !== undefined && Channel !== undefined && buffer.persistence === Persistence.IndexedDB;
    this.mode = shared ? 'shared' : 'solo';
    this.#locks = shared ? locks : undefined;
    if (shared) {
      this.#channel = new Channel(this.#name);
      this.#channel.onmessage = (event: MessageEvent<unknown>) => this.#onMessage(event.data);
      // A message that could not be deserialised (e.g. a SharedArrayBuffer from another agent cluster).
      this.#channel.onmessageerror = () => this.#events.emit('rejected', 'a message could not be read');
    }
  }

  /** This tab's role; `undefined` before `start()` decided it. */
  get role(): TabRole | undefined {
    return this.#role;
  }

  /** Whether this tab holds the socket. */
  get isLeader(): boolean {
    return this.#role === TabRole.Leader;
  }

  /** Position of the newest entry this tab has shown (painted, rendered from the leader, or stored as leader). */
  get position(): Position | null {
    return this.#position;
  }

  /** Subscribes to an event; returns the function that unsubscribes. Subscribe before `start()`. */
  on<E extends keyof TabCoordinatorEvents>(event: E, callback: TabCoordinatorEvents[E]): Unsubscribe {
    return this.#events.on(event, callback);
  }

  /** Starts taking part: `shown` is the position of the last entry painted from `buffer.load()` (or `null`). */
  start(shown: Position | null = null): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    this.#position = shown;
    this.#offBuffer = [
      this.#buffer.on('commit', (batch) => this.#onOwnCommit(batch)),
      this.#buffer.on('reset', (reason) => this.#onOwnReset(reason)),
    ];
    if (this.mode === 'solo') {
      this.#setRole(TabRole.Leader);
      return;
    }
    this.#listen(globalThis, 'pagehide', () => this.#suspend());
    this.#listen(globalThis, 'pageshow', () => this.#unsuspend());
    const doc = (globalThis as { document?: Document }).document;
    if (doc !== undefined) {
      this.#listen(doc, 'freeze', () => this.#suspend());
      this.#listen(doc, 'resume', () => this.#unsuspend());
    }
    this.#acquire();
  }

  /**
   * Leader: shares the server's alerts with the followers: the whole set and whether this
   * connection may act (after a `welcome`), or only `changed`, the alert that changed.
   */
  shareAlerts(alerts: AlertInfo[], may: boolean | undefined, changed?: AlertInfo): void {
    this.#shared = { t: 'alerts', alerts: alerts.slice(0, MAX_ALERTS), may };
    if (!this.isLeader) return;
    this.#post(changed === undefined ? this.#shared : { t: 'alert', alert: changed });
    // Welcomed: this tab's connection takes every request no leader has answered (see #unanswered).
    if (changed === undefined) for (const act of [...this.#unanswered.values()]) this.#onMessage(act);
  }

  /**
   * Asks the leader tab (this one when it leads, or the next one to lead) to send `command` on its
   * socket (`alertAction`). Resolves with the server's refusal (or why no answer came), or with
   * `undefined` once the server did it.
   */
  requestAlertAction(command: AlertCommand): Promise<string | undefined> {
    if (this.#waiting.size >= MAX_WAITING) return Promise.resolve('too many requests are waiting for an answer');
    const id = `${Math.random().toString(36).slice(2)}-${++this.#requests}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle('the tab holding the stream did not answer; try again'), ANSWER_TIMEOUT_MS);
      const settle = (refusal?: string): void => {
        clearTimeout(timer);
        this.#waiting.delete(id);
        resolve(refusal);
      };
      const act: ChannelMessage = { t: 'act', id, command };
      this.#waiting.set(id, settle);
      this.#post(act);
      // Taken here when this tab leads; else kept until a leader answers (see #unanswered).
      this.#onMessage(act);
    });
  }

  /** Clears the buffer (see `ReplayBuffer.clear()`); this and every other tab emit `cleared`. */
  clear(): Promise<void> {
    return this.#buffer.clear();
  }

  /** Stops taking part: gives up the lock (another tab takes over) and closes the channel. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#offBuffer) off();
    for (const [target, type, listener] of this.#listeners) target.removeEventListener(type, listener);
    this.#listeners = [];
    this.#giveUp();
    for (const settle of [...this.#waiting.values()]) settle('the tab was closed');
    this.#channel?.close();
    this.#channel = undefined;
  }

  #post(message: ChannelMessage): void {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // Not cloneable (a hostile value in an alert): the followers keep what they have.
    }
  }

  #listen(target: EventTarget, type: string, listener: () => void): void {
    target.addEventListener(type, listener);
    this.#listeners.push([target, type, listener]);
  }

  #acquire(): void {
    const locks = this.#locks!;
    // Ask without queuing first, so that a tab learns at once whether it follows.
    locks
      .request(this.#name, { ifAvailable: true }, async (lock) => {
        if (lock === null) {
          this.#setRole(TabRole.Follower);
          this.#queue();
          return;
        }
        await this.#lead();
      })
      .catch(() => undefined);
  }

  #queue(): void {
    if (this.#closed || this.#suspended) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#locks!.request(this.#name, { signal: abort.signal }, () => this.#lead()).catch(() => undefined);
  }

  async #lead(): Promise<void> {
    if (this.#closed || this.#suspended) return;
    // Whatever the previous leader committed and we did not render yet, from storage, before we
    // resume from the stored cursor.
    await this.#serial(() => this.#catchUp());
    if (this.#closed || this.#suspended) return;
    const held = new Promise<void>((resolve) => (this.#release = resolve));
    this.#setRole(TabRole.Leader);
    await held;
  }

  #giveUp(): void {
    this.#abort?.abort();
    this.#abort = undefined;
    const release = this.#release;
    this.#release = undefined;
    if (release !== undefined) {
      // No flush here: a page about to be frozen must not leave a transaction open (it would
      // block the next leader's reads). What was not committed, the next leader fetches again.
      release();
      if (!this.#closed) this.#setRole(TabRole.Follower);
    }
  }

  #suspend(): void {
    if (this.#suspended || this.#closed) return;
    this.#suspended = true;
    this.#giveUp();
  }

  #unsuspend(): void {
    if (!this.#suspended || this.#closed) return;
    this.#suspended = false;
    this.#acquire();
  }

  #setRole(role: TabRole): void {
    if (this.#role === role) return;
    this.#role = role;
    // As a follower, ask the leader for its alerts.
    if (role === TabRole.Follower) {
      this.#shared = undefined;
      this.#post({ t: 'ask' });
    }
    this.#events.emit('role', role);
  }

  #onOwnCommit(batch: CommittedBatch): void {
    if (batch.stream !== this.#stream || !this.isLeader) return;
    const last = batch.entries.at(-1);
    if (last !== undefined && comparePositions(last.position, this.#position) > 0) this.#position = last.position;
    this.#post({ t: 'commit', batch });
  }

  #onOwnReset(reason: 'clear' | 'quota'): void {
    this.#post({ t: 'reset', reason });
    this.#onReset(reason);
  }

  #onReset(reason: 'clear' | 'quota'): void {
    // Positions start afresh in an emptied store; ours would hide everything new.
    this.#position = null;
    if (reason === 'clear') this.#events.emit('cleared');
  }

  #onMessage(data: unknown): void {
    if (this.#closed) return;
    const message = check(data);
    if (typeof message === 'string') {
      this.#events.emit('rejected', message);
      return;
    }
    const follower = this.#role === TabRole.Follower;
    switch (message.t) {
      case 'reset':
        this.#onReset(message.reason);
        return;
      case 'ask':
        if (this.isLeader && this.#shared !== undefined) this.#post(this.#shared);
        return;
      case 'alerts':
        if (follower) this.#events.emit('alerts', message.alerts, message.may);
        return;
      case 'alert':
        if (follower) this.#events.emit('alert', message.alert);
        return;
      case 'act': {
        const id = message.id;
        // Bounded: any script of the origin can post requests.
        if (this.#unanswered.size >= 2 * MAX_WAITING) this.#unanswered.clear();
        this.#unanswered.set(id, message);
        if (!this.isLeader) return;
        // An answer given twice is posted twice: no tab waits on the id the second time.
        this.#events.emit('alertAction', message.command, (refusal) => {
          const acted: ChannelMessage = refusal === undefined ? { t: 'acted', id } : { t: 'acted', id, refusal };
          this.#post(acted);
          // As the other tabs do (the channel does not deliver to its sender): this tab's own request is settled.
          this.#onMessage(acted);
        });
        return;
      }
      case 'acted':
        this.#unanswered.delete(message.id);
        this.#waiting.get(message.id)?.(message.refusal);
        return;
      case 'commit':
        this.#onCommit(message.batch);
    }
  }

  #onCommit(batch: CommittedBatch): void {
    if (batch.stream !== this.#stream || !this.#started || this.isLeader) return;
    void this.#serial(async () => {
      if (this.isLeader) return;
      const last = batch.entries.at(-1);
      if (last === undefined || comparePositions(last.position, this.#position) <= 0) return;
      if (comparePositions(batch.after, this.#position) <= 0) {
        this.#show(batch.entries.filter((entry) => comparePositions(entry.position, this.#position) > 0));
      } else {
        // Something was committed that we never saw broadcast: storage has it.
        await this.#catchUp();
      }
    });
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const page = await this.#buffer.readAfter(this.#stream, this.#position, this.#catchUpLimit);
      if (page.length === 0 || this.#closed) return;
      this.#show(page);
      if (page.length < this.#catchUpLimit) return;
    }
  }

  #show(entries: StoredEntry[]): void {
    if (entries.length === 0) return;
    this.#position = entries.at(-1)!.position;
    this.#events.emit('entries', entries);
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const next = this.#work.then(task).catch(() => undefined);
    this.#work = next;
    return next;
  }
}
