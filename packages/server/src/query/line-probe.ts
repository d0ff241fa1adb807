// The cheap tests of a query (./filter.ts PageBuilder) on the bytes of a line, before it is
// decoded: its stream id, and whether it holds the JSON keys of the field filters and the raw text
// filter (case-folded). Most lines of a search fail them, so they are never turned into strings:
// the garbage a query leaves is the lines that may match, not every line it reads.
import { parseId, type StreamId } from '@logwire/protocol';

const ID_PREFIX = Buffer.from('{"id":"');
const DASH = 0x2d;
const QUOTE = 0x22;
const ZERO = 0x30;
/** UTF-8 of the two characters whose lower case is ASCII while their case folding is not (U+0130, U+212A). */
const EXOTIC = [Buffer.from('\u0130'), Buffer.from('\u212a')];

/** The occurrences of one needle in the current slice, found backwards and remembered. */
interface Needle {
  bytes: Buffer;
  /** In the folded copy of the slice (the raw text filter) rather than the slice itself. */
  folded: boolean;
  /** Start of the last occurrence at or before the end of the line last asked about; -1 none; -2 not searched yet. */
  at: number;
}

/**
 * Answers, for lines of one slice visited newest first (decreasing ranges), the stream id and
 * whether the line may match. `mayMatch` false is certain (the line lacks a key or the text);
 * true means "decode and check": the full check in PageBuilder decides.
 */
export class LineProbe {
  readonly #needles: Needle[];
  #buffer: Buffer = Buffer.alloc(0);
  #scratch: (() => Buffer) | undefined;
  #folded: Buffer | undefined;
  /** The slice holds a character the byte test cannot fold as the filter does: every line may match. */
  #exotic = false;

  /** `keys`: JSON key text every matching line holds as written; `rawText`: lower-case ASCII text it holds in any case. */
  constructor(keys: readonly string[], rawText: string | undefined) {
    this.#needles = keys.map((key) => ({ bytes: Buffer.from(key), folded: false, at: -2 }));
    if (rawText !== undefined) this.#needles.push({ bytes: Buffer.from(rawText), folded: true, at: -2 });
  }

  /** Starts a slice: its lines are ranges of `buffer`; `scratch` lends a buffer for the folded copy. */
  begin(buffer: Buffer, scratch: (() => Buffer) | undefined): void {
    this.#buffer = buffer;
    this.#scratch = scratch;
    this.#folded = undefined;
    this.#exotic = this.#needles.some((needle) => needle.folded) && EXOTIC.some((bytes) => buffer.includes(bytes));
    for (const needle of this.#needles) needle.at = -2;
  }

  /** Drops the slice's buffers (they go back to the pool). */
  end(): void {
    this.#buffer = Buffer.alloc(0);
    this.#scratch = undefined;
    this.#folded = undefined;
  }

  /**
   * The id `lineId` finds in the line, when the line starts with it (as every `system.log` line
   * does): undefined when that id is invalid; null when the bytes do not settle it (decode and ask
   * `lineId`).
   */
  id(start: number, end: number): StreamId | undefined | null {
    const buffer = this.#buffer;
    const from = start + ID_PREFIX.length;
    if (end - start < ID_PREFIX.length + 4 || buffer.compare(ID_PREFIX, 0, ID_PREFIX.length, start, from) !== 0) return null;
    let at = from;
    let ms = 0;
    for (; at < end && isDigit(buffer[at] as number); at++) ms = ms * 10 + (buffer[at] as number) - 0x30;
    if (at === from || at >= end || buffer[at] !== DASH) return null;
    const dash = at++;
    let seq = 0;
    for (; at < end && isDigit(buffer[at] as number); at++) seq = seq * 10 + (buffer[at] as number) - 0x30;
    if (at === dash + 1 || at >= end || buffer[at] !== QUOTE) return null;
    // What parseId accepts: no leading zeros, safe integers (15 digits always are; longer ones go through parseId).
    if (dash - from > 15 || at - dash - 1 > 15) return parseId(buffer.toString('latin1', from, at));
    if ((buffer[from] === ZERO && dash - from > 1) || (buffer[dash + 1] === ZERO && at - dash - 1 > 1)) return undefined;
    return { ms, seq };
  }

  /** False when the line `[start, end)` lacks a required key or the text; lines are asked about newest first. */
  mayMatch(start: number, end: number): boolean {
    if (this.#exotic) return true;
    for (const needle of this.#needles) if (!this.#holds(needle, start, end)) return false;
    return true;
  }

  #holds(needle: Needle, start: number, end: number): boolean {
    const last = end - needle.bytes.length;
    if (last < start) return false;
    if (needle.at === -2 || needle.at > last) {
      const haystack = needle.folded ? this.#foldedBuffer() : this.#buffer;
      needle.at = haystack.lastIndexOf(needle.bytes, last);
    }
    return needle.at >= start;
  }

  /** The slice with ASCII upper case folded to lower case, made once per slice. */
  #foldedBuffer(): Buffer {
    if (this.#folded !== undefined) return this.#folded;
    const source = this.#buffer;
    const lent = this.#scratch?.();
    const folded = lent !== undefined && lent.length >= source.length ? lent.subarray(0, source.length) : Buffer.allocUnsafe(source.length);
    for (let i = 0; i < source.length; i++) {
      const byte = source[i] as number;
      folded[i] = byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
    }
    this.#folded = folded;
    return folded;
  }
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
