import { createHmac } from 'node:crypto';
import { sha256Hex } from './lines.js';

/**
 * The audit trail's line format, shared by the writer and `verify`.
 *
 * Every line is one JSON object: `{"seq":N,"prev":"<hex>", …record…, "hash":"<hex>"}` where
 * - `seq` counts lines from 1, across files;
 * - `prev` is SHA-256 of the exact bytes of the previous line as written (without its newline),
 *   the previous line of the previous file for a file's first line, 64 zeros for the first line
 *   ever written;
 * - `hash` is SHA-256 of this line's own bytes up to (not including) `,"hash":`, so an edited line
 *   is named even when it is the last one.
 * Nothing is canonicalised: a verifier needs only the bytes in the files.
 */

/** Name of one day's trail file: `audit-YYYYMMDD.jsonl` (UTC date). */
export const TRAIL_FILE = /^audit-(\d{4})(\d{2})(\d{2})\.jsonl$/;

/** Checkpoints written when the app supplies an integrity key. */
export const CHECKPOINT_FILE = 'checkpoints.jsonl';

/** `prev` of the first line ever written. */
export const GENESIS = '0'.repeat(64);

/** Length of `,"hash":"<64 hex>"}`. */
export const HASH_SUFFIX_LENGTH = ',"hash":"'.length + 64 + '"}'.length;

/** Trail records that are not audit events (they carry `kind` instead of a stream `id`). */
export const TrailRecordKind = {
  /** First line of every file: names the file and its predecessor. */
  FileOpen: 'file_open',
  /** Records that could not be written (disk full, unwritable) were dropped. */
  Gap: 'gap',
  /** Written at startup after a crash left a torn last line, which was cut off. */
  Recovery: 'audit_recovery',
  /** Expired files were deleted by retention; the first remaining file is anchored by this. */
  RetentionPurge: 'retention_purge',
  /**
   * A trail file (or the checkpoint file) was removed or replaced while being written: its lines
   * are gone. Written right after the `file_open` of the new file, so the chain restarts honestly
   * (`through_seq`: the last seq written before the loss).
   */
  TrailLost: 'trail_lost',
} as const;

/** One of {@link TrailRecordKind}. */
export type TrailRecordKind = (typeof TrailRecordKind)[keyof typeof TrailRecordKind];

/** The trail file name for the UTC day of `ms`. */
export function trailFileName(ms: number): string {
  return `audit-${utcDay(ms)}.jsonl`;
}

/** `YYYYMMDD` of the UTC day of `ms`. */
export function utcDay(ms: number): string {
  const date = new Date(ms);
  return `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}${String(date.getUTCDate()).padStart(2, '0')}`;
}

/** Milliseconds at the start of the UTC day a trail file is named after, or undefined if not a trail file name or not a calendar date. */
export function trailFileDay(name: string): number | undefined {
  const match = TRAIL_FILE.exec(name);
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const date = new Date(ms);
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return ms;
}

/** Finishes a line: appends the `hash` of the bytes so far and closes the object. */
export function sealLine(prefix: string): string {
  return prefix + ',"hash":"' + sha256Hex(prefix) + '"}';
}

/** The opening of a line: `{"seq":N,"prev":"<hex>"`. */
export function lineHead(seq: number, prev: string): string {
  return '{"seq":' + seq + ',"prev":"' + prev + '"';
}

/** A signed checkpoint: the trail had `seq` lines, the last of which hashes to `hash`. */
export interface Checkpoint {
  seq: number;
  /** SHA-256 of the exact bytes of line `seq`. */
  hash: string;
  /** Trail file holding line `seq`, and its line number there. */
  file: string;
  line: number;
  timestamp: string;
  /** `sig` of the previous checkpoint ('' for the first), so checkpoints form a chain too. */
  prev_sig: string;
  /** HMAC-SHA256 over the fields above, hex. */
  sig: string;
}

/** HMAC of a checkpoint's fields, bound to its predecessor. */
export function signCheckpoint(key: string | Uint8Array, checkpoint: Omit<Checkpoint, 'sig'>): string {
  const text = [
    'logwire-checkpoint-v1',
    checkpoint.seq,
    checkpoint.hash,
    checkpoint.file,
    checkpoint.line,
    checkpoint.timestamp,
    checkpoint.prev_sig,
  ].join('\n');
  return createHmac('sha256', key).update(text).digest('hex');
}

/** The JSON line of a checkpoint, fields in a fixed order. */
export function checkpointLine(checkpoint: Checkpoint): string {
  return JSON.stringify({
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    file: checkpoint.file,
    line: checkpoint.line,
    timestamp: checkpoint.timestamp,
    prev_sig: checkpoint.prev_sig,
    sig: checkpoint.sig,
  });
}

/** Told what the trail writes: its lines (text of whole lines, each ending in a newline) and its checkpoints. */
export interface TrailObserver {
  written(text: string): void;
  wroteCheckpoint(checkpoint: Checkpoint): void;
}
