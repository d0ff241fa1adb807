/** The limits {@link ConnectionCaps} enforces. */
export interface CapLimits {
  /** Open connections in all: the last line. */
  total: number;
  /** Open connections per remote address. */
  perAddress: number;
  /** Open connections per principal (the identity an `authenticate` hook returned). */
  perPrincipal: number;
}

/** Which cap refused a connection. */
export const CapRefusal = {
  Total: 'total',
  Address: 'address',
  Principal: 'principal',
} as const;

/** One of the cap refusals. */
export type CapRefusal = (typeof CapRefusal)[keyof typeof CapRefusal];

/** The outcome of {@link ConnectionCaps.admit}: a release function to call once when the connection ends, or a refusal. */
export type Admission = { ok: true; release: () => void } | { ok: false; refusal: CapRefusal };

/**
 * Counts open connections per remote address and per principal, with a total cap as the last line,
 * so one client (or one leaked credential) that opens sockets without end exhausts only its own
 * share, never everyone's. Counters of an address or principal with no connection are deleted, so
 * the maps hold at most one entry per open connection.
 */
export class ConnectionCaps {
  readonly #limits: CapLimits;
  readonly #byAddress = new Map<string, number>();
  readonly #byPrincipal = new Map<string, number>();
  #total = 0;

  constructor(limits: CapLimits) {
    this.#limits = limits;
  }

  /** Open connections counted. */
  get total(): number {
    return this.#total;
  }

  /** Counts a connection from `address` for `principal` (either unknown: not capped by it), or says which cap refuses it. */
  admit(address: string | undefined, principal: string | undefined): Admission {
    const { perAddress, perPrincipal, total } = this.#limits;
    if (address !== undefined && (this.#byAddress.get(address) ?? 0) >= perAddress) return { ok: false, refusal: CapRefusal.Address };
    if (principal !== undefined && (this.#byPrincipal.get(principal) ?? 0) >= perPrincipal) {
      return { ok: false, refusal: CapRefusal.Principal };
    }
    if (this.#total >= total) return { ok: false, refusal: CapRefusal.Total };
    this.#total++;
    if (address !== undefined) this.#byAddress.set(address, (this.#byAddress.get(address) ?? 0) + 1);
    if (principal !== undefined) this.#byPrincipal.set(principal, (this.#byPrincipal.get(principal) ?? 0) + 1);
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#total--;
      if (address !== undefined) decrement(this.#byAddress, address);
      if (principal !== undefined) decrement(this.#byPrincipal, principal);
    };
    return { ok: true, release };
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const count = (map.get(key) ?? 1) - 1;
  if (count <= 0) map.delete(key);
  else map.set(key, count);
}
