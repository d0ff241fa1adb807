// Wires a replay buffer and a tab coordinator into a LogStreamClient. Kept apart from the client
// so that `import { LogStreamClient }` does not load IndexedDB code: only `replay()` does.
import { AlertAction, type AlertInfo, type Cursor, type StreamEntry, type WelcomeData } from '@logwire/protocol';
import type { LogStreamClient } from '../client.js';
import { ClientErrorCode } from '../errors.js';
import { ConnectionState } from '../types.js';
import { DEFAULT_REPLAY_LIMIT, streamKey } from './core.js';
import { TabCoordinator, type TabCoordinatorOptions } from './multi-tab.js';
import type { AlertCommand } from './tab-messages.js';
import { openReplayBuffer } from './replay-buffer.js';
import type { Persistence, ReplayAttachment, ReplayBuffer, ReplayBufferOptions, ReplayHost, ReplaySession, StoredEntry } from './types.js';

/** Options of {@link replay}. */
export interface ReplayOptions extends ReplayBufferOptions {
  /**
   * A buffer to use instead of opening one (e.g. one shared by several clients, or made with
   * `createMemoryReplayBuffer()`); the client then does not close it. The buffer options are ignored.
   */
  buffer?: ReplayBuffer;
  /** Newest stored entries emitted on start, before the socket opens. @default 1000 */
  limit?: number;
  /**
   * Who the entries are received for: the logged-in user's id (any non-empty string the app knows
   * before connecting). Stored entries, the cursor and the tab sharing are kept apart per
   * principal, so a later user of the same browser is never shown what an earlier one received.
   * Without it, every user of the browser shares one store. @default one store for everyone
   */
  principal?: string;
  /**
   * Share one socket among the tabs of an origin (Web Locks + BroadcastChannel); `false`: every
   * tab connects on its own. @default true
   */
  tabs?: boolean | TabCoordinatorOptions;
}

/**
 * A replay buffer for a {@link LogStreamClient}: `new LogStreamClient(url, { replay: replay() })`.
 * Every received batch is stored with the cursor after it; on start the client emits the newest
 * `limit` stored entries and resumes from the stored cursor. One attachment per client.
 */
export function replay(options: ReplayOptions = {}): ReplayAttachment {
  const { buffer, limit = DEFAULT_REPLAY_LIMIT, tabs = true, principal, ...bufferOptions } = options;
  if (!Number.isInteger(limit) || limit < 0) throw new TypeError(`replay option limit must be an integer >= 0, got ${String(limit)}`);
  if (principal !== undefined && (typeof principal !== 'string' || principal === '')) {
    throw new TypeError(`replay option principal must be a non-empty string (the logged-in user's id), got ${JSON.stringify(principal)}`);
  }
  return {
    attach: (host, client) => {
      const opening = buffer === undefined ? openReplayBuffer(bufferOptions) : Promise.resolve(buffer);
      const session = new Session(host, streamKey(host.url, host.filterKey, principal), opening, buffer === undefined, limit, tabs);
      session.follow(client);
      return session;
    },
  };
}

/** Most alert commands the leader tracks until the server answers them. */
const MAX_SENT = 64;

/** An alert command sent on this tab's socket, and (for a follower's) how to answer that tab. */
interface Sent {
  command: AlertCommand;
  answer: ((refusal?: string) => void) | undefined;
}

class Session implements ReplaySession {
  readonly #host: ReplayHost;
  #client: LogStreamClient | undefined;
  /** Leader: alert commands sent on the socket, oldest first; the server answers them in order. */
  #sent: Sent[] = [];
  /** Leader: the answer of the follower's command being sent right now. */
  #forwarding: Sent['answer'];
  readonly #stream: string;
  readonly #opened: Promise<ReplayBuffer | undefined>;
  readonly #owned: boolean;
  #buffer: ReplayBuffer | undefined;
  #tabs: TabCoordinator | undefined;
  #role: 'leader' | 'follower' | undefined;
  #closed = false;

