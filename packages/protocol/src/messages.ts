import type { LevelName } from './levels.js';

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

/** An audit event. `id` is the server-assigned stream position (absent from legacy servers). */
export interface AuditLogMessage {
  type: 'audit_log';
  id?: string;
  data: AuditLogData;
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

/** Says out loud that messages are missing, and why. */
export interface GapMessage {
  type: 'gap';
  data: GapData;
}

/**
 * Every message a server may send. Control messages of the extended protocol join this union as
 * they are added; `parse` dispatches on `type` through one validator per member.
 */
export type ServerMessage = LogMessage | PingMessage | GapMessage;

/** Every message type the parser knows. */
export type ServerMessageType = ServerMessage['type'];
