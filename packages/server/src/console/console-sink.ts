import { EndOfTurnTask } from '../end-of-turn.js';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { LogEntry } from '../logger/format.js';
import { escapeJsonControls, prettyLine } from './pretty-format.js';

/** How console lines look: `'pretty'` for people, `'json'` (one record per line) for collectors. */
export type ConsoleFormat = 'pretty' | 'json';

/** What the console sink writes to: `process.stdout`, a file stream, any `stream.Writable`. */
export interface ConsoleStream {
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off?(event: 'error', listener: (error: unknown) => void): unknown;
  isTTY?: boolean;
}

/** The long form of the `console` option. */
export interface ConsoleOptions {
  /** @default process.stdout */
  stream?: ConsoleStream;
  /** @default 'pretty' when the stream is a TTY, else 'json' */
  format?: ConsoleFormat;
  /** ANSI colours in the pretty format. @default the stream is a TTY, NO_COLOR unset (FORCE_COLOR forces) */
  colour?: boolean;
  /**
   * Characters of lines held while the stream is busy (json lines counted before their terminal
   * controls are escaped); lines beyond are dropped and counted. @default 1 MiB
   */
  maxBufferBytes?: number;
}

/** The `console` option: a format on stdout, `true` (the default format), `false` (off), a stream, or the long form. */
export type ConsoleOption = boolean | ConsoleFormat | ConsoleStream | ConsoleOptions;

/** A console sink's settings once the option, the environment and the stream have been consulted. */
export interface ResolvedConsole {
  stream: ConsoleStream;
  format: ConsoleFormat;
  colour: boolean;
  maxBufferBytes: number;
}

const DEFAULT_MAX_BUFFER = 1024 * 1024;
type Env = Record<string, string | undefined>;

/**
 * The console settings for `option`, or `undefined` for no console output. Without the option,
 * `LOGWIRE_CONSOLE` (`off`, `pretty` or `json`) chooses; without both, stdout gets `pretty` when
 * it is a TTY and `json` otherwise. A stream given alone gets `json`.
 */
export function resolveConsole(
  option: ConsoleOption | undefined,
  env: Env,
  onError: (error: unknown) => void,
): ResolvedConsole | undefined {
  let given = option;
  if (given === undefined) {
    const fromEnv = env['LOGWIRE_CONSOLE']?.trim().toLowerCase();
    if (fromEnv === 'off' || fromEnv === 'false' || fromEnv === '0') return undefined;
    if (fromEnv === 'pretty' || fromEnv === 'json') given = fromEnv;
    else if (fromEnv !== undefined && fromEnv !== '')
      onError(new LogwireError(LogwireErrorCode.InvalidOption, `LOGWIRE_CONSOLE: ignoring "${fromEnv}"; use off, pretty or json`));
  }
  if (given === false) return undefined;
  const long: ConsoleOptions =
    given === undefined || given === true
      ? {}
      : given === 'pretty' || given === 'json'
        ? { format: given }
        : isStream(given)
          ? { stream: given, format: 'json' }
          : checkedOptions(given);
  const stream = long.stream ?? process.stdout;
  const tty = stream.isTTY === true;
  const format = long.format ?? (tty ? 'pretty' : 'json');
  const colour = long.colour ?? (format === 'pretty' && colourWanted(tty, env));
  const maxBufferBytes = long.maxBufferBytes ?? DEFAULT_MAX_BUFFER;
  return { stream, format, colour, maxBufferBytes };
}

function isStream(value: unknown): value is ConsoleStream {
  return typeof value === 'object' && value !== null && typeof (value as { write?: unknown }).write === 'function';
}

function checkedOptions(value: unknown): ConsoleOptions {
  if (typeof value !== 'object' || value === null)
    throw new LogwireError(LogwireErrorCode.InvalidOption, `console must be 'pretty', 'json', a boolean, a stream or { stream, format }`);
  const options = value as ConsoleOptions;
  if (options.stream !== undefined && !isStream(options.stream))
    throw new LogwireError(LogwireErrorCode.InvalidOption, 'console.stream must be a writable stream');
  if (options.format !== undefined && options.format !== 'pretty' && options.format !== 'json')
    throw new LogwireError(LogwireErrorCode.InvalidOption, `console.format must be 'pretty' or 'json', got ${String(options.format)}`);
  const max = options.maxBufferBytes;
  if (max !== undefined && (!Number.isSafeInteger(max) || max < 1024))
    throw new LogwireError(
      LogwireErrorCode.InvalidOption,
      `console.maxBufferBytes must be an integer of at least 1024, got ${String(max)}`,
    );
  return options;
}

/** NO_COLOR (any non-empty value) turns colours off; FORCE_COLOR turns them on (`0` or `false` off); else a TTY has them. */
function colourWanted(tty: boolean, env: Env): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  const noColour = env['NO_COLOR'];
  if (noColour !== undefined && noColour !== '') return false;
  return tty;
}

/** Sinks with lines not yet written, flushed when the process exits (one listener for all of them). */
const live = new Set<ConsoleSink>();
let exitHooked = false;

