export { Level, LEVEL_NAMES, isLevelName, levelValue, toLevelName } from './levels.js';
export type { LevelName } from './levels.js';
export { AUDIT_LOG_FIELDS, GapReason, SYSTEM_LOG_FIELDS } from './messages.js';
export type {
  AuditLogData,
  AuditLogMessage,
  GapData,
  GapMessage,
  LogMessage,
  LogType,
  PingMessage,
  ServerMessage,
  ServerMessageType,
  SystemLogData,
  SystemLogMessage,
  WireLevel,
} from './messages.js';
export { ProtocolError, ProtocolErrorCode } from './errors.js';
export { DEFAULT_MAX_FRAME_LENGTH, encode, parse, validate } from './parse.js';
export type { ParseOptions, ParseResult } from './parse.js';
export { DEFAULT_WS_PATH, WS_PATH_ALIASES } from './constants.js';
export { compareIds, formatId, parseId } from './stream-id.js';
export type { StreamId } from './stream-id.js';
