import fs from 'node:fs';
import path from 'node:path';
import { timingSafeEqual } from 'node:crypto';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { listTrailFiles } from './trail-files.js';
import { readRawLines, sha256Hex } from './lines.js';
import { CHECKPOINT_FILE, type Checkpoint, GENESIS, HASH_SUFFIX_LENGTH, signCheckpoint, TrailRecordKind } from './trail-format.js';

/** Why verification failed. */
export const VerifyReason = {
  /** A line's own `hash` does not match its bytes: the line was edited. */
  HashMismatch: 'hash_mismatch',
  /** A line's `prev` is not the hash of the line before it: that line was rewritten, or lines were removed or inserted between. */
  PrevMismatch: 'prev_mismatch',
  /** `seq` jumps forward: lines were deleted. */
  SeqGap: 'seq_gap',
  /** `seq` repeats or goes back: lines were reordered or inserted. */
  SeqOutOfOrder: 'seq_out_of_order',
  /** A line in the middle of the trail is not a complete trail record. */
  CorruptLine: 'corrupt_line',
  /** A trail file named by the next file's `file_open` record is gone (and not purged by retention). */
  MissingFile: 'missing_file',
  /** A file's `file_open` record names another file: the file was renamed or copied in. */
  FileMoved: 'file_moved',
  /** A signed checkpoint names a line whose bytes differ: the trail was rewritten. */
  CheckpointMismatch: 'checkpoint_mismatch',
  /** A checkpoint's signature is wrong (edited checkpoint, or the wrong key). */
  CheckpointInvalid: 'checkpoint_invalid',
  /** Checkpoints were deleted or reordered. */
  CheckpointChainBroken: 'checkpoint_chain_broken',
  /** A signed checkpoint covers lines that are no longer there: the end of the trail was cut off. */
  Truncated: 'truncated',
  /** A key was given but there are no checkpoints to check. */
  CheckpointsMissing: 'checkpoints_missing',
  /** No trail files were found. */
  NoTrail: 'no_trail',
} as const;

/** One of {@link VerifyReason}. */
export type VerifyReason = (typeof VerifyReason)[keyof typeof VerifyReason];

/** The first problem found, with where it is. */
export interface VerifyProblem {
  reason: VerifyReason;
  /** File name (inside the audit directory, or the checkpoint file's path). */
  file: string;
  /** 1-based line number in that file. */
  line: number;
  /** `seq` of the line, when it could be read. */
  seq?: number;
  message: string;
}

/**
 * A loss the trail itself records (a `trail_lost` record): a trail file or the checkpoint file was
 * removed or replaced while the writer had it open. Not tampering: the writer noticed and said so.
 */
export interface VerifyLoss {
  /** Where the `trail_lost` record is: file name and line. */
  file: string;
  line: number;
  /** The file that was lost, and how (`removed` or `replaced`). */
  lost: string;
  reason: string;
  /** The last seq written before the loss. */
  throughSeq: number;
}

/** The outcome of {@link verifyAuditTrail}. */
export interface VerifyResult {
  /** The directory whose trail files were read. */
  dir: string;
  /** The trail files read, oldest first. */
  fileNames: string[];
  /** Losses the trail records (a file removed while being written); see {@link VerifyLoss}. */
  losses: VerifyLoss[];
  /**
   * `intact`: every line checks out; `torn_tail`: intact except the very last line, which a crash
   * left incomplete (not tampering); `tampered`: see `problem`.
   */
  status: 'intact' | 'torn_tail' | 'tampered';
  ok: boolean;
  problem?: VerifyProblem;
  /** The incomplete last line, when `status` is `torn_tail`. */
  tornTail?: { file: string; line: number; bytes: number };
  files: number;
  /** Lines checked. */
  records: number;
  firstSeq?: number;
  lastSeq?: number;
  /** Where the chain starts: the first line ever written, a retention purge of older files, or a recorded loss. */
  anchoredAt?: 'genesis' | 'retention_purge' | 'trail_lost';
  /** Signed checkpoints verified (only with a key). */
  checkpoints?: number;
  /** `seq` of the newest valid checkpoint (only with a key). */
  checkpointSeq?: number;
  /**
   * Lines after the newest checkpoint: removing them, or rewriting them all, would not be detected.
   * Without a key this is every line.
   */
  unanchored: number;
}

