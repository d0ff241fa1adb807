import type { Cursor } from './cursor.js';
import type { LevelName } from './levels.js';
import type { FieldConstraint } from './field-filter.js';

/**
 * A level as received: one of the six names from a logwire server, but a legacy server may send
 * anything, so the type stays open while still offering the six names to editors.
 */
export type WireLevel = LevelName | (string & {});

/** Field names of `system_log` data that extra fields may not overwrite. */
export const SYSTEM_LOG_FIELDS = ['timestamp', 'level', 'logger', 'message', 'module', 'function', 'line'] as const;

/** Field names of `audit_log` data. */
export const AUDIT_LOG_FIELDS = ['timestamp', 'level', 'logger', 'message', 'action', 'metadata'] as const;

/**
 * The `data` of a `system_log` message, exactly as the seeds define it: seven fixed fields plus any
 * extra fields of the record at the top level (`instance_id`, `memory_mb`, …).
 */
export interface SystemLogData {
  /** UTC ISO-8601 with milliseconds and `Z` from a logwire server; legacy servers send local time. */
  timestamp: string;
  level: WireLevel;
  /** Dotted logger name, e.g. `orchestrator.instance_manager`. */
  logger: string;
  message: string;
  /** Module (file) of the call site. */
  module: string;
  /** Function of the call site. */
  function: string;
  /** Line of the call site. */
  line: number;
  /** Extra structured fields, at the top level as in the seeds. */
  [extra: string]: unknown;
}

/** The `data` of an `audit_log` message, exactly as the seeds define it. */
export interface AuditLogData {
  timestamp: string;
  level: WireLevel;
  logger: string;
  message: string;
  /** The audited action (`instance_spawn`, `user.login`, …). Always sent by logwire servers; legacy servers may omit it or send `null`. */
  action?: string | null;
  /** Structured details of the action. Always sent by logwire servers; legacy servers omit it when empty. */
  metadata?: Record<string, unknown>;
}

/** A system log line. `id` is the server-assigned stream position (absent from legacy servers). */
export interface SystemLogMessage {
  type: 'system_log';
  id?: string;
  data: SystemLogData;
}

/**
 * Where an audit event sits in the server's hash-chained audit trail (extended protocol only, and
 * only when the server keeps the trail). The trail line of the event is
 * `{"seq":<seq>,"prev":"<prev>","id":"<id>",<data members>,"hash":"<hash>"}`: `hash` is SHA-256 of
 * the line up to `,"hash":`, `prev` is SHA-256 of the whole previous line (see docs/protocol.md).
 */
export interface AuditChain {
  /** Line number in the trail, from 1, across files. */
  seq: number;
  /** SHA-256 (hex) of the exact bytes of line `seq - 1`. */
  prev: string;
  /** SHA-256 (hex) of this line up to (not including) `,"hash":`. */
  hash: string;
  /**
   * The exact lines of trail records that are not audit events (file opened, gap, loss) written
   * right before this event, oldest first, so the chain can be followed through them.
   */
  records?: string[];
}

/** An audit event. `id` is the server-assigned stream position (absent from legacy servers). */
export interface AuditLogMessage {
  type: 'audit_log';
  id?: string;
  data: AuditLogData;
  /** Its place in the hash-chained trail (extended protocol, servers that keep the trail). */
  chain?: AuditChain;
}

/**
 * A signed checkpoint of the audit trail, as the server wrote it to `checkpoints.jsonl`: line `seq`
 * hashes to `hash`. `sig` is HMAC-SHA256 with the app's integrity key, which a browser never has.
 */
export interface CheckpointData {
  seq: number;
  /** SHA-256 (hex) of the exact bytes of line `seq`. */
  hash: string;
  /** Trail file holding line `seq`, and its line number there. */
  file: string;
  line: number;
  timestamp: string;
  /** `sig` of the previous checkpoint ('' for the first). */
  prev_sig: string;
  sig: string;
}

