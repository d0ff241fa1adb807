export { ConnectionState, LogStreamClient } from './client.js';
export type { LogStreamClientOptions, LogStreamEvents, WebSocketConstructor, WebSocketLike } from './client.js';
export { ReconnectPolicy } from './reconnect-policy.js';
export type { ReconnectOptions } from './reconnect-policy.js';
export { ClientErrorCode, LogStreamClientError } from './errors.js';
export type { AuditLogMessage, GapData, LogMessage, SystemLogMessage } from '@logwire/protocol';
export * from './replay/index.js';
