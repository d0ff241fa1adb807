// The audit chain on the wire: the `chain` of an `audit_log` message and the `checkpoint` message
// (see docs/protocol.md, "Audit chain"). Validators return a message saying what is wrong, or
// undefined; frame builders concatenate parts that are already JSON, like ./frames.ts.
import type { AuditChain, CheckpointData } from './messages.js';
import { fits, misfit, optional, ORDINAL, type Rule, type Shape, STRING } from './shape.js';

const HEX64: Rule = [(value) => typeof value === 'string' && /^[0-9a-f]{64}$/.test(value), '64 lowercase hex digits'];

/** Most non-event trail records one event may carry before it (more are left out: the chain shows a hole there). */
export const MAX_CHAIN_RECORDS = 64;

/** The `chain` of an audit message. */
export const CHAIN: Shape = {
  seq: ORDINAL,
  prev: HEX64,
  hash: HEX64,
  records: optional([
    (value) => Array.isArray(value) && value.length <= MAX_CHAIN_RECORDS && value.every((line) => typeof line === 'string'),
    `an array of at most ${MAX_CHAIN_RECORDS} strings`,
  ]),
};

const CHECKPOINT: Shape = {
  seq: ORDINAL,
  hash: HEX64,
  file: STRING,
  line: [Number.isSafeInteger, 'a whole number'],
  timestamp: STRING,
  prev_sig: STRING,
  sig: STRING,
};

/** What is wrong with the `chain` of an audit message, or undefined when it is absent or valid. */
export function checkChain(value: unknown): string | undefined {
  return value === undefined ? undefined : misfit(value, CHAIN, 'chain.')?.[1];
}

/** Whether `value` is a checkpoint as servers send it (fields typed as in {@link CheckpointData}). */
export function isCheckpointData(value: unknown): value is CheckpointData {
  return fits(value, CHECKPOINT);
}

/**
 * `{"type":"audit_log","id":…,"data":…,"chain":{…}}`: an audit log frame (from `logFrame`) with its
 * chain fields; `chain` is the JSON text of an {@link AuditChain}.
 */
export function chainedLogFrame(frame: string, chain: string): string {
  return frame.slice(0, -1) + ',"chain":' + chain + '}';
}

/** The JSON text of a chain, keys in the documented order. */
export function chainJson(chain: AuditChain): string {
  return (
    '{"seq":' +
    chain.seq +
    ',"prev":"' +
    chain.prev +
    '","hash":"' +
    chain.hash +
    '"' +
    (chain.records === undefined || chain.records.length === 0 ? '' : ',"records":' + JSON.stringify(chain.records)) +
    '}'
  );
}

/** `{"type":"checkpoint","data":{seq,hash,file,line,timestamp,prev_sig,sig}}`. */
export function checkpointFrame(checkpoint: CheckpointData): string {
  const { seq, hash, file, line, timestamp, prev_sig, sig } = checkpoint;
  return JSON.stringify({ type: 'checkpoint', data: { seq, hash, file, line, timestamp, prev_sig, sig } });
}

const LINE_BREAKERS = /[\u0085\u2028\u2029]/g;

/**
 * The audit trail line of an event up to (not including) `,"hash":`, rebuilt from what the stream
 * carries: `{"seq":N,"prev":"…","id":"…",<members of data>`. The trail writes `data` as the logger
 * encoded it (which `JSON.stringify` of the parsed object reproduces) with U+0085, U+2028 and
 * U+2029 escaped. SHA-256 of this text is the event's `chain.hash`.
 */
export function chainLinePrefix(seq: number, prev: string, id: string, data: unknown): string {
  const json = JSON.stringify(data) ?? '{}';
  const body =
    json.length > 2 ? json.slice(1, -1).replace(LINE_BREAKERS, (char) => '\\u' + char.charCodeAt(0).toString(16).padStart(4, '0')) : '';
  return '{"seq":' + seq + ',"prev":"' + prev + '","id":"' + id + '"' + (body === '' ? '' : ',' + body);
}

/** The whole trail line from its prefix (see {@link chainLinePrefix}) and its hash; SHA-256 of it is the next line's `prev`. */
export function chainLine(prefix: string, hash: string): string {
  return prefix + ',"hash":"' + hash + '"}';
}