/** A signed checkpoint, sent to extended clients that may read audit events as it is written. */
export interface CheckpointMessage {
  type: 'checkpoint';
  data: CheckpointData;
}

/** Either kind of log message. */
export type LogMessage = SystemLogMessage | AuditLogMessage;

/** The two kinds of log message. */
export type LogType = LogMessage['type'];

/** Keep-alive sent by the server; the seeds send it bare (`{"type":"ping"}`). */
export interface PingMessage {
  type: 'ping';
  data?: { ts?: number };
}

/** Why messages are missing from what a client received. */
export const GapReason = {
  /** The cursor is older than the history the server still holds. */
  Trimmed: 'trimmed',
  /** The stream restarted (new epoch) and the old one's history is gone. */
  Epoch: 'epoch',
  /** The server dropped messages for this client (it fell too far behind). */
  Dropped: 'dropped',
  /** The replay was capped; older messages exist but were not sent. */
  Limit: 'limit',
  /** The stream's history no longer links up with the cursor (lost or rewritten entries). */
  Diverged: 'diverged',
} as const;

/** One of the gap reasons. */
export type GapReason = (typeof GapReason)[keyof typeof GapReason];

/** The `data` of a `gap` message: messages after `from` up to `to` are missing. */
export interface GapData {
  /** Last id the client had (exclusive start of the missing range); `null` when unknown. */
  from: string | null;
  /** Last missing id (inclusive end); `null` when unknown. */
  to: string | null;
  reason: GapReason | (string & {});
  /** Approximate number of missing messages, when the server can tell. */
  count?: number;
  /** Epoch the range belongs to. */
  epoch?: string;
}

/**
 * A gap as a server keeps it: the wire gap with the epoch its ids belong to always present. "No
 * id" is `null`, as on the wire (a backplane's own marker for it is converted where entries are read).
 */
export interface EpochGap extends GapData {
  epoch: string;
}

/** Says out loud that messages are missing, and why. */
export interface GapMessage {
  type: 'gap';
  data: GapData;
}

/** The protocol version this package speaks. */
export const PROTOCOL_VERSION = 1;

/**
 * What a client receives in stream order and keeps for replay: a log message, or a gap marker
 * where messages are missing.
 */
export type StreamEntry = LogMessage | GapMessage;

/**
 * A subscription filter, evaluated by the server. Every field is optional; an absent field lets
 * everything through. `level` never removes `audit_log` messages.
 */
export interface Filter {
  /** Message types to receive. */
  types?: LogType[];
  /** Minimum level name of `system_log` messages. */
  level?: LevelName;
  /** Logger globs (`*` any characters, `?` one); a leading `!` excludes. */
  loggers?: string[];
  /** Case-insensitive substring of the JSON text of `data`. */
  text?: string;
  /** Values of `data.category`, any of which passes (exact match). */
  categories?: string[];
  /** Field constraints on dotted paths of `data`, all of which must hold. */
  fields?: FieldConstraint[];
}

/** How a `welcome` answers a cursor. */
export const WelcomeMode = {
  /** No cursor was sent: the replay is the recent tail. */
  Fresh: 'fresh',
  /** The replay continues exactly after the cursor. */
  Resumed: 'resumed',
  /** Part of what the client missed is gone; a `gap` follows. */
  Gap: 'gap',
} as const;

/** One of the welcome modes. */
export type WelcomeMode = (typeof WelcomeMode)[keyof typeof WelcomeMode];

/** The `data` of a `welcome`. */
export interface WelcomeData {
  v: number;
  epoch: string;
  /** Newest id the server has, `null` for an empty stream. */
  head: string | null;
  mode: WelcomeMode | (string & {});
  /** Milliseconds between the server's `ping`s. */
  ping: number;
  /** Whether this client may receive `audit_log` messages. */
  audit: boolean;
  /** The filter in force, normalised. */
  filter: Filter;
  /** The server's alerts as they stand (servers with alerts only), so a reconnecting viewer shows them at once. */
  alerts?: AlertInfo[];
  /**
   * Whether this connection may acknowledge and silence alerts (servers with alerts only; the same
   * check the server applies to the `alert` message). Absent from older servers: try, and read the refusal.
   */
  alertActions?: boolean;
}

