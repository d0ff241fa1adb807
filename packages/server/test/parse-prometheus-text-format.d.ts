declare module 'parse-prometheus-text-format' {
  /** One sample of a parsed metric family (summaries and histograms have more fields). */
  export interface ParsedSample {
    value?: string;
    labels?: Record<string, string>;
  }
  export interface ParsedFamily {
    name: string;
    help: string;
    type: string;
    metrics: ParsedSample[];
  }
  /** Parses the Prometheus text exposition format; throws on invalid input. */
  export default function parsePrometheusTextFormat(text: string): ParsedFamily[];
}
