// How the client reads the end of a connection, by the protocol's close codes (docs/protocol.md):
// which closes (and refused upgrades) mean that retrying cannot help, and which ask for a
// spread-out reconnect.
import { type CloseCode, closeRefusal, statusRefusal } from '@logwire/protocol';
import type { ClientErrorCode } from './errors.js';

/**
 * The error code of a close after which the client gives up (the protocol's fatal closes, or an
 * upgrade refused with 401, 403 or 404), or `undefined` when it should retry. The protocol's
 * refusal values are the client's error codes for them.
 */
export function fatalClose(code: number | undefined, httpStatus: number | undefined): ClientErrorCode | undefined {
  return closeRefusal(code ?? 0) ?? (httpStatus === undefined ? undefined : statusRefusal(httpStatus));
}

/** The delay before reconnecting after a close: spread out after a slow-consumer close, else the policy's (`undefined`). */
export function reconnectDelay(code: number | undefined): number | undefined {
  return code === (4008 satisfies typeof CloseCode.SlowConsumer) ? Math.floor(Math.random() * 1000) : undefined;
}

/** Why the server refused the connection for good: the HTTP status of a refused upgrade, else the close code and reason. */
export function refusalText(code: number | undefined, reason: string | undefined, httpStatus: number | undefined): string {
  const why = httpStatus !== undefined ? `HTTP ${httpStatus}` : `close ${code ?? '(no code)'}${reason ? ` (${reason})` : ''}`;
  return `the server refused the connection for good: ${why}; not retrying`;
}
