// Opening and closing the client's socket: the endpoint URL, the bearer subprotocol, and closes
// that cannot throw.
import type { CloseCode } from '@logwire/protocol';
import type { WebSocketLike } from './types.js';

/** Resolves a stream URL (relative to the page in browsers), turning http(s) into ws(s); throws a TypeError otherwise. */
export function normaliseUrl(url: string | URL): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(String(url), (globalThis as { location?: { href: string } }).location?.href);
    // http: becomes ws:, https: becomes wss:.
    parsed.protocol = parsed.protocol.replace(/^http/, 'ws');
  } catch {
    // Reported below.
  }
  if (parsed?.protocol !== 'ws:' && parsed?.protocol !== 'wss:') {
    throw new TypeError(`Invalid log stream URL "${String(url)}": expected ws://host/ws/logs, wss://… (or http:, https:)`);
  }
  return parsed.href;
}

/** The subprotocols that carry a token for the server's `authenticate` hook (never in the URL). */
export function bearerProtocols(token: string): string[] {
  return ['logwire.v1', `logwire.bearer.${base64url(token)}`];
}

function base64url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Closes a socket; closing one that never opened can throw in some implementations, and it is gone either way. */
export function closeQuietly(socket: WebSocketLike | undefined, code: number, reason: string): void {
  try {
    socket?.close(code, reason);
  } catch {
    // Already closed.
  }
}

/** Drops a dead link: it may never finish a close handshake, so terminate it where the API allows (`ws`). */
export function dropDeadSocket(socket: WebSocketLike & { terminate?: () => void }, reason: string): void {
  try {
    if (typeof socket.terminate === 'function') socket.terminate();
    else socket.close(4000 satisfies typeof CloseCode.ProtocolError, reason);
  } catch {
    // Already closed.
  }
}
