// The persistence directory's lock: one writing process per directory.
import fs from 'node:fs';
import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';

/** Lock file: one writing process per directory. */
export const LOCK_FILE = 'logwire.lock';

/**
 * Takes the directory for this process: two writers would fork the audit chain and interleave
 * rotations. A lock left by a process that is gone (crash, kill -9) is taken over.
 * Throws when a live process holds it; returns undefined when the directory is unusable (that
 * is reported, and writing is retried later).
 */
export function acquireLock(file: string, report: (error: unknown) => void): string | undefined {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid) + '\n', { flag: 'wx', mode: 0o600 });
      return file;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'EEXIST') {
        report(
          new LogwireError(
            LogwireErrorCode.Write,
            `Cannot create lock file ${file}: ${error instanceof Error ? error.message : String(error)}`,
            { cause: error },
          ),
        );
        return undefined;
      }
    }
    let holder = NaN;
    try {
      holder = Number(fs.readFileSync(file, 'utf8').trim());
    } catch {
      // Unreadable or just removed: try again.
    }
    if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
      throw new LogwireError(
        LogwireErrorCode.InvalidOption,
        `${path.dirname(file)} is in use by process ${holder}: give each process its own persistence.dir`,
      );
    }
    try {
      fs.unlinkSync(file);
    } catch {
      // Someone else removed it first.
    }
  }
  return undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code === 'EPERM';
  }
}
