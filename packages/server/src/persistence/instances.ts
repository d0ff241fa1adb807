import fs from 'node:fs';
import path from 'node:path';
import type { LevelName } from '@logwire/protocol';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { Fields } from '../logger/format.js';
import type { Logger } from '../logger/logger.js';
import { safeStringify } from '../logger/serialize.js';
import { ensureDir, escapeLineSeparators, isMissing, readLinesBackwardSync } from './lines.js';
import { RotatingFile, rotatedFiles, type RotationOptions } from './rotating-file.js';

/** The per-instance files `getInstanceLogs` reads. */
export const InstanceLogType = {
  /** `instance.log`: lifecycle lines, `YYYY-MM-DD HH:MM:SS - LEVEL - message` (UTC). */
  Instance: 'instance',
  /** `communication.jsonl`: one JSON object per message exchanged. */
  Communication: 'communication',
  /** `tmux_output.log`: raw captured output in timestamped blocks. */
  TmuxOutput: 'tmux_output',
} as const;

/** One of {@link InstanceLogType}. */
export type InstanceLogType = (typeof InstanceLogType)[keyof typeof InstanceLogType];

const FILES: Record<InstanceLogType, string> = {
  instance: 'instance.log',
  communication: 'communication.jsonl',
  tmux_output: 'tmux_output.log',
};

/** `metadata.json` of an instance, as the seeds write it. */
export interface InstanceMetadata {
  instance_id: string;
  instance_name?: string | null;
  created_at?: string;
  log_directory?: string;
  [key: string]: unknown;
}

/**
 * Instance ids become directory names, so only a safe alphabet is accepted: letters, digits, `_`,
 * `-` and `.` (not first), at most 128 characters. `..`, `/`, `\`, NUL and the like are refused.
 */
const INSTANCE_ID = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;

/** True when `id` is acceptable as an instance id (and so as a directory name). */
export function isValidInstanceId(id: unknown): id is string {
  return typeof id === 'string' && INSTANCE_ID.test(id);
}

function checkId(id: unknown): string {
  if (!isValidInstanceId(id)) {
    throw new LogwireError(
      LogwireErrorCode.InvalidOption,
      `Invalid instance id ${JSON.stringify(String(id)).slice(0, 80)}: use 1-128 of A-Z a-z 0-9 _ - . (not starting with ".")`,
    );
  }
  return id;
}

/** The per-instance logs under `<dir>/instances/<id>/`: scoped loggers and the readers. */
export class InstanceLogs {
  readonly dir: string;
  readonly #rotation: RotationOptions;
  readonly #onError: (error: unknown) => void;
  readonly #loggers = new Map<string, InstanceLogger>();

  constructor(dir: string, rotation: RotationOptions, onError: (error: unknown) => void) {
    this.dir = dir;
    const { maxBytes, backups, daily, compress, maxAgeDays } = rotation;
    this.#rotation = { maxBytes: maxBytes ?? 5 * 1024 * 1024, backups: backups ?? 3, daily, compress, maxAgeDays };
    this.#onError = onError;
  }

