/**
 * Node entry point: the same API as the browser build, with the `ws` package as the default
 * WebSocket (Node 20 has no global WebSocket).
 */
import { WebSocket } from 'ws';
import { LogStreamClient as BaseClient } from './client.js';
import type { LogStreamClientOptions, WebSocketConstructor } from './types.js';

export * from './index.js';

/** {@link BaseClient} with `ws` as the default WebSocket implementation. */
export class LogStreamClient extends BaseClient {
  constructor(url: string | URL, options: LogStreamClientOptions = {}) {
    super(url, { WebSocket: WebSocket as unknown as WebSocketConstructor, ...options });
  }
}
