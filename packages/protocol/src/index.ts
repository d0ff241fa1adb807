export { Level, LEVEL_NAMES, isLevelName, levelValue, toLevelName } from './levels.js';
export type { LevelName } from './levels.js';
export { AlertAction, AUDIT_LOG_FIELDS, GapReason, PROTOCOL_VERSION, SYSTEM_LOG_FIELDS, WelcomeMode } from './messages.js';
export type {
  AuditChain,
  AlertCommandMessage,
  AlertMessage,
  AlertInfo,
  AuditLogData,
  AuditLogMessage,
  BatchData,
  BatchMessage,
  CheckpointData,
  CheckpointMessage,
  ClientMessage,
  EpochGap,
  ErrorMessage,
  Filter,
  GapData,
  GapMessage,
  HelloData,
  HelloMessage,
  LogMessage,
  LogType,
  PingMessage,
  PongMessage,
  ServerMessage,
  ServerMessageType,
  StreamEntry,
  SubscribeMessage,
  SubscribedMessage,
  SystemLogData,
  SystemLogMessage,
  WelcomeData,
  WelcomeMessage,
  WireLevel,
} from './messages.js';
export { ProtocolError, ProtocolErrorCode } from './errors.js';
export { DEFAULT_MAX_FRAME_LENGTH, encode, parse, validate } from './parse.js';
export type { ParseOptions, ParseResult } from './parse.js';
export { DEFAULT_WS_PATH, WS_PATH_ALIASES } from './constants.js';
export { compareIds, formatId, parseId } from './stream-id.js';
export type { StreamId } from './stream-id.js';
export { MAX_FILTER_PATTERNS, MAX_FILTER_STRING, loggerMatcher, loggerPatternFromInput, normalizeFilter } from './filter.js';
export { compileGlob, globMatches, hasWildcard } from './glob.js';
export {
  MAX_FIELD_CONSTRAINTS,
  MAX_FIELD_VALUES,
  MAX_PATH_DEPTH,
  checkFieldPath,
  fieldValue,
  fieldsMatcher,
  normalizeFieldConstraint,
  parseFieldExpression,
  requiredKeys,
} from './field-filter.js';
export type { FieldConstraint, FieldOp, FieldResult } from './field-filter.js';
export { filterSubject, logMessageMatcher, messageMatcher } from './message-filter.js';
export type { FilterSubject, MessageMatcher, MessageMatcherOptions } from './message-filter.js';
export { CloseCode, closeRefusal, isFatalClose, Refusal, statusClose, statusRefusal } from './close-codes.js';
export { batchFrame, gapFrame, logFrame, pingFrame } from './frames.js';
export {
  chainJson,
  chainLine,
  chainLinePrefix,
  checkChain,
  checkpointFrame,
  chainedLogFrame,
  isCheckpointData,
  MAX_CHAIN_RECORDS,
} from './chain.js';
export { MAX_EPOCH_LENGTH, parseCursor } from './cursor.js';
export type { Cursor } from './cursor.js';
export type { QueryEntry, QueryPage } from './query.js';
export type { FilterResult, NormalizedFilter } from './filter.js';
export { parseClientMessage, validateAlertCommand, validateClientMessage } from './client-messages.js';
export type { ClientParseResult } from './client-messages.js';
export { BUNDLE_FORMAT, BUNDLE_VERSION, parseBundle } from './bundle.js';
export type { BundleItem, BundleParse, IncidentBundle } from './bundle.js';
