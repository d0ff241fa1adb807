import fs from 'node:fs';
import path from 'node:path';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import { syncDir } from './append-file.js';
import { isMissing, readLinesBackwardSync } from './lines.js';
import { listTrailFiles, seqOf } from './trail-files.js';
import { trailFileDay, trailFileName } from './trail-format.js';

/** What a retention pass deleted: file names, and the highest `seq` they held (for the `retention_purge` record). */
export interface Purge {
  purged: string[];
  throughSeq: number;
}

/**
 * Deletes the trail files of `dir` whose **name** date is more than `retentionDays` days before the
 * UTC day of `now` (modification times are ignored), except `current`. Only regular files named
 * exactly `audit-YYYYMMDD.jsonl` are touched: a symlink named like a trail file is never followed
 * or removed. Failures are reported, not thrown.
 */
export function deleteExpiredTrailFiles(
  dir: string,
  now: number,
  retentionDays: number,
  current: string,
  report: (error: LogwireError) => void,
): Purge {
  const cutoff = (trailFileDay(trailFileName(now)) as number) - retentionDays * 86_400_000;
  const purged: string[] = [];
  let throughSeq = 0;
  for (const name of listTrailFiles(dir)) {
    if ((trailFileDay(name) as number) >= cutoff || name === current) continue;
    const full = path.join(dir, name);
    try {
      if (!fs.lstatSync(full).isFile()) continue;
      readLinesBackwardSync(full, (line) => {
        const seq = seqOf(line);
        if (seq !== undefined) throughSeq = Math.max(throughSeq, seq);
        return seq === undefined;
      });
      fs.unlinkSync(full);
      purged.push(name);
    } catch (error) {
      if (isMissing(error)) continue;
      const reason = error instanceof Error ? error.message : String(error);
      report(new LogwireError(LogwireErrorCode.Write, `retention could not delete ${full}: ${reason}`, { cause: error }));
    }
  }
  if (purged.length > 0) syncDir(dir);
  return { purged, throughSeq };
}
