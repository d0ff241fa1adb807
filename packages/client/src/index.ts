export { ConnectionState, LogStreamClient } from './client.js';
export type { LogStreamClientOptions, LogStreamEvents, ReplayAttachment, ReplayEntry, ReplayHost, ReplayRestored, ReplaySession, StreamProtocol, WebSocketConstructor, WebSocketLike } from './client.js';
export { ReconnectPolicy } from './reconnect-policy.js';
export type { ReconnectOptions } from './reconnect-policy.js';
export { ClientErrorCode, LogStreamClientError } from './errors.js';
export type { AuditLogMessage, Cursor, Filter, GapData, LogMessage, NormalizedFilter, SystemLogMessage, WelcomeData } from '@logwire/protocol';
export * from './replay/index.js';
