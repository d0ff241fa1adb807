// OpenTelemetry Logs export: every record of the hub (system and audit, after redaction) becomes
// an OTLP log record, sent over OTLP/HTTP by the official SDK (@opentelemetry/sdk-logs with its
// BatchLogRecordProcessor and @opentelemetry/exporter-logs-otlp-http). Those packages are optional
// peer dependencies, loaded only when `export.otlp` is set.
import { createRequire } from 'node:module';
import { LogwireError, LogwireErrorCode } from '../errors.js';
import type { LogHub, StreamMessage } from '../hub/log-hub.js';
import { levelSeverity, toOtlpRecord } from './otlp-record.js';

/** Options of `export.otlp`. */
export interface OtlpExportOptions {
  /** The collector's OTLP/HTTP logs endpoint, e.g. `http://collector:4318/v1/logs`. */
  url: string;
  /** Headers sent with every request (e.g. an authorization token). */
  headers?: Record<string, string>;
  /** `service.name` of the resource. @default 'logwire' */
  serviceName?: string;
  /** Records held at most while waiting to be sent (queued and in flight); more are dropped and counted. @default 2048 */
  maxQueueSize?: number;
  /** Records per request at most. @default 512 */
  maxExportBatchSize?: number;
  /** Longest wait before a partial batch is sent, in ms. @default 1000 */
  scheduledDelayMillis?: number;
  /** Timeout of one request, in ms. @default 10000 */
  exportTimeoutMillis?: number;
}

/** Options of `createLogwire({ export })`. */
export interface ExportOptions {
  /** Send every record to an OpenTelemetry collector over OTLP/HTTP. */
  otlp?: OtlpExportOptions;
}

