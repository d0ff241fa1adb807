import fs from 'node:fs';
import path from 'node:path';
import { isMissing, readLinesBackwardSync, sha256Hex } from './lines.js';
import { trailFileDay } from './trail-format.js';

// Reading the trail directory: which files are trail files, their line counts, the torn tail a
// crash can leave, and where the last record is (the writer's restart position).

/** Trail file names in `dir`, oldest first. */
export function listTrailFiles(dir: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  // Only regular files: a symlink named like a trail file is neither read nor deleted.
  return names.filter((name) => trailFileDay(name) !== undefined && isRegularFile(path.join(dir, name))).sort();
}

function isRegularFile(file: string): boolean {
  try {
    return fs.lstatSync(file).isFile();
  } catch {
    return false;
  }
}

/** Cuts an unterminated last line off (a write torn by a crash); returns the bytes removed. */
export function cutTornTail(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r+');
  } catch {
    return 0;
  }
  try {
    const size = fs.fstatSync(fd).size;
    let position = size;
    const chunk = Buffer.allocUnsafe(65_536);
    while (position > 0) {
      const length = Math.min(chunk.length, position);
      position -= length;
      fs.readSync(fd, chunk, 0, length, position);
      const index = chunk.subarray(0, length).lastIndexOf(0x0a);
      if (index !== -1) {
        const keep = position + index + 1;
        if (keep < size) fs.ftruncateSync(fd, keep);
        return size - keep;
      }
    }
    if (size > 0) fs.ftruncateSync(fd, 0);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}

export function countLines(file: string): number {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return 0;
  }
  try {
    const chunk = Buffer.allocUnsafe(65_536);
    let count = 0;
    for (;;) {
      const read = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) return count;
      for (let index = chunk.indexOf(0x0a); index !== -1 && index < read; index = chunk.indexOf(0x0a, index + 1)) count++;
    }
  } finally {
    fs.closeSync(fd);
  }
}

export function previousName(dir: string, name: string): string | null {
  const older = listTrailFiles(dir).filter((other) => other < name);
  return older.length === 0 ? null : (older[older.length - 1] as string);
}

export function seqOf(line: string): number | undefined {
  const match = /^\{"seq":(\d+),/.exec(line);
  return match === null ? undefined : Number(match[1]);
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The newest trail record on disk: its `seq`, the hash of its bytes, and where it is. */
export interface TrailPosition {
  seq: number;
  hash: string;
  /** File name and 1-based line number of the record. */
  file: string;
  line: number;
}

/**
 * Finds the newest record of the trail in `dir` (files `names`, oldest first), reading backwards,
 * so a restarted writer knows where its chain and its next checkpoint stand.
 */
export function lastRecord(dir: string, names: readonly string[]): TrailPosition | undefined {
  for (let index = names.length - 1; index >= 0; index--) {
    const file = names[index] as string;
    const full = path.join(dir, file);
    const total = countLines(full);
    let fromEnd = 0;
    let found: TrailPosition | undefined;
    readLinesBackwardSync(full, (line) => {
      fromEnd++;
      const seq = seqOf(line);
      if (seq === undefined) return true;
      found = { seq, hash: sha256Hex(line), file, line: total - fromEnd + 1 };
      return false;
    });
    if (found !== undefined) return found;
  }
  return undefined;
}