/** Options of {@link verifyAuditTrail}. */
export interface VerifyOptions {
  /** The integrity key the trail was written with: enables checkpoint checks. */
  key?: string | Uint8Array;
  /** Further checkpoint locations (directories holding `checkpoints.jsonl`, or the files). */
  checkpoints?: string[];
}

/**
 * Verifies the audit trail in `dir` (the persistence directory or its `audit/` directory) by
 * streaming every line once: own hash, link to the previous line, sequence, file links, and with a
 * key the signed checkpoints. Stops at the first problem and names its file and line.
 */
export async function verifyAuditTrail(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const auditDir = resolveAuditDir(dir);
  const names = listTrailFiles(auditDir);
  const losses: VerifyLoss[] = [];
  const counts = { files: names.length, records: 0, unanchored: 0 };
  const result: VerifyResult = { dir: auditDir, fileNames: names, losses, status: 'intact', ok: true, ...counts };
  const fail = (problem: VerifyProblem): VerifyResult => ({ ...result, status: 'tampered', ok: false, problem });

  let checkpoints = new Map<number, Checkpoint>();
  let checkpointSeq = 0;
  let primaryStart = '';
  if (options.key !== undefined) {
    const loaded = await loadCheckpoints([path.join(auditDir, CHECKPOINT_FILE), ...(options.checkpoints ?? [])], options.key);
    if ('problem' in loaded) return fail(loaded.problem);
    checkpoints = loaded.map;
    primaryStart = loaded.primaryStart;
    checkpointSeq = loaded.maxSeq;
    result.checkpoints = loaded.count;
    result.checkpointSeq = checkpointSeq;
  }
  if (names.length === 0)
    return fail({ reason: VerifyReason.NoTrail, file: auditDir, line: 0, message: `no audit-YYYYMMDD.jsonl files in ${auditDir}` });

  const purged = new Set<string>();
  let anchor: { file: string; previousFile: string } | undefined;
  let expectedSeq: number | undefined;
  let prevHash: string | undefined;
  let lastFile = '';
  let lastLine = 0;
  let firstProblem: VerifyProblem | undefined;
  let pendingGap: { expected: number; problem: VerifyProblem } | undefined;
  // A file's first line that does not continue the chain is accepted only when a trail_lost record follows it.
  let openProblem: VerifyProblem | undefined;
  let openSeq = 0;
  // Signatures a recreated checkpoint file may start from (recorded by trail_lost records).
  const checkpointRestarts = new Set<string>();

  outer: for (let fileIndex = 0; fileIndex < names.length; fileIndex++) {
    const name = names[fileIndex] as string;
    const isLastFile = fileIndex === names.length - 1;
    const lines = readRawLines(path.join(auditDir, name));
    let pendingTorn: { line: number; bytes: number } | undefined;
    for await (const raw of lines) {
      if (pendingTorn !== undefined) break;
      const where = { file: name, line: raw.number };
      if (!raw.terminated) {
        if (isLastFile) {
          pendingTorn = { line: raw.number, bytes: raw.bytes.length };
          continue;
        }
        firstProblem = {
          reason: VerifyReason.CorruptLine,
          ...where,
          message: `${name}:${raw.number} has no newline but another file follows`,
        };
        break outer;
      }
      const parsed = parseLine(raw.bytes);
      if (typeof parsed === 'string') {
        firstProblem = { reason: VerifyReason.CorruptLine, ...where, message: `${name}:${raw.number} is not a trail record (${parsed})` };
        break outer;
      }
      const { record, ownHashOk } = parsed;
      const seq = record.seq;
      if (!ownHashOk) {
        firstProblem = {
          reason: VerifyReason.HashMismatch,
          ...where,
          seq,
          message: `${name}:${raw.number} (seq ${seq}) was edited: its bytes no longer match its hash`,
        };
        break outer;
      }
      if (pendingGap !== undefined) {
        // The line after a forward jump decides: the missing seq right here means a swap.
        if (seq === pendingGap.expected) {
          firstProblem = {
            ...pendingGap.problem,
            reason: VerifyReason.SeqOutOfOrder,
            message: `${name}:${pendingGap.problem.line} has seq ${pendingGap.problem.seq ?? ''} and the next line has seq ${seq}: lines were reordered`,
          };
        } else {
          firstProblem = pendingGap.problem;
        }
        break outer;
      }
      if (openProblem !== undefined) {
        if (record.kind !== TrailRecordKind.TrailLost || record.through_seq !== openSeq - 1) {
          firstProblem = openProblem;
          break outer;
        }
        openProblem = undefined;
        if (anchor?.file === name) anchor = undefined;
        result.anchoredAt ??= 'trail_lost';
      }
      if (record.kind === TrailRecordKind.TrailLost) {
        const lost = String(record.file);
        losses.push({ file: name, line: raw.number, lost, reason: String(record.reason), throughSeq: Number(record.through_seq) });
        if (record.file === CHECKPOINT_FILE && typeof record.last_sig === 'string') checkpointRestarts.add(record.last_sig);
      }
      if (raw.number === 1) {
        if (record.kind !== TrailRecordKind.FileOpen) {
          firstProblem = {
            reason: VerifyReason.CorruptLine,
            ...where,
            seq,
            message: `${name}:1 is not the file_open record every trail file starts with`,
          };
          break outer;
        }
        if (record.file !== name) {
          firstProblem = {
            reason: VerifyReason.FileMoved,
            ...where,
            seq,
            message: `${name} says it was written as ${String(record.file)}: the file was renamed or copied in`,
          };
          break outer;
        }
        const previousFile = typeof record.previous_file === 'string' ? record.previous_file : null;
        openSeq = seq;
        if (prevHash === undefined) {
          if (previousFile === null) {
            if (record.prev !== GENESIS) {
              const message = `${name}:1 claims to start the trail but does not link to the genesis hash`;
              openProblem = { reason: VerifyReason.PrevMismatch, ...where, seq, message };
            } else {
              result.anchoredAt = 'genesis';
            }
          } else {
            anchor = { file: name, previousFile };
          }
        } else if (previousFile !== lastFile) {
          const message = `${String(previousFile)} is missing: ${name} follows it, but the trail continues from ${lastFile}`;
          openProblem = { reason: VerifyReason.MissingFile, ...where, seq, message };
        } else if (expectedSeq !== undefined && seq !== expectedSeq) {
          const message = `${name}:1 has seq ${seq} where ${expectedSeq} was expected: line(s) deleted before it`;
          openProblem = { reason: VerifyReason.SeqGap, ...where, seq, message };
        } else if (record.prev !== prevHash) {
          const message = `${name}:1 (seq ${seq}) does not link to the line before it (${lastFile}:${lastLine})`;
          openProblem = { reason: VerifyReason.PrevMismatch, ...where, seq, message };
        }
      }
      if (openProblem !== undefined) {
        // Checked against the next line; the chain goes on from this one.
      } else if (expectedSeq !== undefined && seq !== expectedSeq) {
        if (seq > expectedSeq) {
          pendingGap = {
            expected: expectedSeq,
            problem: {
              reason: VerifyReason.SeqGap,
              ...where,
              seq,
              message: `${name}:${raw.number} has seq ${seq} where ${expectedSeq} was expected: ${seq - expectedSeq} line(s) deleted before it`,
            },
          };
          continue;
        }
        firstProblem =
          seq === expectedSeq - 1 && lastFile === name
            ? {
                reason: VerifyReason.SeqOutOfOrder,
                file: name,
                line: lastLine,
                seq,
                message: `${name}:${lastLine} and ${name}:${raw.number} both have seq ${seq}: one of them was inserted (the first is named)`,
              }
            : {
                reason: VerifyReason.SeqOutOfOrder,
                ...where,
                seq,
                message: `${name}:${raw.number} has seq ${seq} where ${expectedSeq} was expected: lines were reordered or inserted here`,
              };
        break outer;
      }
      if (openProblem === undefined && prevHash !== undefined && record.prev !== prevHash) {
        firstProblem = {
          reason: VerifyReason.PrevMismatch,
          ...where,
          seq,
          message: `${name}:${raw.number} (seq ${seq}) does not link to the line before it (${lastFile}:${lastLine}): that line was rewritten, or this one was`,
        };
        break outer;
      }
      const lineHash = sha256Hex(raw.bytes);
      const checkpoint = checkpoints.get(seq);
      if (checkpoint !== undefined && (checkpoint.hash !== lineHash || checkpoint.file !== name || checkpoint.line !== raw.number)) {
        firstProblem = {
          reason: VerifyReason.CheckpointMismatch,
          ...where,
          seq,
          message: `${name}:${raw.number} (seq ${seq}) differs from the signed checkpoint (${checkpoint.file}:${checkpoint.line}): the trail up to here was rewritten`,
        };
        break outer;
      }
      if (record.kind === TrailRecordKind.RetentionPurge && Array.isArray(record.files)) {
        for (const file of record.files) if (typeof file === 'string') purged.add(file);
      }
      result.records++;
      result.firstSeq ??= seq;
      result.lastSeq = seq;
      expectedSeq = seq + 1;
      prevHash = lineHash;
      lastFile = name;
      lastLine = raw.number;
    }
    if (pendingTorn !== undefined) result.tornTail = { file: name, ...pendingTorn };
  }
  if (pendingGap !== undefined) firstProblem ??= pendingGap.problem;
  if (openProblem !== undefined) firstProblem ??= openProblem;

  if (anchor !== undefined) {
    if (!purged.has(anchor.previousFile)) {
      return fail({
        reason: VerifyReason.MissingFile,
        file: anchor.file,
        line: 1,
        message: `${anchor.previousFile} is missing: ${anchor.file} follows it and no retention_purge record explains its removal`,
      });
    }
    result.anchoredAt = 'retention_purge';
  }
  if (firstProblem !== undefined) return fail(firstProblem);
  if (options.key !== undefined) {
    if (primaryStart !== '' && !checkpointRestarts.has(primaryStart)) {
      return fail({
        reason: VerifyReason.CheckpointChainBroken,
        file: path.join(auditDir, CHECKPOINT_FILE),
        line: 1,
        message:
          `${CHECKPOINT_FILE} starts with a checkpoint that links to an earlier one, and no trail_lost record says ` +
          'the file was recreated from there: checkpoints were deleted',
      });
    }
    if (checkpoints.size === 0 && result.records > 0) {
      return fail({
        reason: VerifyReason.CheckpointsMissing,
        file: CHECKPOINT_FILE,
        line: 0,
        message: 'a key was given but there are no checkpoints: they were deleted, or the trail was written without the key',
      });
    }
    if (checkpointSeq > (result.lastSeq ?? 0)) {
      return fail({
        reason: VerifyReason.Truncated,
        file: lastFile,
        line: lastLine + 1,
        seq: (result.lastSeq ?? 0) + 1,
        message: `the trail ends at seq ${result.lastSeq ?? 0} but a signed checkpoint covers seq ${checkpointSeq}: lines were removed from the end`,
      });
    }
    result.unanchored = (result.lastSeq ?? 0) - Math.max(checkpointSeq, (result.firstSeq ?? 1) - 1);
  } else {
    result.unanchored = result.records;
  }
  if (result.tornTail !== undefined) result.status = 'torn_tail';
  return result;
}