/** An alert as viewers see it: in `welcome.alerts` and in the `alert` message a server sends when one changes. */
export interface AlertInfo {
  name: string;
  /** `inactive`, `pending`, `firing` or `resolved`. */
  status: string;
  /** The condition in words. */
  condition: string;
  /** The value the condition measured last. */
  value: number;
  /** When the current status began (ISO-8601 UTC), `null` if never. */
  since: string | null;
  /** Who acknowledged the current firing (the identity the server's `authenticate` hook gave). */
  acknowledgedBy?: unknown;
  /** Until when its notifications are silenced (ISO-8601 UTC). */
  silencedUntil?: string;
}

/** What a viewer may do to an alert. */
export const AlertAction = {
  Acknowledge: 'ack',
  Silence: 'silence',
} as const;
export type AlertAction = (typeof AlertAction)[keyof typeof AlertAction];

/** A viewer acknowledges or silences an alert (needs the `alerts` permission of the server's `authenticate` hook). */
export interface AlertCommandMessage {
  type: 'alert';
  data: { name: string; action: AlertAction; /** Silence for this long, in ms (`silence` only). */ durationMs?: number };
}

/** An alert changed (extended-mode clients; the same shape as in `welcome.alerts`). */
export interface AlertMessage {
  type: 'alert';
  data: AlertInfo;
}

/** The server's answer to `hello`. */
export interface WelcomeMessage {
  type: 'welcome';
  data: WelcomeData;
}

/** The `data` of a `batch`: messages covering `(from, to]` of the stream. */
export interface BatchData {
  epoch: string;
  /** Exclusive start of the covered range; `null` only on the first page of a fresh replay. */
  from: string | null;
  /** Inclusive end of the covered range; `null` only while the stream is empty. */
  to: string | null;
  messages: LogMessage[];
  /** True on replay pages while more replay follows. */
  replay?: boolean;
}

/** Log messages and the range of the stream they cover (filtered-out ids are covered too). */
export interface BatchMessage {
  type: 'batch';
  data: BatchData;
}

/** The server's answer to `subscribe`: later batches use `filter`. */
export interface SubscribedMessage {
  type: 'subscribed';
  data: { filter: Filter; at: string | null };
}

/** A client message was refused; the connection stays open. */
export interface ErrorMessage {
  type: 'error';
  data: { code: string; message: string };
}

/**
 * Every message a server may send; `parse` dispatches on `type` through one validator per member.
 */
export type ServerMessage =
  | LogMessage
  | PingMessage
  | GapMessage
  | WelcomeMessage
  | BatchMessage
  | SubscribedMessage
  | ErrorMessage
  | CheckpointMessage
  | AlertMessage;

/** The `data` of a client's `hello`. */
export interface HelloData {
  v: number;
  cursor?: Cursor;
  filter?: Filter;
  capabilities?: string[];
  auth?: string;
  /** Newest messages of each type a fresh start replays. */
  tail?: number;
}

/** First frame of an extended-mode client. */
export interface HelloMessage {
  type: 'hello';
  data: HelloData;
}

/** Replaces the filter without reconnecting. */
export interface SubscribeMessage {
  type: 'subscribe';
  data: { filter: Filter };
}

/** The answer to `ping`. */
export interface PongMessage {
  type: 'pong';
  data: { ts?: number };
}

/** Every message a client may send. */
export type ClientMessage = HelloMessage | SubscribeMessage | PongMessage | AlertCommandMessage;

/** Every message type the parser knows. */
export type ServerMessageType = ServerMessage['type'];
