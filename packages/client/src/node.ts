/**
 * Node entry point: the same API as the browser build, with the `ws` package as the default
 * WebSocket (Node 20 has no global WebSocket), and refused upgrades read from its errors.
 */
import { WebSocket } from 'ws';
import { statusClose } from '@logwire/protocol';
import { LogStreamClient as BaseClient } from './client.js';
import type { LogStreamClientOptions, WebSocketConstructor, WebSocketEventLike, WebSocketLike } from './types.js';

export * from './index.js';

/** {@link BaseClient} with `ws` as the default WebSocket implementation. */
export class LogStreamClient extends BaseClient {
  constructor(url: string | URL, options: LogStreamClientOptions = {}) {
    super(url, { ...options, WebSocket: readRefusals(options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor)) });
  }
}

/**
 * A WebSocket whose refused upgrade (HTTP 401, 403, 404, which Node's `ws` reports as an error
 * "Unexpected server response: 401" before its close 1006) closes with the fatal close code that
 * means the same (`statusClose`: 4001, 4003, 4000) and the reason `HTTP <status>`, so the client
 * stops retrying. Browsers never show the status, so the browser build does not carry this.
 */
function readRefusals(Socket: WebSocketConstructor): WebSocketConstructor {
  return function (url: string, protocols?: string | string[]): WebSocketLike {
    const socket = new Socket(url, protocols);
    let refusal: WebSocketEventLike | undefined;
    const listen = socket.addEventListener.bind(socket);
    listen('error', (event) => {
      const status = Number(/Unexpected server response: (\d{3})/.exec(event.message ?? '')?.[1]);
      const code = statusClose(status);
      if (code !== undefined) refusal = { code, reason: `HTTP ${status}` };
    });
    socket.addEventListener = (type, listener) =>
      listen(type, type === 'close' ? (event) => listener(refusal === undefined ? event : { ...event, ...refusal }) : listener);
    return socket;
  } as unknown as WebSocketConstructor;
}
