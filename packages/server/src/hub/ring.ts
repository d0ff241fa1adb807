/**
 * A bounded FIFO of items with a size each: pushing past either cap (count or total size) evicts
 * the oldest. Written here because the ring needs byte accounting and indexed access for binary
 * search, which the small queue libraries on npm do not offer together.
 */
export class Ring<T> {
  readonly #items: (T | undefined)[];
  readonly #sizes: number[];
  readonly #maxBytes: number;
  #head = 0;
  #length = 0;
  #bytes = 0;

  constructor(maxItems: number, maxBytes: number) {
    if (!Number.isSafeInteger(maxItems) || maxItems < 1) throw new TypeError(`history size must be a positive integer, got ${maxItems}`);
    if (!(maxBytes > 0)) throw new TypeError(`history bytes must be positive, got ${maxBytes}`);
    this.#items = new Array<T | undefined>(maxItems);
    this.#sizes = new Array<number>(maxItems).fill(0);
    this.#maxBytes = maxBytes;
  }

  get length(): number {
    return this.#length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Appends `item`; returns how many old items were evicted to make room (each passed to `onEvict`). */
  push(item: T, size: number, onEvict?: (evicted: T) => void): number {
    let evicted = 0;
    while (this.#length > 0 && (this.#length === this.#items.length || this.#bytes + size > this.#maxBytes)) {
      const old = this.shift() as T;
      onEvict?.(old);
      evicted++;
    }
    const slot = (this.#head + this.#length) % this.#items.length;
    this.#items[slot] = item;
    this.#sizes[slot] = size;
    this.#length++;
    this.#bytes += size;
    return evicted;
  }

  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#bytes -= this.#sizes[this.#head] ?? 0;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#length--;
    return item;
  }

  /** The item at `index` (0 = oldest). */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#items[(this.#head + index) % this.#items.length];
  }

  /** Index of the first item for which `isAfter` holds (items must be sorted by it). */
  firstIndexWhere(isAfter: (item: T) => boolean): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (isAfter(this.at(mid) as T)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.#length; i++) yield this.at(i) as T;
  }

  clear(): void {
    while (this.#length > 0) this.shift();
  }
}
