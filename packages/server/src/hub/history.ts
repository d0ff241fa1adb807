import { compareIds, formatId, logFrame, type LogType, type StreamId } from '@logwire/protocol';
import type { StreamMessage } from './log-hub.js';

const TYPES: readonly LogType[] = ['system_log', 'audit_log'];

/** Logger names whose bytes are kept, and their longest length in bytes (a hostile stream of distinct names only empties the cache). */
const LOGGER_CACHE = 256;

/** Told about each message that leaves the history: its id, ordinal and type. */
export type OnEvict = (id: StreamId, ordinal: number, type: LogType) => void;

/**
 * The hub's replay history: a bounded FIFO of messages (by count and by bytes) stored off the
 * JavaScript heap — ids and routing fields in typed arrays, logger and data as UTF-8 in one
 * preallocated byte ring. Messages kept as JS objects live long enough to be promoted to the old
 * generation and turn into garbage there when evicted, which made the heap (and RSS) grow by
 * ~100 MB under load before a full GC; here the history's footprint is fixed.
 * Reading decodes a message again (replays only; the live path never reads history).
 */
export class History {
  readonly #capacity: number;
  readonly #bytes: Buffer;
  readonly #ms: Float64Array;
  readonly #seq: Float64Array;
  readonly #time: Float64Array;
  readonly #ordinal: Float64Array;
  readonly #start: Float64Array;
  readonly #loggerLength: Uint32Array;
  readonly #dataLength: Uint32Array;
  readonly #level: Uint8Array;
  readonly #type: Uint8Array;
  readonly #loggers = new Map<string, Buffer>();
  #first = 0;
  #length = 0;
  /** Where the next record's bytes go. */
  #head = 0;

  constructor(maxItems: number, maxBytes: number) {
    if (!Number.isSafeInteger(maxItems) || maxItems < 1) throw new TypeError(`history size must be a positive integer, got ${maxItems}`);
    if (!(maxBytes > 0) || !Number.isSafeInteger(maxBytes))
      throw new TypeError(`history bytes must be a positive integer, got ${maxBytes}`);
    this.#capacity = maxItems;
    // Not zero-filled: pages are only touched (and count towards RSS) as history fills up.
    this.#bytes = Buffer.allocUnsafeSlow(maxBytes);
    this.#ms = new Float64Array(maxItems);
    this.#seq = new Float64Array(maxItems);
    this.#time = new Float64Array(maxItems);
    this.#ordinal = new Float64Array(maxItems);
    this.#start = new Float64Array(maxItems);
    this.#loggerLength = new Uint32Array(maxItems);
    this.#dataLength = new Uint32Array(maxItems);
    this.#level = new Uint8Array(maxItems);
    this.#type = new Uint8Array(maxItems);
  }

  get length(): number {
    return this.#length;
  }

