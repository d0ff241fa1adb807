// Retention of `instances/<id>/` directories: a directory whose newest file was last written more
// than `maxAgeDays` ago is deleted, unless its instance has a logger open in this process. Checked
// at startup and then hourly (an unref'd timer: it never keeps the process alive).
import fs from 'node:fs';
import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { InstanceLogs } from './instances.js';
import { isValidInstanceId } from './instances.js';
import { DAY_MS } from './log-compression.js';

/** Retention option of `persistence.instances`. */
export interface InstanceRetention {
  /** Delete an instance directory whose newest file is older than this many days. @default no limit */
  maxAgeDays?: number;
}

/** Time between two retention passes over `instances/`, in ms. */
export const INSTANCE_PRUNE_INTERVAL_MS = 60 * 60 * 1000;

/** Starts retention of `logs.dir` (nothing when `maxAgeDays` is undefined); returns the stop function. */
export function pruneInstances(logs: InstanceLogs, maxAgeDays: number | undefined, onError: (error: unknown) => void): () => void {
  if (maxAgeDays === undefined) return () => {};
  if (typeof maxAgeDays !== 'number' || !(maxAgeDays >= 0))
    throw new LogwireError(
      LogwireErrorCode.InvalidOption,
      `persistence.instances.maxAgeDays must be a number ≥ 0, got ${String(maxAgeDays)}`,
    );
  pruneInstanceDirs(logs, maxAgeDays, Date.now(), onError);
  const timer = setInterval(() => pruneInstanceDirs(logs, maxAgeDays, Date.now(), onError), INSTANCE_PRUNE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** One retention pass; returns the ids of the deleted directories. */
export function pruneInstanceDirs(logs: InstanceLogs, maxAgeDays: number, now: number, onError: (error: unknown) => void): string[] {
  const cutoff = now - maxAgeDays * DAY_MS;
  const open = logs.openIds();
  const deleted: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(logs.dir, { withFileTypes: true });
  } catch {
    return deleted;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || !isValidInstanceId(entry.name) || open.has(entry.name)) continue;
    const directory = path.join(logs.dir, entry.name);
    try {
      if (lastWrite(directory) >= cutoff) continue;
      fs.rmSync(directory, { recursive: true, force: true });
      deleted.push(entry.name);
    } catch (error) {
      onError(
        new LogwireError(
          LogwireErrorCode.Write,
          `Cannot apply retention to ${directory}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
    }
  }
  return deleted;
}

/** Newest modification time of the files directly in `directory` (the directory's own when empty). */
function lastWrite(directory: string): number {
  let newest = fs.statSync(directory).mtimeMs;
  for (const name of fs.readdirSync(directory)) {
    try {
      newest = Math.max(newest, fs.statSync(path.join(directory, name)).mtimeMs);
    } catch {
      // Removed meanwhile.
    }
  }
  return newest;
}
