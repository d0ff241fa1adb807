// What the tabs of one stream say on their BroadcastChannel (see multi-tab.ts), and the check every
// message passes before use: any script of the origin can post to the channel, so a message is
// hostile input until it has the shape the protocol defines, within bounded sizes.
import { type AlertCommandMessage, type AlertInfo, parseCursor, validate, validateAlertCommand } from '@logwire/protocol';
import { MAX_ALERTS } from '../alerts.js';
import type { CommittedBatch, Position, StoredEntry } from './types.js';

/** What a viewer asks of an alert: the protocol's `alert` command. */
export type AlertCommand = AlertCommandMessage['data'];

/** What the tabs of one stream say on their channel. */
export type ChannelMessage =
  | { t: 'commit'; batch: CommittedBatch }
  | { t: 'reset'; reason: 'clear' | 'quota' }
  /** Leader: the whole alert set and whether its connection may act on alerts. */
  | { t: 'alerts'; alerts: AlertInfo[]; may?: boolean }
  /** Leader: one alert changed. */
  | { t: 'alert'; alert: AlertInfo }
  /** A tab started following: the leader answers with `alerts`. */
  | { t: 'ask' }
  /** Follower: act on an alert; `id` names the request in the answer. */
  | { t: 'act'; id: string; command: AlertCommand }
  /** Leader: the answer to `act` `id`: done, or the server's `refusal`. */
  | { t: 'acted'; id: string; refusal?: string };

/** Longest request id, refusal text and alert set (JSON characters) taken from the channel. */
const MAX_ID = 64;
const MAX_REFUSAL = 1000;
const MAX_ALERT_JSON = 4_000_000;
/** Most requests a follower waits on at once, and how long it waits for the leader's answer. */
export const MAX_WAITING = 32;
export const ANSWER_TIMEOUT_MS = 15_000;

const isAlert = (value: unknown): value is AlertInfo => validate({ type: 'alert', data: value }).ok;
const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_ID;
const isPosition = (value: unknown): value is Position =>
  Array.isArray(value) && value.length === 4 && value.every((n) => typeof n === 'number' && Number.isFinite(n));

/** Whether `value` serialises to JSON of at most `max` characters (false when it cannot be serialised). */
function fits(value: unknown, max: number): boolean {
  try {
    return JSON.stringify(value).length <= max;
  } catch {
    return false;
  }
}

/** Whether a broadcast commit has the shape the buffer commits (entries as the protocol defines them). */
function isCommit(batch: unknown): batch is CommittedBatch {
  if (typeof batch !== 'object' || batch === null) return false;
  const { stream, after, entries, cursor } = batch as Partial<Record<keyof CommittedBatch, unknown>>;
  return (
    typeof stream === 'string' &&
    (after === null || isPosition(after)) &&
    (cursor === null || parseCursor(cursor) !== undefined) &&
    Array.isArray(entries) &&
    entries.every((entry: unknown) => {
      const { position, message } = (entry ?? {}) as Partial<StoredEntry>;
      const type = (message as { type?: unknown } | undefined)?.type;
      return isPosition(position) && (type === 'system_log' || type === 'audit_log' || type === 'gap') && validate(message).ok;
    })
  );
}

/** The message, checked (see the module notes), or why it is not valid. */
export function check(data: unknown): ChannelMessage | string {
  if (typeof data !== 'object' || data === null) return 'not an object';
  const message = data as { [key: string]: unknown; t?: unknown };
  switch (message.t) {
    case 'commit':
      return isCommit(message['batch']) ? (message as ChannelMessage) : 'commit: not a committed batch';
    case 'reset':
      return message['reason'] === 'clear' || message['reason'] === 'quota' ? (message as ChannelMessage) : 'reset: unknown reason';
    case 'ask':
      return { t: 'ask' };
    case 'alerts': {
      const { alerts, may } = message;
      if (!Array.isArray(alerts) || alerts.length > MAX_ALERTS || !alerts.every(isAlert) || !fits(alerts, MAX_ALERT_JSON))
        return `alerts: not a list of at most ${MAX_ALERTS} alerts`;
      if (may !== undefined && typeof may !== 'boolean') return 'alerts: may is not a boolean';
      return { t: 'alerts', alerts, may };
    }
    case 'alert':
      return isAlert(message['alert']) && fits(message['alert'], MAX_ALERT_JSON)
        ? { t: 'alert', alert: message['alert'] }
        : 'alert: not an alert';
    case 'act': {
      const parsed = validateAlertCommand(message['command']);
      if (!isId(message['id']) || !parsed.ok || parsed.message.type !== 'alert') return 'act: not an alert command';
      return { t: 'act', id: message['id'], command: parsed.message.data };
    }
    case 'acted': {
      const { id, refusal } = message;
      if (!isId(id) || (refusal !== undefined && typeof refusal !== 'string')) return 'acted: not an answer';
      return { t: 'acted', id, refusal: refusal?.slice(0, MAX_REFUSAL) };
    }
    default:
      return 'unknown message type';
  }
}