  /**
   * The scoped logger of instance `id` (created on first use, with its directory and
   * `metadata.json`). `forward`, when given, also receives every lifecycle record (with
   * `instance_id` and `instance_name` bound), so it reaches the system log and the live stream.
   */
  logger(id: string, name?: string | null, forward?: Logger): InstanceLogger {
    const checked = checkId(id);
    let logger = this.#loggers.get(checked);
    if (logger === undefined) {
      const directory = path.join(this.dir, checked);
      this.#writeMetadata(directory, {
        instance_id: checked,
        instance_name: name ?? null,
        created_at: new Date().toISOString(),
        log_directory: directory,
      });
      logger = new InstanceLogger(
        checked,
        name ?? null,
        directory,
        this.#rotation,
        this.#onError,
        forward?.child({ instance_id: checked, instance_name: name ?? null }),
      );
      this.#loggers.set(checked, logger);
    }
    return logger;
  }

  /**
   * The last `tail` lines of one of an instance's files (all lines when `tail` is 0), oldest
   * first; `[]` when the instance or file does not exist. Reads backwards, so a large file costs
   * only the lines returned.
   */
  getInstanceLogs(id: string, type: InstanceLogType = 'instance', tail = 100): string[] {
    const checked = checkId(id);
    const file = FILES[type];
    if (file === undefined)
      throw new LogwireError(
        LogwireErrorCode.InvalidOption,
        `Unknown instance log type ${JSON.stringify(type)}: use instance, communication or tmux_output`,
      );
    if (!Number.isSafeInteger(tail) || tail < 0)
      throw new LogwireError(LogwireErrorCode.InvalidOption, `tail must be a whole number ≥ 0, got ${String(tail)}`);
    const lines: string[] = [];
    const base = path.join(this.dir, checked, file);
    const files = rotatedFiles(base, this.#rotation.backups ?? 3);
    try {
      for (const candidate of files) {
        if (tail !== 0 && lines.length >= tail) break;
        readLinesBackwardSync(candidate, (line) => {
          lines.push(line);
          return tail === 0 || lines.length < tail;
        });
      }
    } catch (error) {
      this.#onError(error);
    }
    return lines.reverse();
  }

  /** The metadata of every instance that has a log directory (including terminated ones). */
  listLoggedInstances(): InstanceMetadata[] {
    let names: string[];
    try {
      names = fs
        .readdirSync(this.dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory() && isValidInstanceId(entry.name))
        .map((entry) => entry.name)
        .sort();
    } catch (error) {
      if (!isMissing(error)) this.#onError(error);
      return [];
    }
    return names.map((id) => {
      try {
        const parsed = JSON.parse(fs.readFileSync(path.join(this.dir, id, 'metadata.json'), 'utf8')) as unknown;
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
          return { ...(parsed as InstanceMetadata), instance_id: id };
      } catch {
        // Missing or broken metadata: the seeds fall back to the id alone.
      }
      return { instance_id: id };
    });
  }

  /** Ids of the instances with a logger open in this process (their directories are never pruned). */
  openIds(): ReadonlySet<string> {
    return new Set(this.#loggers.keys());
  }

  /** Closes every instance's files. */
  close(): void {
    for (const logger of this.#loggers.values()) logger.close();
    this.#loggers.clear();
  }

  #writeMetadata(directory: string, metadata: InstanceMetadata): void {
    try {
      ensureDir(directory);
      const file = path.join(directory, 'metadata.json');
      // Keep the first creation time when an instance is logged again after a restart.
      if (fs.existsSync(file)) return;
      fs.writeFileSync(file, JSON.stringify(metadata, null, 2) + '\n', { mode: 0o600 });
    } catch (error) {
      this.#onError(
        new LogwireError(
          LogwireErrorCode.Write,
          `Cannot write metadata of instance in ${directory}: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        ),
      );
    }
  }
}

/**
 * A logger scoped to one instance: lifecycle lines go to its `instance.log` (and to the forward
 * logger, if any), message exchanges to `communication.jsonl`, raw output to `tmux_output.log`.
 * No call throws.
 */
export class InstanceLogger {
  readonly instanceId: string;
  readonly instanceName: string | null;
  readonly directory: string;
  readonly #lifecycle: RotatingFile;
  readonly #communication: RotatingFile;
  readonly #output: RotatingFile;
  readonly #forward: Logger | undefined;
  readonly #onError: (error: unknown) => void;

  constructor(
    id: string,
    name: string | null,
    directory: string,
    rotation: RotationOptions,
    onError: (error: unknown) => void,
    forward: Logger | undefined,
  ) {
    this.instanceId = id;
    this.instanceName = name;
    this.directory = directory;
    this.#onError = onError;
    this.#forward = forward;
    this.#lifecycle = new RotatingFile(path.join(directory, FILES.instance), rotation, { onError });
    // The three files rotate alike; a tmux block is written whole, so it never straddles two files.
    this.#communication = new RotatingFile(path.join(directory, FILES.communication), rotation, { onError });
    this.#output = new RotatingFile(path.join(directory, FILES.tmux_output), rotation, { onError });
  }

  debug(message: string, fields?: Fields): void {
    this.log('DEBUG', message, fields);
  }

  info(message: string, fields?: Fields): void {
    this.log('INFO', message, fields);
  }

  warning(message: string, fields?: Fields): void {
    this.log('WARNING', message, fields);
  }

  error(message: string, fields?: Fields): void {
    this.log('ERROR', message, fields);
  }

  critical(message: string, fields?: Fields): void {
    this.log('CRITICAL', message, fields);
  }

  /** A lifecycle record: one `instance.log` line, the message's line breaks escaped. */
  log(level: LevelName, message: string, fields?: Fields): void {
    try {
      const text = oneLine(typeof message === 'string' ? message : String(message));
      this.#lifecycle.writeLines([`${humanTime(Date.now())} - ${level} - ${text}`]);
      this.#forward?.log(level, message, fields);
    } catch (error) {
      this.#onError(error);
    }
  }

  /**
   * A message exchanged with the instance, as one `communication.jsonl` object:
   * `{timestamp, event_type, direction, message_type, content, parent_id?, …extra}`.
   */
  communication(
    direction: 'inbound' | 'outbound' | (string & {}),
    messageType: string,
    content: unknown,
    extra?: Fields & { parent_id?: string | null; event_type?: string },
  ): void {
    try {
      const record: Fields = {
        timestamp: new Date().toISOString(),
        event_type:
          extra?.event_type ?? (direction === 'outbound' ? 'message_sent' : direction === 'inbound' ? 'message_received' : 'communication'),
        direction,
        message_type: messageType,
        content,
        ...extra,
      };
      this.#communication.writeLines([escapeLineSeparators(safeStringify(record))]);
      this.log('INFO', `Communication: ${direction} ${messageType}`);
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Appends captured output as a block framed by separator lines and a timestamp. */
  tmuxOutput(output: string): void {
    try {
      const rule = '='.repeat(80);
      this.#output.writeLines([`${rule}\n[${new Date().toISOString()}]\n${rule}\n${String(output)}`]);
    } catch (error) {
      this.#onError(error);
    }
  }

  close(): void {
    this.#lifecycle.close();
    this.#communication.close();
    this.#output.close();
  }
}

/** Escapes CR, LF and the Unicode line separators so one record stays one line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, (char) =>
    char === '\n' ? '\\n' : char === '\r' ? '\\r' : char === '\u2028' ? '\\u2028' : '\\u2029',
  );
}

/** `YYYY-MM-DD HH:MM:SS` in UTC. */
function humanTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
