// How many queries may run at once (all clients together, and per principal), and how much one
// query may cost before it returns with a cursor.
import type { IncomingMessage } from 'node:http';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { sha256Hex } from '../persistence/lines.js';
import { DEFAULT_QUERY_BYTES, DEFAULT_QUERY_MS } from './query.js';

/** Limits of the HTTP query API; every one is optional, and one given as `undefined` means its default. */
export interface QueryLimits {
  /** Queries running at once, all clients together; a query beyond gets 429. @default 8 */
  maxConcurrent?: number | undefined;
  /** Queries running at once per principal (see {@link QueryLimits.principal}); a query beyond gets 429. @default 2 */
  maxConcurrentPerPrincipal?: number | undefined;
  /** Bytes of log lines one query reads at most before it answers what it found with a cursor. @default 16 MiB */
  maxBytesPerQuery?: number | undefined;
  /** Milliseconds one query reads at most before it answers what it found with a cursor. @default 1000 */
  maxMsPerQuery?: number | undefined;
  /**
   * Who a request counts against: by default the `user` the `authenticate` hook returned (as
   * JSON), or the remote address when the hook returned no `user` (or there is no hook).
   */
  principal?: ((user: unknown, request: IncomingMessage) => string) | undefined;
}

/** {@link QueryLimits} with defaults applied. */
export interface ResolvedLimits {
  maxConcurrent: number;
  maxConcurrentPerPrincipal: number;
  maxBytesPerQuery: number;
  maxMsPerQuery: number;
  principal: (user: unknown, request: IncomingMessage) => string;
}

/** Applies the defaults; throws {@link LogwireError} `ERR_LOGWIRE_INVALID_OPTION` for a value that is not a positive number. */
export function resolveLimits(limits: QueryLimits = {}): ResolvedLimits {
  return {
    maxConcurrent: positive('maxConcurrent', limits.maxConcurrent, 8, true),
    maxConcurrentPerPrincipal: positive('maxConcurrentPerPrincipal', limits.maxConcurrentPerPrincipal, 2, true),
    maxBytesPerQuery: positive('maxBytesPerQuery', limits.maxBytesPerQuery, DEFAULT_QUERY_BYTES, true),
    maxMsPerQuery: positive('maxMsPerQuery', limits.maxMsPerQuery, DEFAULT_QUERY_MS, false),
    principal: limits.principal ?? defaultPrincipal,
  };
}

function positive(name: string, value: number | undefined, fallback: number, whole: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
    throw new LogwireError(LogwireErrorCode.InvalidOption, `limits.${name} must be a positive ${whole ? 'whole ' : ''}number`);
  }
  return value;
}

/** The default principal: the hook's `user` as JSON (hashed when long), else the remote address. */
export function defaultPrincipal(user: unknown, request: IncomingMessage): string {
  let text: string | undefined;
  if (user !== undefined && user !== null) {
    try {
      text = JSON.stringify(user);
    } catch {
      text = undefined;
    }
  }
  if (text !== undefined) return 'user:' + (text.length > 128 ? sha256Hex(text) : text);
  return 'address:' + (request.socket.remoteAddress ?? 'unknown');
}

/** Why a query was not admitted. */
export type Refusal = 'global' | 'principal';

/** Counts running queries, overall and per principal; the per-principal map holds running principals only. */
export class QueryGate {
  readonly #max: number;
  readonly #perPrincipal: number;
  readonly #running = new Map<string, number>();
  #total = 0;

  constructor(max: number, perPrincipal: number) {
    this.#max = max;
    this.#perPrincipal = perPrincipal;
  }

  /** Queries running now. */
  get running(): number {
    return this.#total;
  }

  /** Admits a query of `principal`: the function that ends it (call once), or why it is refused. */
  enter(principal: string): (() => void) | Refusal {
    const own = this.#running.get(principal) ?? 0;
    if (own >= this.#perPrincipal) return 'principal';
    if (this.#total >= this.#max) return 'global';
    this.#running.set(principal, own + 1);
    this.#total++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#total--;
      const count = (this.#running.get(principal) ?? 1) - 1;
      if (count === 0) this.#running.delete(principal);
      else this.#running.set(principal, count);
    };
  }
}
