// The stats strip (opt-in with `stats`): entries per second over the last minute as a sparkline,
// the rate over the last second, the entries received, and how many of each level, counted as
// they arrive (also while paused) since the panel was connected or cleared. A ring of 600 buckets
// of 100 ms holds the minute; the strip re-renders once a second while it is shown.
import { html, svg, type ReactiveController, type ReactiveControllerHost, type TemplateResult } from 'lit';
import { PANEL_LEVELS, type PanelLevel } from './levels.js';

const BUCKET_MS = 100;
const BUCKETS = 600;
const PER_SECOND = 1000 / BUCKET_MS;
const SPARK_WIDTH = 120;
const SPARK_HEIGHT = 18;

/** What the controller needs of its panel. */
export interface StatsHost extends ReactiveControllerHost {
  readonly stats: boolean;
}

/** Arrival counts of one panel; see the module comment. */
export class StatsController implements ReactiveController {
  readonly #host: StatsHost;
  readonly #buckets = new Float64Array(BUCKETS);
  /** Index (in 100 ms since the time origin) of the newest bucket written. */
  #newest = -1;
  #received = 0;
  #levels = new Map<PanelLevel, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #now: () => number;

  constructor(host: StatsHost, now: () => number = () => performance.now()) {
    this.#host = host;
    this.#now = now;
    host.addController(this);
  }

  hostUpdated(): void {
    if (this.#host.stats && this.#timer === undefined) this.#timer = setInterval(() => this.#host.requestUpdate(), 1000);
    else if (!this.#host.stats) this.#stop();
  }

  hostDisconnected(): void {
    this.#stop();
  }

  /** Entries received since the panel was connected or cleared. */
  get received(): number {
    return this.#received;
  }

  /** Entries received per level. */
  levelCount(level: PanelLevel): number {
    return this.#levels.get(level) ?? 0;
  }

  /** An entry arrived. */
  note(level: PanelLevel): void {
    this.#advance();
    this.#buckets[this.#newest % BUCKETS]!++;
    this.#received++;
    this.#levels.set(level, (this.#levels.get(level) ?? 0) + 1);
  }

  /** Forgets everything counted. */
  reset(): void {
    this.#buckets.fill(0);
    this.#received = 0;
    this.#levels.clear();
  }

  /** Entries in the last second. */
  rate(): number {
    this.#advance();
    let sum = 0;
    for (let back = 0; back < PER_SECOND; back++) sum += this.#buckets[(this.#newest - back + BUCKETS) % BUCKETS]!;
    return sum;
  }

  /** Entries per second for each of the last 60 seconds, oldest first. */
  perSecond(): number[] {
    this.#advance();
    const seconds: number[] = [];
    for (let second = BUCKETS / PER_SECOND - 1; second >= 0; second--) {
      let sum = 0;
      for (let back = 0; back < PER_SECOND; back++)
        sum += this.#buckets[(this.#newest - second * PER_SECOND - back + 2 * BUCKETS) % BUCKETS]!;
      seconds.push(sum);
    }
    return seconds;
  }

  /** The strip. */
  render(): TemplateResult {
    const format = new Intl.NumberFormat('en');
    const seconds = this.perSecond();
    const max = Math.max(1, ...seconds);
    const points = seconds.map(
      (value, index) => `${(index * SPARK_WIDTH) / (seconds.length - 1)},${SPARK_HEIGHT - (value / max) * (SPARK_HEIGHT - 2) - 1}`,
    );
    const levels = PANEL_LEVELS.filter((level) => level !== 'UNKNOWN' || this.levelCount(level) > 0);
    const most = Math.max(1, ...levels.map((level) => this.levelCount(level)));
    const rate = this.rate();
    return html`<div class="stats" part="stats" role="group" aria-label="Stream statistics">
      <span class="stat"><strong class="rate">${format.format(rate)}</strong>/s</span>
      <svg
        class="spark"
        width=${SPARK_WIDTH}
        height=${SPARK_HEIGHT}
        role="img"
        aria-label="Entries per second over the last minute, at most ${format.format(max)}"
      >
        ${svg`<polyline points=${points.join(' ')} fill="none" stroke="currentColor" stroke-width="1.5"></polyline>`}
      </svg>
      <span class="stat">Received <strong class="received">${format.format(this.#received)}</strong></span>
      <ul class="histogram" aria-label="Entries by level">
        ${levels.map(
          (level) =>
            html`<li class="bucket" data-level=${level}>
              <span class="level-name">${level}</span
              ><span class="track"><span class="fill" style="width: ${(100 * this.levelCount(level)) / most}%"></span></span
              ><span class="number">${format.format(this.levelCount(level))}</span>
            </li>`,
        )}
      </ul>
    </div>`;
  }

  // Moves the ring to now, emptying the buckets of the time that passed without arrivals.
  #advance(): void {
    const index = Math.floor(this.#now() / BUCKET_MS);
    if (this.#newest < 0) this.#newest = index;
    const passed = Math.min(BUCKETS, index - this.#newest);
    for (let step = 1; step <= passed; step++) this.#buckets[(this.#newest + step) % BUCKETS] = 0;
    if (index > this.#newest) this.#newest = index;
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
