import { Level, type LevelName, toLevelName } from '@logwire/protocol';
import { captureContext, type LogContext } from '../context/request-context.js';
import type { Fields } from '../logger/format.js';
import { define, messageOf, type RecordSink, timeOf } from './shared.js';

/** Options of {@link pinoDestination}. */
export interface PinoDestinationOptions {
  /** Logger name for lines that carry none in `nameKey`. @default 'pino' */
  name?: string;
  /** Field that names the logger (pino's `name` option and child bindings set it). @default 'name' */
  nameKey?: string;
  /** Field of the message (pino's `messageKey`). @default 'msg' */
  messageKey?: string;
  /** Field of a serialised error (pino's `errorKey`); it becomes the `error` field. @default 'err' */
  errorKey?: string;
  /** Field of the time (pino's epoch milliseconds, or an ISO string). @default 'time' */
  timeKey?: string;
  /** Fields dropped from every line. @default ['pid', 'hostname'] */
  omit?: readonly string[];
  /** Lines below this level are dropped (pino's own level applies first). @default 'TRACE' */
  level?: LevelName;
}

/** A pino destination: pino calls `write(line)` with one JSON line per log call. */
export interface PinoDestination {
  /** Always true: how pino recognises a destination passed as its only argument. */
  readonly writable: true;
  write(line: string): boolean;
  /** Processes the lines written so far now instead of at the end of the event-loop turn. */
  flush(): void;
}

/** Lines processed synchronously once this many are waiting, so a tight loop cannot grow memory. */
const MAX_PENDING = 512;

/**
 * A destination for pino (`pino(options, pinoDestination(logwire))`, or one stream of
 * `pino.multistream`) that feeds the logwire stream. Levels map 10→TRACE, 20→DEBUG, 30→INFO,
 * 40→WARNING, 50→ERROR, 60→CRITICAL (custom levels to the nearest standard one below);
 * `msg` becomes the message, `time` the timestamp, `err` the `error` field, `name` the logger;
 * every other field is an extra (or audit metadata, when the seeds' rules make the line audit).
 *
 * The log call only pays for queuing the line pino already built: parsing and formatting happen
 * once per event-loop turn.
 */
export function pinoDestination(sink: RecordSink, options: PinoDestinationOptions = {}): PinoDestination {
  const name = options.name ?? 'pino';
  const nameKey = options.nameKey ?? 'name';
  const messageKey = options.messageKey ?? 'msg';
  const errorKey = options.errorKey ?? 'err';
  const timeKey = options.timeKey ?? 'time';
  const skip = new Set([nameKey, messageKey, errorKey, timeKey, 'level', ...(options.omit ?? ['pid', 'hostname'])]);
  const minimum = Level[(typeof options.level === 'string' ? toLevelName(options.level) : undefined) ?? 'TRACE'];
  let lines: string[] = [];
  let times: number[] = [];
  // Each line's request context and span, captured when pino wrote it: the lines are formatted at
  // the end of the turn, where another request's context (or none) is current.
  let contexts: (LogContext | undefined)[] = [];
  let scheduled: ReturnType<typeof setImmediate> | undefined;

  const process = (line: string, arrived: number, made: LogContext | undefined): void => {
    const context = made ?? false;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      sink.ingest({ level: 'INFO', logger: name, message: line.replace(/\r?\n$/, ''), time: arrived }, context);
      return;
    }
    const record = parsed as Fields;
    const level = pinoLevel(record['level']);
    if (Level[level] < minimum) return;
    const fields: Fields = {};
    let count = 0;
    for (const key of Object.keys(record)) {
      if (skip.has(key)) continue;
      define(fields, key, record[key]);
      count++;
    }
    const error = record[errorKey];
    if (error !== undefined) {
      define(fields, 'error' in fields ? errorKey : 'error', error);
      count++;
    }
    const message = record[messageKey];
    const logger = record[nameKey];
    sink.ingest(
      {
        level,
        logger: typeof logger === 'string' ? logger : name,
        message: messageOf(message),
        fields: count === 0 ? undefined : fields,
        time: timeOf(record[timeKey], arrived),
      },
      context,
    );
  };

  const flush = (): void => {
    if (scheduled !== undefined) {
      clearImmediate(scheduled);
      scheduled = undefined;
    }
    const batch = lines;
    const arrivals = times;
    const made = contexts;
    lines = [];
    times = [];
    contexts = [];
    for (let i = 0; i < batch.length; i++) {
      try {
        process(batch[i] as string, arrivals[i] as number, made[i]);
      } catch {
        // ingest never throws; a line that breaks the mapping itself is skipped, not the batch.
      }
    }
  };

  return {
    writable: true,
    write(line: string): boolean {
      lines.push(typeof line === 'string' ? line : String(line));
      times.push(Date.now());
      contexts.push(captureContext());
      if (lines.length >= MAX_PENDING) flush();
      else scheduled ??= setImmediate(flush);
      return true;
    },
    flush,
  };
}

/** pino's numeric levels (or level labels) to logwire's names. */
export function pinoLevel(level: unknown): LevelName {
  if (typeof level === 'number') {
    if (level >= 60) return 'CRITICAL';
    if (level >= 50) return 'ERROR';
    if (level >= 40) return 'WARNING';
    if (level >= 30) return 'INFO';
    if (level >= 20) return 'DEBUG';
    return 'TRACE';
  }
  return (typeof level === 'string' ? toLevelName(level) : undefined) ?? 'INFO';
}