  /**
   * Appends a message, evicting the oldest ones to make room (each passed to `onEvict` as its id,
   * ordinal and type). A message larger than the whole byte budget is not kept (it is reported evicted).
   */
  push(message: StreamMessage, ordinal: number, onEvict: OnEvict): void {
    const logger = this.#loggerBytes(message.logger);
    const loggerLength = logger.length;
    const data = message.data;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: when that much room is free without evicting
    // for space, the data is encoded once, straight into place, instead of measured and then
    // encoded. (Evicting the oldest to respect the count only frees more room.)
    let start = this.#free(loggerLength + 3 * data.length);
    let dataLength: number;
    if (start !== -1) {
      if (this.#length === this.#capacity) this.#evict(onEvict);
      dataLength = this.#bytes.write(data, start + loggerLength, 3 * data.length, 'utf8');
    } else {
      dataLength = Buffer.byteLength(data);
      if (loggerLength + dataLength > this.#bytes.length) {
        onEvict(message.position, ordinal, message.type);
        return;
      }
      if (this.#length === this.#capacity) this.#evict(onEvict);
      start = this.#allocate(loggerLength + dataLength, onEvict);
      this.#bytes.write(data, start + loggerLength, dataLength, 'utf8');
    }
    logger.copy(this.#bytes, start);
    this.#place(message, ordinal, start, loggerLength, dataLength);
  }

  /**
   * Appends `messages[from…]` (each with its `ordinal`), as {@link push} would one by one. When
   * the ring has room for the worst case of all of them in one stretch (without evicting for
   * space), their logger names and data are UTF-8 encoded with one write instead of one per
   * message; that write is kept when the text turns out to be ASCII (then characters are bytes and
   * every message's place is known), and otherwise overwritten message by message.
   */
  pushAll(messages: readonly StreamMessage[], from: number, onEvict: OnEvict): void {
    if (messages.length - from > 1) {
      let text = '';
      for (let i = from; i < messages.length; i++) {
        const message = messages[i] as StreamMessage;
        text += message.logger + message.data;
      }
      const start = this.#free(3 * text.length);
      if (start !== -1 && this.#bytes.write(text, start, 3 * text.length, 'utf8') === text.length) {
        let at = start;
        for (let i = from; i < messages.length; i++) {
          const message = messages[i] as StreamMessage;
          if (this.#length === this.#capacity) this.#evict(onEvict);
          this.#place(message, message.ordinal as number, at, message.logger.length, message.data.length);
          at += message.logger.length + message.data.length;
        }
        return;
      }
    }
    for (let i = from; i < messages.length; i++) {
      const message = messages[i] as StreamMessage;
      this.push(message, message.ordinal as number, onEvict);
    }
  }

  /** Records where the message whose bytes were just written at `start` lives, as the newest item. */
  #place(message: StreamMessage, ordinal: number, start: number, loggerLength: number, dataLength: number): void {
    const slot = (this.#first + this.#length) % this.#capacity;
    this.#ms[slot] = message.position.ms;
    this.#seq[slot] = message.position.seq;
    this.#time[slot] = message.time;
    this.#ordinal[slot] = ordinal;
    this.#start[slot] = start;
    this.#loggerLength[slot] = loggerLength;
    this.#dataLength[slot] = dataLength;
    this.#level[slot] = Math.max(0, Math.min(255, message.level | 0));
    this.#type[slot] = message.type === 'audit_log' ? 1 : 0;
    this.#length++;
    this.#head = start + loggerLength + dataLength;
  }

  /**
   * A logger name as UTF-8: a service has few loggers, so their bytes are kept (up to
   * {@link LOGGER_CACHE} names of at most as many bytes) and copied, rather than measured and
   * encoded for every message.
   */
  #loggerBytes(name: string): Buffer {
    let bytes = this.#loggers.get(name);
    if (bytes === undefined) {
      bytes = Buffer.from(name, 'utf8');
      if (bytes.length > LOGGER_CACHE) return bytes;
      if (this.#loggers.size >= LOGGER_CACHE) this.#loggers.clear();
      this.#loggers.set(name, bytes);
    }
    return bytes;
  }

  /** Id of the item at `index` (0 = oldest). */
  idAt(index: number): StreamId | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    const slot = (this.#first + index) % this.#capacity;
    return { ms: this.#ms[slot] as number, seq: this.#seq[slot] as number };
  }

  /** Type of the item at `index`, without decoding it. */
  typeAt(index: number): LogType | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return TYPES[this.#type[(this.#first + index) % this.#capacity] as number];
  }

  /** Ordinal of the item at `index`. */
  ordinalAt(index: number): number | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    return this.#ordinal[(this.#first + index) % this.#capacity];
  }

  /** The message at `index` (0 = oldest), decoded. */
  at(index: number): StreamMessage | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    const slot = (this.#first + index) % this.#capacity;
    const start = this.#start[slot] as number;
    const loggerEnd = start + (this.#loggerLength[slot] as number);
    const position = { ms: this.#ms[slot] as number, seq: this.#seq[slot] as number };
    const id = formatId(position);
    const type = TYPES[this.#type[slot] as number] as LogType;
    const data = this.#bytes.toString('utf8', loggerEnd, loggerEnd + (this.#dataLength[slot] as number));
    return {
      id,
      position,
      type,
      time: this.#time[slot] as number,
      level: this.#level[slot] as number,
      logger: this.#bytes.toString('utf8', start, loggerEnd),
      data,
      frame: logFrame(type, id, data),
      ordinal: this.#ordinal[slot] as number,
    };
  }

  /** Index of the first item whose id is greater than (or, with `inclusive`, equal to) `id`. */
  indexAfter(id: StreamId, inclusive = false): number {
    let lo = 0;
    let hi = this.#length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareIds(this.idAt(mid) as StreamId, id);
      if (c > 0 || (inclusive && c === 0)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  #evict(onEvict: OnEvict): void {
    const slot = this.#first;
    const id = { ms: this.#ms[slot] as number, seq: this.#seq[slot] as number };
    onEvict(id, this.#ordinal[slot] as number, TYPES[this.#type[slot] as number] as LogType);
    this.#first = (this.#first + 1) % this.#capacity;
    this.#length--;
    if (this.#length === 0) this.#head = 0;
  }

  /** Where `size` contiguous free bytes start without evicting anything, or -1. */
  #free(size: number): number {
    const total = this.#bytes.length;
    if (this.#length === 0) return size <= total ? 0 : -1;
    const oldest = this.#start[this.#first] as number;
    if (this.#head > oldest) {
      if (total - this.#head >= size) return this.#head;
      return oldest >= size ? 0 : -1;
    }
    if (this.#head < oldest && oldest - this.#head >= size) return this.#head;
    return -1;
  }

  /** Finds `size` contiguous free bytes in the ring, evicting the oldest records as needed. */
  #allocate(size: number, onEvict: OnEvict): number {
    const total = this.#bytes.length;
    for (;;) {
      if (this.#length === 0) return 0;
      const oldest = this.#start[this.#first] as number;
      if (this.#head > oldest) {
        // Used: [oldest, head). Free: [head, total) and [0, oldest).
        if (total - this.#head >= size) return this.#head;
        if (oldest >= size) return 0;
      } else if (this.#head < oldest) {
        // Wrapped. Free: [head, oldest).
        if (oldest - this.#head >= size) return this.#head;
      }
      // head === oldest with records held: the ring is full.
      this.#evict(onEvict);
    }
  }
}
