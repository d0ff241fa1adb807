// The metrics of one logwire instance: records by level, category and logger prefix (from the
// hub), requests over sliding windows and per hour (from the request middleware), and the
// streaming health its endpoints count. Exposed as Prometheus text through prom-client.
import { Level, LEVEL_NAMES } from '@logwire/protocol';
import { Counter, Gauge, Registry } from 'prom-client';
import type { StreamMessage } from '../hub/log-hub.js';
import type { StreamCounters } from '../transport/stream-counters.js';
import { type HourBucket, HourlyStats } from './hourly.js';
import { RequestWindow, type WindowStats } from './request-window.js';

export type { HourBucket } from './hourly.js';
export type { WindowStats } from './request-window.js';

/** Options of the `metrics` option of `createLogwire`. */
export interface MetricsOptions {
  /** Hourly buckets kept (and written to `<persistence.dir>/metrics/hourly.json` with persistence). @default 168 (a week) */
  hours?: number;
  /** Distinct logger prefixes (first dotted segment) counted by name; the rest count as `other`. @default 64 */
  maxPrefixes?: number;
}

/** What the metrics read from their instance. */
export interface MetricsSources {
  /** The open stream endpoints' connection stats and counters. */
  endpoints(): Iterable<{ stats(): { clients: number; catchingUp: number }; readonly counters: Readonly<StreamCounters> }>;
  /** The category of a `system_log` logger, when categories are configured. */
  categoryOf(logger: string): string | undefined;
  /** Alerts by name and whether each is firing. */
  alerts?(): Iterable<{ name: string; firing: boolean }>;
  /** The persistence directory, when there is one. */
  dir: string | undefined;
  onError(error: unknown): void;
}

/** The fields of a request record the metrics read. */
export interface RequestFields {
  status_code?: unknown;
  response_time_ms?: unknown;
  client_ip?: unknown;
  user_id?: unknown;
}

/** Slots of the request ring: 10 s each, 15 minutes in all (the longest latency window). */
const SLOT_MS = 10_000;
const SLOTS = 90;
/** Windows reported on `/metrics`. */
const WINDOWS: readonly [string, number][] = [
  ['1m', 60_000],
  ['5m', 300_000],
];
const QUANTILES = [0.5, 0.95, 0.99] as const;
/** Logger names whose label the metrics remember; past it, they start over (labels stay bounded by `maxPrefixes`). */
const LABEL_MEMO = 4096;

/** One series of `logwire_records_total`: its `level|category|prefix` key and its count. */
interface RecordSeries {
  readonly key: string;
  readonly levelName: string;
  count: number;
}

/**
 * What the metrics remember of one logger name (and type): its `category|prefix` labels and, by
 * level number, the series its records count in. A record of a remembered logger costs a map
 * lookup, an array read and an increment: no key is built or sliced per record.
 */
interface LoggerLabels {
  readonly labels: string;
  readonly series: (RecordSeries | undefined)[];
}

/** `Nxx` for status codes 100–599 (a string per request would otherwise be built). */
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/** Metrics of one instance. `logwire.metrics` when the `metrics` option is on. */
export class LogwireMetrics {
  /** The prom-client registry behind `/metrics`: register your own metrics on it to serve them too. */
  readonly registry = new Registry();
  readonly #sources: MetricsSources;
  readonly #maxPrefixes: number;
  readonly #requests = new RequestWindow(SLOT_MS, SLOTS);
  readonly #hourly: HourlyStats;
  /** `level|category|prefix` → records. */
  readonly #records = new Map<string, RecordSeries>();
  /** Logger name → labels, for `system_log` and for `audit_log` records (bounded together by {@link LABEL_MEMO}). */
  readonly #labels = new Map<string, LoggerLabels>();
  readonly #auditLabels = new Map<string, LoggerLabels>();
  readonly #prefixes = new Set<string>();
  readonly #statusTotals = new Map<string, number>();
  readonly #saver: ReturnType<typeof setInterval> | undefined;

  constructor(options: MetricsOptions, sources: MetricsSources) {
    this.#sources = sources;
    this.#maxPrefixes = options.maxPrefixes ?? 64;
    this.#hourly = new HourlyStats(options.hours ?? 168, sources.dir, (error) => sources.onError(error));
    if (sources.dir !== undefined) {
      this.#saver = setInterval(() => this.#hourly.save(), 60_000);
      this.#saver.unref();
    }
    this.#register();
  }