  constructor(
    host: ReplayHost,
    stream: string,
    opening: Promise<ReplayBuffer>,
    owned: boolean,
    limit: number,
    tabs: boolean | TabCoordinatorOptions,
  ) {
    this.#host = host;
    this.#owned = owned;
    this.#stream = stream;
    this.#opened = opening.then(
      (buffer) => {
        this.#buffer = buffer;
        return buffer;
      },
      () => undefined,
    );
    void this.#start(limit, tabs);
  }

  get persistence(): Persistence | undefined {
    return this.#buffer?.persistence;
  }

  get role(): 'leader' | 'follower' | undefined {
    return this.#role;
  }

  record(entries: readonly StreamEntry[], cursor: Cursor | null): void {
    // Only the leader writes; a follower has no socket, so nothing to record.
    if (this.#closed || this.#buffer === undefined || this.#role !== 'leader') return;
    if (entries.length === 0 && cursor === null) return;
    void this.#buffer.append(this.#stream, { entries, cursor });
  }

  /**
   * Follows the client's alerts: as leader, to share them and to match the server's answers to the
   * commands sent (the server answers in order: the changed alert, or an `error`).
   */
  follow(client: LogStreamClient | undefined): void {
    this.#client = client;
    client?.on('alerts', (alerts, changed) => {
      if (this.#role !== 'leader') return;
      this.#tabs?.shareAlerts(alerts, client.alertActions, changed);
      // Done when the alert the oldest command named comes back acknowledged (or silenced).
      const head = this.#sent[0]?.command;
      if (changed === undefined || head?.name !== changed.name) return;
      if (head.action === AlertAction.Acknowledge ? changed.acknowledgedBy !== undefined : changed.silencedUntil !== undefined)
        this.#answerSent();
    });
    client?.on('error', (error) => {
      if (this.#role === 'leader' && error.code === ClientErrorCode.Server) this.#answerSent(error.message);
    });
    client?.on('state', (state) => {
      if (state !== ConnectionState.Live && state !== ConnectionState.CatchingUp)
        this.#dropSent('the connection closed before the server answered');
    });
  }

  alertAction(command: AlertCommand, sent: boolean): boolean {
    if (sent) {
      // Keep the newest: an older command the server never answered cannot hold up the rest.
      if (this.#sent.length >= MAX_SENT) this.#sent.shift()?.answer?.('no answer from the server');
      this.#sent.push({ command, answer: this.#forwarding });
      return true;
    }
    const tabs = this.#tabs;
    if (this.#role !== 'follower' || tabs === undefined) return false;
    void tabs.requestAlertAction(command).then((refusal) => {
      if (refusal !== undefined && !this.#closed) this.#host.fail(ClientErrorCode.Server, refusal);
    });
    return true;
  }

  #answerSent(refusal?: string): void {
    this.#sent.shift()?.answer?.(refusal);
  }

  #dropSent(refusal: string): void {
    for (const sent of this.#sent.splice(0)) sent.answer?.(refusal);
  }

  welcome(welcome: WelcomeData): void {
    // The server withholds audit entries from this viewer: none may stay in this browser's store,
    // whoever received them (another principal, or everyone when no principal is given).
    if (welcome.audit || this.#closed) return;
    void this.#opened.then((buffer) => buffer?.purgeAudit());
  }

  async clear(): Promise<void> {
    const buffer = await this.#opened;
    if (buffer === undefined) return;
    // Through the coordinator when there is one: every tab then hears of it.
    await (this.#tabs?.clear() ?? buffer.clear());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tabs?.close();
    if (this.#owned) void this.#opened.then((buffer) => buffer?.close());
  }

  async #start(limit: number, tabs: boolean | TabCoordinatorOptions): Promise<void> {
    const buffer = await this.#opened;
    if (this.#closed) return;
    if (buffer === undefined) {
      // openReplayBuffer never rejects for storage reasons; without a buffer the client streams as usual.
      this.#role = 'leader';
      this.#host.setLeader(true);
      return;
    }
    let shown: StoredEntry['position'] | null = null;
    try {
      const snapshot = await buffer.load(this.#stream, { limit });
      if (this.#closed) return;
      this.#host.emit(snapshot.entries.map((entry) => entry.message));
      shown = snapshot.entries.at(-1)?.position ?? null;
      this.#host.resumeFrom(snapshot.cursor);
      this.#host.restored({ entries: snapshot.entries.length, cursor: snapshot.cursor ?? undefined, persistence: buffer.persistence });
    } catch {
      // A failed read only costs the instant paint: the server's tail fills the panel instead.
      this.#host.restored({ entries: 0, cursor: undefined, persistence: buffer.persistence });
    }
    const coordinator = new TabCoordinator(buffer, this.#stream, tabs === true ? {} : tabs === false ? { locks: null } : tabs);
    this.#tabs = coordinator;
    coordinator.on('entries', (entries) => this.#host.emit(entries.map((entry) => entry.message)));
    coordinator.on('alerts', (alerts, may) => this.#host.alerts(alerts, may));
    coordinator.on('alert', (alert) => this.#takeAlert(alert));
    coordinator.on('alertAction', (command, answer) => this.#forward(command, answer));
    coordinator.on('rejected', (reason) => this.#host.fail(ClientErrorCode.BadFrame, `ignored a message from another tab: ${reason}`));
    coordinator.on('role', (role) => void this.#onRole(buffer, role));
    coordinator.start(shown);
  }

  /** Follower: one alert changed on the leader's connection. */
  #takeAlert(alert: AlertInfo): void {
    const client = this.#client;
    if (client === undefined) return;
    const alerts = client.alerts;
    const at = alerts.findIndex((known) => known.name === alert.name);
    if (at < 0) alerts.push(alert);
    else alerts[at] = alert;
    this.#host.alerts(alerts, client.alertActions, alert);
  }

  /**
   * Leader: sends a follower's command on this tab's socket; the server's answer goes back to it.
   * Not connected yet (a tab that just took over): nothing now; the coordinator hands the command
   * over again once the connection is welcomed.
   */
  #forward(command: AlertCommand, answer: (refusal?: string) => void): void {
    this.#forwarding = answer;
    this.#client?.alertAction(command.name, command.action, command.durationMs);
    this.#forwarding = undefined;
  }

  async #onRole(buffer: ReplayBuffer, role: 'leader' | 'follower'): Promise<void> {
    if (this.#closed) return;
    this.#role = role;
    if (role === 'follower') this.#dropSent('this tab stopped holding the stream before the server answered');
    if (role === 'follower') {
      this.#host.setLeader(false);
      return;
    }
    // Resume from what storage holds: the previous leader's commits are all in it (what it received
    // but had not committed, the server sends again).
    let cursor: Cursor | null = null;
    try {
      cursor = await buffer.cursor(this.#stream);
    } catch {
      // Unreadable: a fresh start (the server's tail) rather than no connection at all.
    }
    if (this.#closed || this.#role !== 'leader') return;
    this.#host.resumeFrom(cursor);
    this.#host.setLeader(true);
  }
}
