/**
 * The batch packer: writes a batch of records into the two append-script arguments that carry
 * them (see `entry-codec.ts` for the layout): `l`, the byte lengths of each record's header and
 * data as comma-separated decimals, and `b`, per record its header (`type US time US level US
 * logger`) then its data.
 *
 * Both are written byte by byte into scratch buffers and copied out once per batch: no header
 * strings, no length strings, and every string is encoded once (UTF-8, straight into place)
 * instead of measured and then encoded. The copies are the batch's own Buffers, which the Redis
 * client may hold until they are on the socket.
 */
import { readsBackAlike } from './own-batches.js';
import type { BackplaneRecord } from './types.js';

const US = 0x1f;
const COMMA = 0x2c;

/** A packed batch: its records' lengths and bytes, as the append script takes them. */
export interface PackedBatch {
  lengths: Buffer;
  packed: Buffer;
}

/** Packs batches of records; one per append queue (its scratch buffers grow to the largest batch). */
export class BatchPacker {
  #bytes: Buffer<ArrayBuffer> = Buffer.allocUnsafeSlow(64 * 1024);
  #lengths: Buffer<ArrayBuffer> = Buffer.allocUnsafeSlow(4 * 1024);
  #at = 0;
  #lengthAt = 0;
  #alike = true;
  /** The last logger name written and its UTF-8 bytes: a batch's records mostly share a few. */
  #logger = '';
  #loggerBytes: Buffer = Buffer.alloc(0);

  /** Starts a new batch. */
  start(): void {
    this.#at = 0;
    this.#lengthAt = 0;
    this.#alike = true;
  }

  /** Whether every record of the batch reads back from its bytes as the same values (see own-batches.ts). */
  get alike(): boolean {
    return this.#alike;
  }

  /** Adds one record to the batch. */
  add(record: BackplaneRecord): void {
    const { type, time, level, logger, data } = record;
    if (this.#alike && !readsBackAlike(record)) this.#alike = false;
    // Room for the header's fixed part (numbers take at most 24 characters each), the logger and
    // the data at 3 bytes per UTF-16 unit (UTF-8's most).
    this.#reserve(type.length + 3 + 48 + 3 * logger.length + 3 * data.length);
    const bytes = this.#bytes;
    const start = this.#at;
    let at = start;
    for (let i = 0; i < type.length; i++) bytes[at++] = type.charCodeAt(i);
    bytes[at++] = US;
    at = writeNumber(bytes, at, time);
    bytes[at++] = US;
    at = writeNumber(bytes, at, level);
    bytes[at++] = US;
    if (logger !== this.#logger) {
      this.#logger = logger;
      this.#loggerBytes = Buffer.from(logger);
    }
    bytes.set(this.#loggerBytes, at);
    at += this.#loggerBytes.length;
    const headerLength = at - start;
    const dataLength = data.length === 0 ? 0 : bytes.write(data, at);
    this.#at = at + dataLength;
    this.#addLengths(headerLength, dataLength);
  }

  /** The batch so far, copied out of the scratch buffers. */
  finish(): PackedBatch {
    return { lengths: Buffer.from(this.#lengths.subarray(0, this.#lengthAt)), packed: Buffer.from(this.#bytes.subarray(0, this.#at)) };
  }

  #addLengths(header: number, data: number): void {
    if (this.#lengthAt + 34 > this.#lengths.length) this.#lengths = grow(this.#lengths, this.#lengthAt, 34);
    const lengths = this.#lengths;
    let at = this.#lengthAt;
    if (at > 0) lengths[at++] = COMMA;
    at = writeNumber(lengths, at, header);
    lengths[at++] = COMMA;
    this.#lengthAt = writeNumber(lengths, at, data);
  }

  #reserve(bytes: number): void {
    if (this.#at + bytes > this.#bytes.length) this.#bytes = grow(this.#bytes, this.#at, bytes);
  }
}

/** A larger copy of `buffer`'s first `used` bytes, with room for `more`. */
function grow(buffer: Buffer, used: number, more: number): Buffer<ArrayBuffer> {
  const larger = Buffer.allocUnsafeSlow(Math.max(buffer.length * 2, used + more));
  buffer.copy(larger, 0, 0, used);
  return larger;
}

/** Writes `value` as `String(value)` would, at `at`; returns the position after it. */
function writeNumber(bytes: Buffer, at: number, value: number): number {
  if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER && Number.isInteger(value))) {
    return at + bytes.write(String(value), at, 'latin1');
  }
  if (value < 10) {
    bytes[at] = 0x30 + value;
    return at + 1;
  }
  if (value < 1e9) return writeDigits(bytes, at, value, digitsOf(value));
  // A millisecond timestamp and the like: two halves of at most 9 digits each, in 32-bit integer
  // arithmetic (the low half zero-padded).
  const high = Math.floor(value / 1e9);
  const end = writeNumber(bytes, at, high);
  return writeDigits(bytes, end, value - high * 1e9, 9);
}

/** How many decimal digits `value` (below 10^9) has. */
function digitsOf(value: number): number {
  let digits = 1;
  for (let bound = 10; value >= bound && digits < 9; bound *= 10) digits++;
  return digits;
}

/** Writes `value` (below 10^9) as exactly `digits` decimal digits, zero-padded; returns the position after them. */
function writeDigits(bytes: Buffer, at: number, value: number, digits: number): number {
  let rest = value | 0;
  for (let i = at + digits - 1; i >= at; i--) {
    const next = (rest / 10) | 0;
    bytes[i] = 0x30 + rest - next * 10;
    rest = next;
  }
  return at + digits;
}
