// `persistence.errors`: `error.log`, a second system log holding only the records at or above a
// level (ERROR by default), with its own rotation and retention (daily, gzip, 90 days by default),
// as the seeds' `error.log` next to `app.log`.
import path from 'node:path';
import { Level, type LevelName } from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { StreamMessage } from '../hub/log-hub.js';
import { RotatingFile, type RotationOptions } from './rotating-file.js';

/** File name of the error log inside the persistence directory. */
export const ERROR_LOG_FILE = 'error.log';

/** Options of `persistence.errors`. */
export interface ErrorLogOptions extends RotationOptions {
  /** Lowest level written. @default 'ERROR' (so ERROR and CRITICAL) */
  level?: LevelName;
}

/** Defaults of the error log's rotation: daily and at 10 MiB, compressed, 90 days (and at most 200 rotations). */
export const ERROR_LOG_DEFAULTS = { maxBytes: 10 * 1024 * 1024, backups: 200, daily: true, compress: true, maxAgeDays: 90 } as const;

/** `<dir>/error.log`: the system records at or above a level, in the same line format as `system.log`. */
export class ErrorLog {
  readonly file: RotatingFile;
  readonly level: number;
  /** Lines dropped because writes failed. */
  lost = 0;

  constructor(dir: string, options: ErrorLogOptions | true, report: (error: unknown) => void) {
    const settings = options === true ? {} : options;
    const level = settings.level ?? 'ERROR';
    if (!Object.prototype.hasOwnProperty.call(Level, level))
      throw new LogwireError(LogwireErrorCode.InvalidOption, `persistence.errors.level must be a level name, got ${JSON.stringify(level)}`);
    this.level = Level[level];
    const rotation: RotationOptions = { ...ERROR_LOG_DEFAULTS };
    for (const key of ['maxBytes', 'backups', 'daily', 'compress', 'maxAgeDays'] as const) {
      if (settings[key] !== undefined) (rotation as Record<string, unknown>)[key] = settings[key];
    }
    this.file = new RotatingFile(path.join(dir, ERROR_LOG_FILE), rotation, { onError: report });
  }

  /** Writes the lines (already formatted as `system.log` lines) of the messages at or above the level. */
  write(messages: readonly StreamMessage[], lines: readonly string[]): void {
    const selected: string[] = [];
    for (let index = 0; index < messages.length; index++) {
      if ((messages[index] as StreamMessage).level >= this.level) selected.push(lines[index] as string);
    }
    if (selected.length > 0) this.lost += this.file.writeLines(selected);
  }
}
