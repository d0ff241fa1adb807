// Every cursor and continuity rule of the stream client in one place: the epoch, the last id
// covered, whether the next batch may start anywhere, dedupe by id, and the continuity check that
// reports a gap nobody announced. The client feeds it what arrives; it decides what is new.
import {
  type BatchData,
  compareIds,
  type Cursor,
  type EpochGap,
  formatId,
  type GapData,
  type GapReason,
  parseCursor,
  parseId,
  type StreamId,
} from '@logwire/protocol';

/** The position before the first message of an epoch. */
const START = '0-0';

/** Where the client stands in the server's stream, and what counts as new or missing. */
export class StreamPosition {
  #epoch: string | undefined;
  /** Last id covered (delivered or filtered out); dedupe and resume start here. */
  #last: StreamId | undefined;
  /** After a gap without an end, or a fresh start, the next batch may start anywhere. */
  #acceptAnyFrom = true;

  /** Starts from a cursor the application kept; throws a TypeError for a malformed one. */
  constructor(cursor?: Cursor) {
    if (cursor === undefined) return;
    // The server's own check of a hello's cursor, so a cursor it would refuse fails here instead.
    if (parseCursor(cursor) === undefined)
      throw new TypeError(`cursor must be {epoch, id} as client.cursor gives it, got ${JSON.stringify(cursor)}`);
    this.#epoch = cursor.epoch;
    this.#last = parseId(cursor.id);
    this.#acceptAnyFrom = false;
  }

  /** The stream's epoch, once known. */
  get epoch(): string | undefined {
    return this.#epoch;
  }

  /** Id of the last message covered. */
  get lastId(): string | undefined {
    return this.#last === undefined ? undefined : formatId(this.#last);
  }

  /** Where to resume from; `undefined` for a fresh start. */
  get cursor(): Cursor | undefined {
    return this.#epoch === undefined || this.#last === undefined ? undefined : { epoch: this.#epoch, id: formatId(this.#last) };
  }

  /**
   * Resumes from a stored cursor (`null`: a fresh start), unless the client already covered more
   * of the same epoch: a tab that led before may have shown more than storage holds.
   */
  resumeFrom(cursor: Cursor | null): void {
    const id = cursor === null ? undefined : parseId(cursor.id);
    if (id !== undefined && cursor!.epoch === this.#epoch && this.#last !== undefined && compareIds(this.#last, id) > 0) return;
    this.#epoch = id === undefined ? undefined : cursor!.epoch;
    this.#last = id;
    this.#acceptAnyFrom = id === undefined;
  }

  /** The server's welcome named its epoch: ids of another epoch are not comparable, so start over. */
  welcome(epoch: string): void {
    if (this.#epoch === epoch) return;
    // The server's epoch gap (if any) says what was lost.
    this.#epoch = epoch;
    this.#last = undefined;
    this.#acceptAnyFrom = true;
  }

  /**
   * The gap before a batch that does not continue from the last id, when nobody announced it; a
   * batch that starts before the last id only overlaps (dedupe drops the repeats).
   */
  discontinuity(batch: BatchData): EpochGap | undefined {
    if (this.#acceptAnyFrom) return undefined;
    const expected = this.lastId ?? null;
    // "0-0" (before the first message) and null (no previous message) are the same position.
    if (batch.from === expected || (batch.from === null && expected === START)) return undefined;
    const from = batch.from === null ? undefined : parseId(batch.from);
    if (from !== undefined && this.#last !== undefined && compareIds(from, this.#last) <= 0) return undefined;
    return { from: expected, to: batch.from, reason: 'diverged' satisfies GapReason, epoch: batch.epoch };
  }

  /** After a batch's messages: the batch covers up to its `to`, whatever it delivered. */
  endBatch(batch: BatchData): void {
    if (batch.to !== null) {
      this.cover(batch.to);
      this.#acceptAnyFrom = false;
    } else {
      // An empty stream: the client is positioned before its first message, so a reconnect resumes
      // from there instead of asking for a fresh tail (which could skip what was logged meanwhile).
      this.#last ??= { ms: 0, seq: 0 };
    }
  }

  /**
   * A gap the server announced: the stream continues after its end, or anywhere when it has none.
   * A gap replayed from storage (`stored`) only says that ids after an epoch change are not
   * comparable with the last one's.
   */
  gap(gap: GapData, stored = false): void {
    if (gap.reason === ('epoch' satisfies GapReason)) this.#last = undefined;
    if (stored) return;
    const to = gap.reason === ('epoch' satisfies GapReason) || gap.to === null ? undefined : parseId(gap.to);
    if (to !== undefined) this.#last = to;
    this.#acceptAnyFrom = to === undefined;
  }

  /**
   * Covers an id if it comes after the last one covered; returns whether it did, i.e. whether the
   * message is new. Messages without a (valid) id are always new and cover nothing. At-least-once
   * on the wire, at-most-once here: replays after a reconnect repeat ids. A message filtered out
   * locally is covered the same way, without being delivered.
   */
  cover(idText: string | undefined): boolean {
    const id = idText === undefined ? undefined : parseId(idText);
    if (id === undefined) return true;
    if (this.#last !== undefined && compareIds(id, this.#last) <= 0) return false;
    this.#last = id;
    return true;
  }
}