interface TrailRecord {
  seq: number;
  prev: string;
  hash: string;
  kind?: unknown;
  file?: unknown;
  previous_file?: unknown;
  files?: unknown;
  reason?: unknown;
  through_seq?: unknown;
  last_sig?: unknown;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses a line and checks its own hash; a string says why it is not a trail record. */
function parseLine(bytes: Buffer): { record: TrailRecord; ownHashOk: boolean } | string {
  let record: TrailRecord;
  try {
    record = JSON.parse(bytes.toString('utf8')) as TrailRecord;
  } catch {
    return 'not valid JSON';
  }
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'not a JSON object';
  if (!Number.isSafeInteger(record.seq) || record.seq < 1) return 'no valid seq';
  if (typeof record.prev !== 'string' || !HEX64.test(record.prev)) return 'no valid prev';
  if (typeof record.hash !== 'string' || !HEX64.test(record.hash)) return 'no valid hash';
  const suffix = Buffer.from(',"hash":"' + record.hash + '"}', 'utf8');
  const ends = bytes.length >= HASH_SUFFIX_LENGTH && bytes.subarray(bytes.length - HASH_SUFFIX_LENGTH).equals(suffix);
  const ownHashOk = ends && sha256Hex(bytes.subarray(0, bytes.length - HASH_SUFFIX_LENGTH)) === record.hash;
  return { record, ownHashOk };
}

/** Reads and checks every checkpoint location; all must verify, and they are merged by seq. */
async function loadCheckpoints(
  locations: string[],
  key: string | Uint8Array,
): Promise<{ map: Map<number, Checkpoint>; maxSeq: number; count: number; primaryStart: string } | { problem: VerifyProblem }> {
  const map = new Map<number, Checkpoint>();
  let maxSeq = 0;
  let count = 0;
  let primaryStart = '';
  for (const [index, location] of locations.entries()) {
    const file = fs.existsSync(location) && fs.statSync(location).isDirectory() ? path.join(location, CHECKPOINT_FILE) : location;
    if (!fs.existsSync(file)) continue;
    // A mirror may have been added later, so its first checkpoint may link to one it never got.
    // So may the trail's own file after it was lost and recreated: checked against the trail's trail_lost records.
    let prevSig: string | undefined;
    let lastSeq = 0;
    for await (const raw of readRawLines(file)) {
      const where = { file, line: raw.number };
      if (!raw.terminated) break; // A checkpoint torn by a crash proves nothing and hides nothing.
      let checkpoint: Checkpoint;
      try {
        checkpoint = JSON.parse(raw.bytes.toString('utf8')) as Checkpoint;
      } catch {
        return { problem: { reason: VerifyReason.CheckpointInvalid, ...where, message: `${file}:${raw.number} is not valid JSON` } };
      }
      const { sig, ...unsigned } = checkpoint;
      const expected = signCheckpoint(key, unsigned);
      if (typeof sig !== 'string' || sig.length !== expected.length || !timingSafeEqual(Buffer.from(sig), Buffer.from(expected))) {
        return {
          problem: {
            reason: VerifyReason.CheckpointInvalid,
            ...where,
            message: `${file}:${raw.number} has an invalid signature: the checkpoint was edited, or the key is wrong`,
          },
        };
      }
      if ((prevSig !== undefined && checkpoint.prev_sig !== prevSig) || checkpoint.seq <= lastSeq) {
        return {
          problem: {
            reason: VerifyReason.CheckpointChainBroken,
            ...where,
            message: `${file}:${raw.number} does not follow the checkpoint before it: checkpoints were deleted or reordered`,
          },
        };
      }
      if (index === 0 && raw.number === 1) primaryStart = String(checkpoint.prev_sig);
      prevSig = sig;
      lastSeq = checkpoint.seq;
      map.set(checkpoint.seq, checkpoint);
      maxSeq = Math.max(maxSeq, checkpoint.seq);
      count++;
    }
  }
  return { map, maxSeq, count, primaryStart };
}

/**
 * The directory whose trail is verified: `<dir>/audit` when it exists (a persistence directory),
 * else `dir` itself. Never silently one or the other when both hold trail files: that throws
 * `ERR_LOGWIRE_INVALID_OPTION`, since a stray copy at the top must not stand in for the real trail.
 */
export function resolveAuditDir(dir: string): string {
  const sub = path.join(dir, 'audit');
  let isDir = false;
  try {
    isDir = fs.statSync(sub).isDirectory();
  } catch {
    // No audit/ directory: `dir` is the trail directory itself.
  }
  if (!isDir) return dir;
  const stray = listTrailFiles(dir);
  if (stray.length > 0) {
    throw new LogwireError(
      LogwireErrorCode.InvalidOption,
      `${dir} holds trail files itself (${stray.slice(0, 3).join(', ')}${stray.length > 3 ? ', …' : ''}) and an audit/ directory: ` +
        `name the one to verify (${sub} for the persistence trail)`,
    );
  }
  return sub;
}
