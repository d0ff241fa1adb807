import { Writable } from 'node:stream';
import { Level, type LevelName, toLevelName } from '@logwire/protocol';
import type { Fields } from '../logger/format.js';
import { define, messageOf, type RecordSink, timeOf } from './shared.js';

/** Options of {@link winstonTransport}. */
export interface WinstonTransportOptions {
  /** Logger name for records that carry none in `nameKey`. @default 'winston' */
  name?: string;
  /** Field that names the logger (e.g. set by `logger.child({ logger: 'db' })`). @default 'logger' */
  nameKey?: string;
  /** Records below this level are dropped (winston's own level applies first). @default 'TRACE' */
  level?: LevelName;
}

/** winston's npm and syslog level names to logwire's. */
const WINSTON_LEVELS: Readonly<Record<string, LevelName>> = {
  emerg: 'CRITICAL',
  alert: 'CRITICAL',
  crit: 'CRITICAL',
  error: 'ERROR',
  warning: 'WARNING',
  warn: 'WARNING',
  notice: 'INFO',
  info: 'INFO',
  http: 'INFO',
  verbose: 'DEBUG',
  debug: 'DEBUG',
  silly: 'TRACE',
};

const LEVEL = Symbol.for('level');
const SPLAT = Symbol.for('splat');
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/**
 * A winston transport (`winston.createLogger({ transports: [winstonTransport(logwire)] })`) that
 * feeds the logwire stream. Levels map error→ERROR, warn→WARNING, info/http→INFO,
 * verbose/debug→DEBUG, silly→TRACE (syslog names too); `message` is the message, a `timestamp`
 * (from `format.timestamp()`) the time, every other field an extra; splat arguments that winston
 * did not merge into the record are kept in a `splat` field.
 */
export class LogwireWinstonTransport extends Writable {
  readonly #sink: RecordSink;
  readonly #name: string;
  readonly #nameKey: string;
  readonly #minimum: number;

  constructor(sink: RecordSink, options: WinstonTransportOptions = {}) {
    super({ objectMode: true });
    this.#sink = sink;
    this.#name = options.name ?? 'winston';
    this.#nameKey = options.nameKey ?? 'logger';
    this.#minimum = Level[(typeof options.level === 'string' ? toLevelName(options.level) : undefined) ?? 'TRACE'];
  }

  /** winston's transport method; also what `_write` calls. Never throws. */
  log(info: unknown, next?: () => void): void {
    try {
      this.#record(info);
    } catch {
      // A record that cannot even be read is dropped; the app's logger keeps going.
    }
    next?.();
  }

  override _write(info: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.log(info, () => callback());
  }

  #record(info: unknown): void {
    if (typeof info !== 'object' || info === null) return;
    const record = info as Fields & { [LEVEL]?: unknown; [SPLAT]?: unknown };
    const rawLevel = typeof record[LEVEL] === 'string' ? record[LEVEL] : record['level'];
    const level = winstonLevel(rawLevel);
    if (Level[level] < this.#minimum) return;
    const fields: Fields = {};
    let count = 0;
    for (const key of Object.keys(record)) {
      if (key === 'level' || key === 'message' || key === 'timestamp' || key === this.#nameKey) continue;
      define(fields, key, record[key]);
      count++;
    }
    const splat = record[SPLAT];
    if (Array.isArray(splat)) {
      // Plain objects were merged into the record by winston; anything else would be lost.
      const loose = splat.filter((item) => typeof item !== 'object' || item === null || Array.isArray(item));
      if (loose.length > 0 && !('splat' in fields)) {
        define(fields, 'splat', loose);
        count++;
      }
    }
    const message = record['message'];
    const logger = record[this.#nameKey];
    this.#sink.ingest({
      level,
      logger: typeof logger === 'string' ? logger : this.#name,
      message: messageOf(message),
      fields: count === 0 ? undefined : fields,
      time: timeOf(record['timestamp'], Date.now()),
    });
  }
}

/** Creates a {@link LogwireWinstonTransport}. */
export function winstonTransport(sink: RecordSink, options?: WinstonTransportOptions): LogwireWinstonTransport {
  return new LogwireWinstonTransport(sink, options);
}

/** winston's level names (possibly colourised) to logwire's; unknown names map to INFO. */
export function winstonLevel(level: unknown): LevelName {
  if (typeof level !== 'string') return 'INFO';
  const plain = level.replace(ANSI, '').toLowerCase();
  return (Object.hasOwn(WINSTON_LEVELS, plain) ? WINSTON_LEVELS[plain] : undefined) ?? toLevelName(plain) ?? 'INFO';
}