/**
 * Writes records to a console stream without ever making a log call wait for it: each record's
 * line joins an in-memory buffer that is written at the end of the event-loop turn, in one
 * `write()` of whole lines. While the stream has not drained (its `write()` returned `false`),
 * lines keep collecting up to `maxBufferBytes` characters; beyond that they are dropped and
 * counted. When the stream drains, the next write starts with one line that says how many were
 * dropped (`logwire: N console lines dropped`, a JSON record in the json format), and `onError`
 * receives a LogwireError (code ERR_LOGWIRE_WRITE) saying the same.
 */
export class ConsoleSink {
  readonly #settings: ResolvedConsole;
  readonly #onError: (error: unknown) => void;
  #lines: string[] = [];
  /** Every buffered line is known to be printable ASCII (`LogEntry.plain`). */
  #plain = true;
  #bytes = 0;
  #waiting = false;
  readonly #flushTask = new EndOfTurnTask(() => this.flush());
  #droppedSinceReport = 0;
  #dropped = 0;
  #broken = false;
  #closed = false;
  readonly #streamFailed: (error: unknown) => void;

  constructor(settings: ResolvedConsole, onError: (error: unknown) => void) {
    this.#settings = settings;
    this.#onError = onError;
    this.#streamFailed = (error) => {
      if (this.#broken) return;
      this.#broken = true;
      this.#lines = [];
      this.#bytes = 0;
      onError(new LogwireError(LogwireErrorCode.Write, 'console output stopped: the stream failed', { cause: error }));
    };
    settings.stream.on('error', this.#streamFailed);
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', () => {
        for (const sink of live) sink.flush();
      });
    }
  }

  /** The format this sink writes. */
  get format(): ConsoleFormat {
    return this.#settings.format;
  }

  /** Lines dropped since this sink was created, because the stream was slower than the log calls. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Characters of lines waiting in the buffer (never more than `maxBufferBytes`). */
  get bufferedBytes(): number {
    return this.#bytes;
  }

  /** Queues the record's line. Never throws, never waits. */
  push(entry: LogEntry): void {
    if (this.#closed || this.#broken) return;
    let line: string;
    try {
      line = this.#line(entry);
    } catch (error) {
      this.#onError(error);
      return;
    }
    const size = line.length + 1;
    if (this.#bytes + size > this.#settings.maxBufferBytes) {
      this.#dropped++;
      this.#droppedSinceReport++;
      return;
    }
    // A sink is live (flushed at exit) from its first buffered line until the flush that empties it.
    if (this.#lines.push(line) === 1) live.add(this);
    if (entry.plain !== true) this.#plain = false;
    this.#bytes += size;
    if (!this.#waiting) this.#flushTask.schedule();
  }

  /** Writes what is buffered now (in one write), unless the stream has yet to drain. */
  flush(): void {
    if (this.#waiting || this.#broken || (this.#lines.length === 0 && this.#droppedSinceReport === 0)) return;
    let chunk = this.#droppedSinceReport > 0 ? this.#dropReport() + '\n' : '';
    if (this.#lines.length > 0) {
      const lines = this.#lines.join('\n') + '\n';
      // json lines are checked for terminal controls here, once for the whole chunk (almost always
      // clean) rather than once per record; the escapes never touch the line breaks between them.
      // Lines known to be printable ASCII have nothing to escape.
      chunk += this.#settings.format === 'json' && !this.#plain ? escapeJsonControls(lines) : lines;
    }
    this.#lines = [];
    this.#plain = true;
    this.#bytes = 0;
    live.delete(this);
    let more: boolean;
    try {
      more = this.#settings.stream.write(chunk);
    } catch (error) {
      this.#broken = true;
      this.#onError(new LogwireError(LogwireErrorCode.Write, 'console output stopped: the stream failed', { cause: error }));
      return;
    }
    if (!more) {
      this.#waiting = true;
      this.#settings.stream.once('drain', () => {
        this.#waiting = false;
        this.flush();
        if (this.#closed && !this.#waiting) this.#release();
      });
    }
  }

  /** Writes what is buffered and stops taking lines. */
  close(): void {
    this.flush();
    this.#closed = true;
    if (!this.#waiting) this.#release();
  }

  /** Once closed and written out: lets go of the stream (many instances must not pile listeners on stdout). */
  #release(): void {
    live.delete(this);
    this.#settings.stream.off?.('error', this.#streamFailed);
  }

  #line(entry: LogEntry): string {
    if (this.#settings.format === 'pretty') return prettyLine(entry, this.#settings.colour);
    // The wire's JSON as it is (escaped when written, see flush); audit records say so in front.
    return entry.type === 'audit_log' ? '{"type":"audit_log",' + entry.data.slice(1) : entry.data;
  }

  #dropReport(): string {
    const count = this.#droppedSinceReport;
    this.#droppedSinceReport = 0;
    const message = `logwire: ${count} console lines dropped`;
    this.#onError(new LogwireError(LogwireErrorCode.Write, `${message} (the console stream was slower than the log calls)`));
    if (this.#settings.format === 'pretty') return message;
    return JSON.stringify({
      timestamp: new Date().toISOString(),
      level: 'WARNING',
      logger: 'logwire.console',
      message,
      dropped: count,
    });
  }
}
