/**
 * Own batches: a node reads its own appends back from the stream (that is how they get their ids
 * and their place among the other nodes' records). The batches it sent are remembered here, per
 * subscribed stream, until they come back; an entry read whose `l` and `b` fields are byte for
 * byte a remembered batch's holds exactly that batch's records, so the reader takes the record
 * values it already has instead of decoding them again (no new logger and data strings).
 *
 * Exactness does not depend on this: a match is decided on the stored bytes alone (so a re-send
 * cut short by the append script, another node's entry, or anything else simply decodes), and a
 * batch is remembered only when its records read back as the very same values (well-formed text,
 * no `-0`). At most {@link MAX_BATCHES} batches and {@link MAX_BYTES} bytes are remembered per stream.
 */
import type { PackedBatch } from './batch-packer.js';
import type { BackplaneRecord } from './types.js';

/** Batches remembered per stream at most (the oldest are forgotten). */
const MAX_BATCHES = 32;
/** Bytes of packed records remembered per stream at most. */
const MAX_BYTES = 8 * 1024 * 1024;

interface OwnBatch extends PackedBatch {
  records: readonly BackplaneRecord[];
}

interface Remembered {
  batches: OwnBatch[];
  bytes: number;
}

/** The batches this node sent and has not read back yet; see the module comment. */
export class OwnBatches {
  readonly #streams = new Map<string, Remembered>();

  /** Starts remembering the batches sent to `stream` (it has a subscription). */
  watch(stream: string): void {
    if (!this.#streams.has(stream)) this.#streams.set(stream, { batches: [], bytes: 0 });
  }

  /** Stops remembering batches of `stream` and forgets them. */
  unwatch(stream: string): void {
    this.#streams.delete(stream);
  }

  /** Forgets everything. */
  clear(): void {
    this.#streams.clear();
  }

  /** Remembers a batch sent to `stream`, if the stream is watched. */
  sent(stream: string, batch: PackedBatch, records: readonly BackplaneRecord[]): void {
    const remembered = this.#streams.get(stream);
    if (remembered === undefined || batch.packed.length > MAX_BYTES) return;
    remembered.batches.push({ lengths: batch.lengths, packed: batch.packed, records });
    remembered.bytes += batch.packed.length;
    while (remembered.batches.length > MAX_BATCHES || remembered.bytes > MAX_BYTES) {
      remembered.bytes -= remembered.batches.shift()!.packed.length;
    }
  }

  /**
   * The records of a remembered batch of `stream` stored as `lengths` and `blob`, or `undefined`.
   * A match is forgotten with every batch sent before it (they were read, or never stored).
   */
  take(stream: string, lengths: Buffer, blob: Buffer): readonly BackplaneRecord[] | undefined {
    const remembered = this.#streams.get(stream);
    if (remembered === undefined) return undefined;
    const { batches } = remembered;
    for (let i = 0; i < batches.length; i++) {
      const batch = batches[i]!;
      if (batch.packed.length !== blob.length || !batch.lengths.equals(lengths) || !batch.packed.equals(blob)) continue;
      for (const gone of batches.splice(0, i + 1)) remembered.bytes -= gone.packed.length;
      return batch.records;
    }
    return undefined;
  }
}

/** Whether `record` reads back from its stored bytes as the same values (see the module comment). */
export function readsBackAlike(record: BackplaneRecord): boolean {
  return wellFormed(record.data) && wellFormed(record.logger) && !Object.is(record.time, -0) && !Object.is(record.level, -0);
}

/** Whether `text` has no lone surrogate (which UTF-8 stores as U+FFFD). */
function wellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}