interface ExportResult {
  code: number;
  error?: Error;
}
interface SdkExporter {
  export(records: unknown[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
  forceFlush?(): Promise<void>;
}
interface SdkLogger {
  emit(record: Record<string, unknown>): void;
}
interface SdkProvider {
  getLogger(name: string): SdkLogger;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}
interface SdkModules {
  logs: {
    LoggerProvider: new (config: Record<string, unknown>) => SdkProvider;
    BatchLogRecordProcessor: new (config: Record<string, unknown> & { exporter: SdkExporter }) => unknown;
  };
  http: { OTLPLogExporter: new (config: Record<string, unknown>) => SdkExporter };
  resources: { resourceFromAttributes: (attributes: Record<string, unknown>) => unknown };
  api: {
    ROOT_CONTEXT: unknown;
    trace: { setSpanContext: (context: unknown, span: { traceId: string; spanId: string; traceFlags: number }) => unknown };
  };
}

function loadSdk(): SdkModules {
  const require = createRequire(import.meta.url);
  try {
    return {
      logs: require('@opentelemetry/sdk-logs') as SdkModules['logs'],
      http: require('@opentelemetry/exporter-logs-otlp-http') as SdkModules['http'],
      resources: require('@opentelemetry/resources') as SdkModules['resources'],
      api: require('@opentelemetry/api') as SdkModules['api'],
    };
  } catch (error) {
    throw new LogwireError(
      LogwireErrorCode.InvalidOption,
      'export.otlp needs @opentelemetry/sdk-logs, @opentelemetry/exporter-logs-otlp-http, @opentelemetry/resources and ' +
        `@opentelemetry/api installed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * Sends the hub's records to an OTLP/HTTP collector. Runs on the hub's batches (after the log
 * call returned); the SDK batches and sends in the background. Memory is bounded: at most
 * `maxQueueSize` records are held (queued or in flight); a record beyond that, or in a request
 * the collector did not accept, is dropped and counted. Once records get through again, a gap
 * record (`logwire.export_gap`, with `logwire.dropped`) is sent and the loss reported to `onError`.
 */
export class OtlpExport {
  readonly maxQueueSize: number;
  /** Records dropped so far (queue full, or their request failed). */
  dropped = 0;
  /** Records the collector accepted so far. */
  exported = 0;
  readonly #provider: SdkProvider;
  readonly #logger: SdkLogger;
  readonly #sdk: SdkModules;
  readonly #onError: (error: unknown) => void;
  #pending = 0;
  /** Dropped records not yet announced by a gap record. */
  #unannounced = 0;
  #off: (() => void) | undefined;

  constructor(options: OtlpExportOptions, onError: (error: unknown) => void) {
    if (typeof options?.url !== 'string' || !/^https?:\/\//.test(options.url))
      throw new LogwireError(LogwireErrorCode.InvalidOption, 'export.otlp.url must be an http(s) URL of an OTLP/HTTP logs endpoint');
    this.#sdk = loadSdk();
    this.#onError = onError;
    this.maxQueueSize = options.maxQueueSize ?? 2048;
    const inner = new this.#sdk.http.OTLPLogExporter({
      url: options.url,
      headers: options.headers ?? {},
      timeoutMillis: options.exportTimeoutMillis ?? 10_000,
    });
    const counting: SdkExporter = {
      export: (records, done) => {
        inner.export(records, (result) => {
          this.#settled(records.length, result);
          done(result);
        });
      },
      shutdown: () => inner.shutdown(),
      forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
    };
    const processor = new this.#sdk.logs.BatchLogRecordProcessor({
      exporter: counting,
      // The SDK's own queue never fills: this class drops (and counts) first.
      maxQueueSize: this.maxQueueSize + 1,
      maxExportBatchSize: Math.min(options.maxExportBatchSize ?? 512, this.maxQueueSize),
      scheduledDelayMillis: options.scheduledDelayMillis ?? 1000,
      exportTimeoutMillis: options.exportTimeoutMillis ?? 10_000,
    });
    this.#provider = new this.#sdk.logs.LoggerProvider({
      resource: this.#sdk.resources.resourceFromAttributes({ 'service.name': options.serviceName ?? 'logwire' }),
      processors: [processor],
    });
    this.#logger = this.#provider.getLogger('logwire');
  }

  /** Exports every batch of `hub` from now on; returns the detach function. */
  attach(hub: LogHub): () => void {
    this.#off = hub.on((batch) => this.write(batch));
    return () => this.#off?.();
  }

  /** Hands records to the SDK (never throws, never blocks on the network). */
  write(batch: readonly StreamMessage[]): void {
    for (const message of batch) {
      if (this.#pending >= this.maxQueueSize) {
        this.#drop(1);
        continue;
      }
      try {
        const record = toOtlpRecord(message, this.#sdk.api);
        this.#pending++;
        this.#logger.emit(record);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /** Sends what is queued. */
  async flush(): Promise<void> {
    await this.#provider.forceFlush();
  }

  /** Sends what is queued and stops. */
  async close(): Promise<void> {
    this.#off?.();
    try {
      await this.#provider.shutdown();
    } catch (error) {
      this.#onError(error);
    }
  }

  #settled(count: number, result: ExportResult): void {
    this.#pending = Math.max(0, this.#pending - count);
    if (result.code !== 0) {
      this.#drop(count, result.error);
      return;
    }
    this.exported += count;
    if (this.#unannounced > 0 && this.#pending < this.maxQueueSize) {
      const dropped = this.#unannounced;
      this.#unannounced = 0;
      this.#pending++;
      this.#logger.emit({
        timestamp: Date.now(),
        severityNumber: levelSeverity('WARNING'),
        severityText: 'WARNING',
        body: `logwire dropped ${dropped} records it could not export`,
        attributes: { 'logwire.type': 'export_gap', 'event.name': 'logwire.export_gap', 'logwire.dropped': dropped },
      });
    }
  }

  #drop(count: number, cause?: Error): void {
    const first = this.#unannounced === 0;
    this.dropped += count;
    this.#unannounced += count;
    if (first) {
      this.#onError(
        new LogwireError(
          LogwireErrorCode.Write,
          `OTLP export is dropping records (${cause === undefined ? 'queue full' : cause.message}); ` +
            'a gap record with the count is sent once the collector accepts records again',
          { cause },
        ),
      );
    }
  }
}
