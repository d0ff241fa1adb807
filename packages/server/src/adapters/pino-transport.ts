import { Writable } from 'node:stream';
import { createLogwire } from '../logwire.js';
import type { RedactOptions } from '../redact/redactor.js';
import { pinoDestination, type PinoDestinationOptions } from './pino.js';

/** Options of the pino transport (`pino.transport({ target: PINO_TRANSPORT_TARGET, options })`). */
export interface PinoTransportOptions extends PinoDestinationOptions {
  /** Channel to the main thread's instance (its `workers` option). @default 'logwire:records' */
  channel?: string;
  /** Redaction inside the transport's thread (options must be cloneable: no functions). @default true */
  redact?: boolean | RedactOptions;
}

/**
 * File URL of this module, to pass as pino's transport `target`. pino runs the transport in a
 * worker thread; it parses, redacts and formats pino's lines there and forwards them to the
 * main thread's logwire instance, so the app thread pays only for pino's own work.
 */
export const PINO_TRANSPORT_TARGET: string = import.meta.url;

/**
 * Builds the transport stream inside pino's worker thread. Exported as the module's default, the
 * shape pino expects of a transport target.
 */
export function createPinoTransport(options: PinoTransportOptions = {}): Writable {
  const { channel, redact, ...destinationOptions } = options;
  const logwire = createLogwire({ forwardToMainThread: channel ?? true, workers: false, callsite: false, redact: redact ?? true });
  const destination = pinoDestination(logwire, destinationOptions);
  let carry = '';
  return new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      // pino writes whole lines, but a chunk may hold several, or part of a long one.
      const text = carry + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        if (end > start) destination.write(text.slice(start, end));
        start = end + 1;
      }
      carry = text.slice(start);
      callback();
    },
    final(callback) {
      if (carry !== '') destination.write(carry);
      carry = '';
      destination.flush();
      void logwire.close().then(() => callback(), callback);
    },
  });
}

export default createPinoTransport;
