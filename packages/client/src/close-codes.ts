// How the client reads the end of a connection: which closes (and refused upgrades) mean that
// retrying cannot help, and which ask for a spread-out reconnect (docs/protocol.md).
import { ClientErrorCode } from './errors.js';

/** Close codes after which retrying cannot help. */
const FATAL_CLOSE = new Map<number, ClientErrorCode>([
  [1009, ClientErrorCode.Protocol],
  [4000, ClientErrorCode.Protocol],
  [4001, ClientErrorCode.Unauthorized],
  [4003, ClientErrorCode.Forbidden],
]);

/** HTTP statuses of a refused upgrade after which retrying cannot help. */
const FATAL_STATUS = new Map<number, ClientErrorCode>([
  [401, ClientErrorCode.Unauthorized],
  [403, ClientErrorCode.Forbidden],
  [404, ClientErrorCode.Protocol],
]);

/** The server closed a consumer that fell too far behind: reconnect, spread out over a second. */
const SLOW_CONSUMER = 4008;

/** The error code of a close after which the client gives up, or `undefined` when it should retry. */
export function fatalClose(code: number | undefined, httpStatus: number | undefined): ClientErrorCode | undefined {
  return FATAL_CLOSE.get(code ?? 0) ?? (httpStatus === undefined ? undefined : FATAL_STATUS.get(httpStatus));
}

/** The delay before reconnecting after a close: spread out after a slow-consumer close, else the policy's (`undefined`). */
export function reconnectDelay(code: number | undefined): number | undefined {
  return code === SLOW_CONSUMER ? Math.floor(Math.random() * 1000) : undefined;
}
