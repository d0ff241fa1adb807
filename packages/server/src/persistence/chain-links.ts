// The audit trail's chain fields for the stream: for each audit event the trail wrote, its `seq`,
// `prev` and `hash` (and the lines of non-event trail records written just before it), kept for the
// newest `capacity` events so replays and resumes send the same fields as the live stream; and the
// signed checkpoints as they are written. Extended-protocol clients verify the chain with them.
import { chainJson, type CheckpointData, MAX_CHAIN_RECORDS } from '@logwire/protocol';
import { readLinesBackwardSync } from './lines.js';
import type { Checkpoint } from './trail-format.js';

const LINE_HEAD = /^\{"seq":(\d+),"prev":"([0-9a-f]{64})"(?:,"id":"(\d+-\d+)")?/;
const HASH_TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

/** Receives each checkpoint the trail writes. */
export type CheckpointListener = (checkpoint: CheckpointData) => void;

/** See the module comment. Memory: at most `capacity` chain texts of ~170 bytes (plus any record lines). */
export class ChainLinks {
  /** Events whose chain fields are kept (the hub's history size). */
  capacity: number;
  /** Stream id → JSON text of the event's `chain`, oldest first (a Map keeps insertion order). */
  readonly #chains = new Map<string, string>();
  /** Non-event record lines written after the last event, for the next one. */
  #records: string[] = [];
  #recordsSeq = 0;
  #checkpoint: CheckpointData | undefined;
  readonly #listeners = new Set<CheckpointListener>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  /** Reads the newest checkpoint of a `checkpoints.jsonl` (at startup); a missing or unreadable file leaves none. */
  loadCheckpoint(file: string): void {
    try {
      readLinesBackwardSync(file, (line) => {
        try {
          this.#checkpoint = JSON.parse(line) as Checkpoint;
          return false;
        } catch {
          return true;
        }
      });
    } catch {
      // No checkpoints yet: the first one written is sent.
    }
  }

  /** The JSON text of the `chain` of the audit event with stream id `id`, if still kept. */
  get(id: string): string | undefined {
    return this.#chains.get(id);
  }

  /** The newest checkpoint written (or read back at startup). */
  get checkpoint(): CheckpointData | undefined {
    return this.#checkpoint;
  }

  /** Records the lines the trail wrote (`text`: lines each ending in a newline), in order. */
  written(text: string): void {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end === -1) end = text.length;
      this.line(text.slice(start, end));
      start = end + 1;
    }
  }

  /** Records one trail line (read back at startup or just written). */
  line(line: string): void {
    const head = LINE_HEAD.exec(line);
    const tail = HASH_TAIL.exec(line);
    if (head === null || tail === null) return;
    const seq = Number(head[1]);
    const id = head[3];
    if (id === undefined) {
      // A record that is not an event: the next event carries its line, if they are adjacent.
      if (seq !== this.#recordsSeq + 1) this.#records = [];
      if (this.#records.length < MAX_CHAIN_RECORDS) this.#records.push(line);
      this.#recordsSeq = seq;
      return;
    }
    const records = this.#recordsSeq === seq - 1 ? this.#records : [];
    this.#records = [];
    this.#recordsSeq = 0;
    this.#chains.set(id, chainJson({ seq, prev: head[2] as string, hash: tail[1] as string, records }));
    if (this.#chains.size > Math.max(1, this.capacity)) this.#chains.delete(this.#chains.keys().next().value as string);
  }

  /** Records a checkpoint the trail wrote and tells the listeners. */
  wroteCheckpoint(checkpoint: Checkpoint): void {
    this.#checkpoint = { ...checkpoint };
    for (const listener of this.#listeners) {
      try {
        listener(this.#checkpoint);
      } catch {
        // A listener must not stop the others, nor the trail.
      }
    }
  }

  /** Calls `listener` with every checkpoint written from now on; returns the function that stops it. */
  onCheckpoint(listener: CheckpointListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