  /** Counts a batch of records from the hub. */
  observe(batch: readonly StreamMessage[]): void {
    // A batch is mostly runs of one logger at one level: a run looks its series up once.
    let series: RecordSeries | undefined;
    let last: StreamMessage | undefined;
    for (const message of batch) {
      if (series === undefined || !sameSeries(message, last as StreamMessage)) series = this.#seriesOf(message);
      last = message;
      series.count++;
      this.#hourly.record(message.time, series.levelName);
    }
  }

  /** Counts a request record of the request middleware (`status_code`, `response_time_ms`, `client_ip`, `user_id`). */
  request(fields: RequestFields, now = Date.now()): void {
    const status = typeof fields.status_code === 'number' ? fields.status_code : undefined;
    const error = status === undefined || status >= 500;
    const statusClass = status === undefined ? 'aborted' : (STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`);
    const ms = typeof fields.response_time_ms === 'number' ? fields.response_time_ms : undefined;
    this.#requests.add(now, ms, error);
    this.#statusTotals.set(statusClass, (this.#statusTotals.get(statusClass) ?? 0) + 1);
    this.#hourly.request(now, statusClass, error, ms, identity(fields.client_ip), identity(fields.user_id));
  }

  /** Requests of the last `windowMs` (at most 15 minutes): rate, error rate, response-time quantiles. */
  window(windowMs: number, now = Date.now()): WindowStats {
    return this.#requests.stats(now, windowMs);
  }

  /**
   * The hourly buckets of the last `hours` hours (oldest first, the current one included): what a
   * `GET /logs/stats?hours=` answer is made of.
   */
  hourly(hours?: number, now = Date.now()): HourBucket[] {
    return this.#hourly.hours(hours, now);
  }

  /** The current hour's approximate distinct client IPs and users. */
  unique(now = Date.now()): { ips: number; users: number } {
    return this.#hourly.unique(now);
  }

  /** Everything the metrics hold grows to these sizes and no further (for the bounded-memory test). */
  footprint(): { recordSeries: number; prefixes: number; labelMemo: number; requestSlots: number } {
    return {
      recordSeries: this.#records.size,
      prefixes: this.#prefixes.size,
      labelMemo: this.#labels.size + this.#auditLabels.size,
      requestSlots: this.#requests.size,
    };
  }

  /** The Prometheus text exposition of every metric. */
  prometheus(): Promise<string> {
    return this.registry.metrics();
  }

  /** Writes the hourly buckets (with persistence) and stops the save timer. */
  close(): void {
    if (this.#saver !== undefined) clearInterval(this.#saver);
    this.#hourly.save();
  }

  /** The series a record counts in (created on its first record). */
  #seriesOf(message: StreamMessage): RecordSeries {
    const level = message.level;
    const labels = this.#labelsOf(message);
    const remembered = labels.series[level];
    if (remembered !== undefined) return remembered;
    const name = levelName(level);
    const levelLabel = name ?? String(level);
    const key = `${levelLabel}|${labels.labels}`;
    let series = this.#records.get(key);
    if (series === undefined) {
      series = { key, levelName: levelLabel, count: 0 };
      this.#records.set(key, series);
    }
    // Only the six level numbers are remembered per logger (an array of at most 51 slots).
    if (name !== undefined) labels.series[level] = series;
    return series;
  }

  #labelsOf(message: StreamMessage): LoggerLabels {
    const audit = message.type === 'audit_log';
    const memo = audit ? this.#auditLabels : this.#labels;
    let labels = memo.get(message.logger);
    if (labels === undefined) {
      const category = audit ? 'audit' : (this.#sources.categoryOf(message.logger) ?? 'system');
      const dot = message.logger.indexOf('.');
      let prefix = dot === -1 ? message.logger : message.logger.slice(0, dot);
      if (!this.#prefixes.has(prefix)) {
        if (this.#prefixes.size < this.#maxPrefixes) this.#prefixes.add(prefix);
        else prefix = 'other';
      }
      labels = { labels: `${category}|${prefix}`, series: [] };
      if (this.#labels.size + this.#auditLabels.size >= LABEL_MEMO) {
        this.#labels.clear();
        this.#auditLabels.clear();
      }
      memo.set(message.logger, labels);
    }
    return labels;
  }

  #register(): void {
    const registers = [this.registry];
    const self = this;
    new Counter({
      name: 'logwire_records_total',
      help: 'Records accepted by the hub, by level, category and logger prefix (first dotted segment).',
      labelNames: ['level', 'category', 'logger_prefix'],
      registers,
      collect() {
        this.reset();
        for (const [key, { count }] of self.#records) {
          const [level, category, prefix] = key.split('|') as [string, string, string];
          this.inc({ level, category, logger_prefix: prefix }, count);
        }
      },
    });
    new Counter({
      name: 'logwire_http_requests_total',
      help: 'Requests recorded by the request middleware, by status class.',
      labelNames: ['status_class'],
      registers,
      collect() {
        this.reset();
        for (const [statusClass, count] of self.#statusTotals) this.inc({ status_class: statusClass }, count);
      },
    });
    gauge('logwire_http_requests_per_second', 'Requests per second over a sliding window.', ['window'], (set) => {
      for (const [name, ms] of WINDOWS) set({ window: name }, this.window(ms).perSecond);
    });
    gauge('logwire_http_error_ratio', 'Share of requests with status 500+ (or aborted) over a sliding window.', ['window'], (set) => {
      for (const [name, ms] of WINDOWS) set({ window: name }, this.window(ms).errorRate);
    });
    gauge(
      'logwire_http_response_time_ms',
      'Response-time quantiles (DDSketch, ±0.5 %) over a sliding window.',
      ['window', 'quantile'],
      (set) => {
        for (const [name, ms] of WINDOWS) {
          const stats = this.window(ms);
          for (const q of QUANTILES) {
            const value = stats.quantile(q);
            if (value !== undefined) set({ window: name, quantile: String(q) }, value);
          }
        }
      },
    );
    gauge('logwire_unique_client_ips', 'Approximate distinct client IPs this UTC hour (HyperLogLog).', [], (set) =>
      set({}, this.unique().ips),
    );
    gauge('logwire_unique_users', 'Approximate distinct users this UTC hour (HyperLogLog).', [], (set) => set({}, this.unique().users));
    gauge('logwire_stream_clients', 'Open stream connections.', [], (set) => set({}, this.#stream().clients));
    gauge('logwire_stream_catching_up_clients', 'Stream clients replaying or catching up (not receiving live pushes).', [], (set) =>
      set({}, this.#stream().catchingUp),
    );
    counter('logwire_stream_bytes_sent_total', 'Bytes of frames handed to client sockets.', [], (inc) => inc({}, this.#stream().bytesSent));
    counter('logwire_stream_gaps_total', 'Gap messages sent to clients, by reason.', ['reason'], (inc) => {
      for (const [reason, count] of this.#stream().gaps) inc({ reason }, count);
    });
    counter('logwire_stream_dropped_total', 'Connections closed by the server, by close code (4008: too far behind).', ['code'], (inc) => {
      for (const [code, count] of this.#stream().dropped) inc({ code: String(code) }, count);
    });
    gauge('logwire_alert_firing', 'Alerts by name: 1 while firing, else 0.', ['alert'], (set) => {
      for (const alert of this.#sources.alerts?.() ?? []) set({ alert: alert.name }, alert.firing ? 1 : 0);
    });

    type Labels = Record<string, string>;
    function gauge(name: string, help: string, labelNames: string[], fill: (set: (labels: Labels, value: number) => void) => void): void {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          fill((labels, value) => this.set(labels, value));
        },
      });
    }
    function counter(name: string, help: string, labelNames: string[], fill: (inc: (labels: Labels, value: number) => void) => void): void {
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          fill((labels, value) => {
            if (value > 0) this.inc(labels, value);
          });
        },
      });
    }
  }

  #stream(): { clients: number; catchingUp: number; bytesSent: number; gaps: Map<string, number>; dropped: Map<number, number> } {
    const total = { clients: 0, catchingUp: 0, bytesSent: 0, gaps: new Map<string, number>(), dropped: new Map<number, number>() };
    for (const endpoint of this.#sources.endpoints()) {
      const stats = endpoint.stats();
      total.clients += stats.clients;
      total.catchingUp += stats.catchingUp;
      const { counters } = endpoint;
      total.bytesSent += counters.bytesSent;
      for (const [reason, count] of counters.gaps) total.gaps.set(reason, (total.gaps.get(reason) ?? 0) + count);
      for (const [code, count] of counters.dropped) total.dropped.set(code, (total.dropped.get(code) ?? 0) + count);
    }
    return total;
  }
}

const NAME_OF_LEVEL = new Map<number, string>(LEVEL_NAMES.map((name) => [Level[name], name]));

function levelName(level: number): string | undefined {
  return NAME_OF_LEVEL.get(level);
}

function identity(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** Whether two records count in the same series: same type, logger and level (what the series lookup reads). */
function sameSeries(a: StreamMessage, b: StreamMessage): boolean {
  return a.level === b.level && a.type === b.type && a.logger === b.logger;
}
