export { LogStreamClient } from './client.js';
export { ConnectionState } from './types.js';
export type { LogStreamClientOptions, LogStreamEvents, StreamProtocol, WebSocketConstructor, WebSocketLike } from './types.js';
export type { ReplayAttachment, ReplayHost, ReplayRestored, ReplaySession } from './replay/types.js';
// eslint-disable-next-line @typescript-eslint/no-deprecated -- the old name stays exported for existing imports
export type { ReplayEntry } from './replay/types.js';
export { ReconnectPolicy } from './reconnect-policy.js';
export type { ReconnectOptions } from './reconnect-policy.js';
export { ClientErrorCode, LogStreamClientError } from './errors.js';
export type {
  AuditLogMessage,
  Cursor,
  Filter,
  GapData,
  LogMessage,
  NormalizedFilter,
  SystemLogMessage,
  WelcomeData,
} from '@logwire/protocol';
export * from './replay/index.js';
