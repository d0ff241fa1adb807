// The audit panel's verifiable incident bundle (format in @logwire/protocol's bundle.ts): "Export
// bundle" writes the entries shown (filtered, with gap markers), the filter state, the entries'
// chain fields and the newest checkpoint the panel received; dropping such a file on a panel
// shows it offline, verified like a live stream. `logwire verify --bundle <file>` checks it too,
// and with the key also the checkpoint's signature.
import type { LogStreamClient } from '@logwire/client';
import { BUNDLE_FORMAT, BUNDLE_VERSION, type BundleItem, type CheckpointData, type IncidentBundle, parseBundle } from '@logwire/protocol';
import { downloadText } from '../base/export.js';
import { URL_STATE_PARAMS } from '../base/url-state.js';

/** What bundles need of the panel. */
export interface BundleHost extends HTMLElement {
  client: LogStreamClient | undefined;
  src: string | undefined;
  exportAs(format: 'json'): string;
  clear(): void;
}

/** The bundle of what `panel` shows now, as JSON text. */
export function bundleText(panel: BundleHost, checkpoint: CheckpointData | undefined): string {
  const host = panel as unknown as Record<string, unknown>;
  const filters: Record<string, unknown> = {};
  for (const [property] of URL_STATE_PARAMS) if (property in panel) filters[property] = host[property];
  const bundle: IncidentBundle = {
    format: BUNDLE_FORMAT,
    version: BUNDLE_VERSION,
    created: new Date().toISOString(),
    panel: panel.localName,
    filters,
    items: JSON.parse(panel.exportAs('json')) as BundleItem[],
    checkpoint: checkpoint ?? null,
  };
  return JSON.stringify(bundle, null, 1);
}

/** Downloads the bundle of what `panel` shows. */
export function downloadBundle(panel: BundleHost, checkpoint: CheckpointData | undefined): void {
  downloadText(bundleText(panel, checkpoint), 'json', 'audit-bundle');
}

/**
 * Shows a bundle in `panel`, offline: the live stream is let go, the entries cleared, the bundle's
 * filters applied, and its items and checkpoint fed in as a stream would. Returns the problem with
 * the file, or undefined when it is shown.
 */
export function openBundle(panel: BundleHost, text: string): string | undefined {
  const parsed = parseBundle(text);
  if (!parsed.ok) return parsed.message;
  const { bundle } = parsed;
  panel.src = undefined;
  panel.clear();
  const host = panel as unknown as Record<string, unknown>;
  for (const [property] of URL_STATE_PARAMS) if (property in panel && property in bundle.filters) host[property] = bundle.filters[property];
  panel.client = new BundleStream(bundle) as unknown as LogStreamClient;
  return undefined;
}

type Listener = (value: unknown) => void;

/**
 * A stand-in for a stream client that plays a bundle once: its messages, gap markers and
 * checkpoint, to the listeners the panel registers (in the same turn), then nothing more.
 */
class BundleStream {
  readonly state = 'closed';
  readonly url = 'bundle:';
  readonly #bundle: IncidentBundle;
  readonly #listeners = new Map<string, Listener[]>();
  #scheduled = false;

  constructor(bundle: IncidentBundle) {
    this.#bundle = bundle;
  }

  on(event: string, listener: Listener): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#play());
    }
    return () => list.splice(list.indexOf(listener), 1);
  }

  close(): void {
    this.#listeners.clear();
  }

  #play(): void {
    const emit = (event: string, value: unknown): void => {
      for (const listener of this.#listeners.get(event) ?? []) listener(value);
    };
    for (const item of this.#bundle.items) {
      if (item.type === 'gap') emit('gap', item.data);
      else emit('message', item);
    }
    if (this.#bundle.checkpoint !== null) emit('checkpoint', this.#bundle.checkpoint);
  }
}
