// The memory every running query of the process reads into, bounded: a fixed set of chunk buffers
// that queries take turns with (a query holds one while it reads a chunk and checks its lines,
// then hands it back), and one place for an inflated compressed rotation at a time. A query that
// finds them all taken waits in line (first come, first served); it is never refused for memory.
// Waiting counts against its time budget (query.ts), so a page under heavy load ends sooner with a
// cursor, and every page still looks at some lines after its cursor.

/** Bytes of one chunk buffer (one read). */
export const READ_CHUNK_BYTES = 1 << 16;

/** Chunk buffers shared by every query of the process: at most this many chunks are held at once. */
export const READ_SLOTS = 4;

/** A chunk buffer lent to one query; `release` hands it back (idempotent). */
export interface ReadLease {
  /** {@link READ_CHUNK_BYTES} bytes, reused from query to query: copy what must outlive the lease. */
  buffer: Buffer;
  /** A second buffer of the same size (for case-folded copies of `buffer`). */
  spare: () => Buffer;
  release: () => void;
}

/** First-come, first-served turns at a fixed number of places. */
export class Turns {
  readonly #waiting: (() => void)[] = [];
  #free: number;

  constructor(places: number) {
    this.#free = places;
  }

  /** Places free now. */
  get free(): number {
    return this.#free;
  }

  /** Callers waiting now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Resolves with a function that gives the place back (idempotent). */
  async take(): Promise<() => void> {
    if (this.#free > 0 && this.#waiting.length === 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.#waiting.shift();
      // The place passes straight to the next in line, so nobody overtakes it.
      if (next !== undefined) next();
      else this.#free++;
    };
  }
}

/**
 * {@link READ_SLOTS} chunk buffers of {@link READ_CHUNK_BYTES}, allocated on first use and reused:
 * all queries together hold at most `slots × 2 × chunkBytes` of read buffers, plus the strings
 * decoded from one chunk per slot.
 */
export class ReadPool {
  readonly #turns: Turns;
  readonly #chunkBytes: number;
  readonly #idle: { buffer: Buffer; spare: Buffer | undefined }[] = [];

  constructor(slots = READ_SLOTS, chunkBytes = READ_CHUNK_BYTES) {
    this.#turns = new Turns(slots);
    this.#chunkBytes = chunkBytes;
  }

  /** Bytes of each buffer. */
  get chunkBytes(): number {
    return this.#chunkBytes;
  }

  /** Queries waiting for a buffer now. */
  get waiting(): number {
    return this.#turns.waiting;
  }

  /** Resolves with a buffer when one is free. */
  async lease(): Promise<ReadLease> {
    const giveBack = await this.#turns.take();
    const held = this.#idle.pop() ?? { buffer: Buffer.allocUnsafe(this.#chunkBytes), spare: undefined };
    let released = false;
    return {
      buffer: held.buffer,
      spare: () => (held.spare ??= Buffer.allocUnsafe(this.#chunkBytes)),
      release: () => {
        if (released) return;
        released = true;
        this.#idle.push(held);
        giveBack();
      },
    };
  }
}

/** The chunk buffers every query of the process shares. */
export const sharedReadPool = new ReadPool();

/**
 * One inflated compressed rotation at a time, all queries together (a `.gz` file is read
 * backwards only once inflated whole; ../persistence/log-files.ts caps it at MAX_INFLATED_BYTES).
 */
export const inflateTurns = new Turns(1);
