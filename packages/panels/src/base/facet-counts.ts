// Counts of field values over the entries a panel holds, for the facet strip: kept exact as
// entries join (live or from history) and leave (eviction, clear), so no recount is needed per
// frame. Entries buffered while paused are not held yet and not counted; filters do not change
// what is held, so they do not change the counts either. Memory is bounded by what is held: at most
// one key per distinct value of each chosen field among the held entries.
import type { LogMessage } from '@logwire/protocol';
import type { Row } from './row-store.js';

/** A value and how many held entries have it. */
export type FacetValue = readonly [value: string, count: number];

/** Counts per chosen field; see the module comment. */
export class FacetCounts<M extends LogMessage> {
  readonly #read: (row: Row<M> & { kind: 'log' }, field: string) => string;
  #fields: readonly string[] = [];
  #counts = new Map<string, Map<string, number>>();
  #version = 0;
  /** The last `top` of each field, with the version it was computed at (the strip asks every frame). */
  readonly #tops = new Map<string, { version: number; n: number; top: { values: FacetValue[]; distinct: number } }>();

  /** `read`: a field's display text in an entry. */
  constructor(read: (row: Row<M> & { kind: 'log' }, field: string) => string) {
    this.#read = read;
  }

  /** Bumped on every change (for caching what is derived from the counts). */
  get version(): number {
    return this.#version;
  }

  /** The fields counted. */
  get fields(): readonly string[] {
    return this.#fields;
  }

  /** Counts `fields` from now on, recounting over `rows` when they changed. */
  setFields(fields: readonly string[], rows: readonly Row<M>[]): void {
    if (fields.length === this.#fields.length && fields.every((field, index) => field === this.#fields[index])) return;
    this.#fields = [...fields];
    this.recount(rows);
  }

  /** Counts everything again over `rows`. */
  recount(rows: readonly Row<M>[]): void {
    this.#counts = new Map(this.#fields.map((field) => [field, new Map<string, number>()]));
    this.#version++;
    for (const row of rows) this.add(row);
  }

  /** An entry joined the held rows. */
  add(row: Row<M>): void {
    this.#change(row, 1);
  }

  /** An entry left the held rows. */
  remove(row: Row<M>): void {
    this.#change(row, -1);
  }

  /** Every entry left. */
  clear(): void {
    this.recount([]);
  }

  /** How many held entries have each value of `field` (empty for a field not counted). */
  counts(field: string): ReadonlyMap<string, number> {
    return this.#counts.get(field) ?? new Map();
  }

  /** The `n` most frequent values of `field`, most first (ties by value), and how many values there are. */
  top(field: string, n: number): { values: FacetValue[]; distinct: number } {
    const cached = this.#tops.get(field);
    if (cached?.version === this.#version && cached.n === n) return cached.top;
    const counts = this.#counts.get(field);
    if (counts === undefined) return { values: [], distinct: 0 };
    // One pass keeping the best n (n is small), not a sort of every distinct value.
    const best: [string, number][] = [];
    for (const entry of counts) {
      if (best.length === n && !before(entry, best[n - 1]!)) continue;
      let at = best.length;
      while (at > 0 && before(entry, best[at - 1]!)) at--;
      best.splice(at, 0, entry);
      if (best.length > n) best.pop();
    }
    const top = { values: best, distinct: counts.size };
    this.#tops.set(field, { version: this.#version, n, top });
    return top;
  }

  #change(row: Row<M>, delta: number): void {
    if (row.kind !== 'log' || this.#fields.length === 0) return;
    this.#version++;
    for (const field of this.#fields) {
      const counts = this.#counts.get(field)!;
      const value = this.#read(row, field);
      const count = (counts.get(value) ?? 0) + delta;
      if (count > 0) counts.set(value, count);
      else counts.delete(value);
    }
  }
}

const before = (a: readonly [string, number], b: readonly [string, number]): boolean => a[1] > b[1] || (a[1] === b[1] && a[0] < b[0]);
