// The verifiable incident bundle: one JSON file a panel exports ("Export bundle") with the entries
// shown (filtered), the gap markers between them, the filter state and, for audit entries, their
// chain fields and the newest signed checkpoint the panel received. `logwire verify --bundle`
// checks it; dropping it on a panel shows it offline. See docs/protocol.md, "Incident bundle".
import { checkChain, isCheckpointData } from './chain.js';
import type { CheckpointData, GapData, LogMessage } from './messages.js';
import { validate } from './parse.js';

/** The `format` of a bundle file. */
export const BUNDLE_FORMAT = 'logwire-incident-bundle';
/** The version this package writes and reads. */
export const BUNDLE_VERSION = 1;

/** One item of a bundle: a log message (with `chain` for audit entries) or a gap marker. */
export type BundleItem = LogMessage | { type: 'gap'; data: GapData };

/** A verifiable incident bundle. */
export interface IncidentBundle {
  format: typeof BUNDLE_FORMAT;
  version: number;
  /** When it was exported (ISO 8601). */
  created: string;
  /** Which panel exported it (`system-log-panel`, `audit-log-panel`). */
  panel: string;
  /** The panel's filter and search properties when it was exported. */
  filters: Record<string, unknown>;
  /** The entries shown, oldest first, with gap markers where entries were missing. */
  items: BundleItem[];
  /** The newest signed checkpoint the panel had (audit bundles), or null. */
  checkpoint: CheckpointData | null;
}

/** The outcome of {@link parseBundle}. */
export type BundleParse = { ok: true; bundle: IncidentBundle } | { ok: false; message: string };

/** Reads a bundle file's text; never throws. */
export function parseBundle(text: string): BundleParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, message: 'not a JSON object' };
  const bundle = value as Record<string, unknown>;
  if (bundle['format'] !== BUNDLE_FORMAT)
    return { ok: false, message: `not a logwire incident bundle (format must be "${BUNDLE_FORMAT}")` };
  if (bundle['version'] !== BUNDLE_VERSION) return { ok: false, message: `bundle version ${String(bundle['version'])} is not supported` };
  if (!Array.isArray(bundle['items'])) return { ok: false, message: 'items must be an array' };
  if (typeof bundle['filters'] !== 'object' || bundle['filters'] === null) return { ok: false, message: 'filters must be an object' };
  if (bundle['checkpoint'] !== null && !isCheckpointData(bundle['checkpoint']))
    return { ok: false, message: 'checkpoint is not a checkpoint' };
  for (const [index, item] of (bundle['items'] as unknown[]).entries()) {
    if (typeof item !== 'object' || item === null) return { ok: false, message: `items[${index}] is not an object` };
    const record = item as Record<string, unknown>;
    if (record['type'] === 'gap') continue;
    const result = validate(item);
    if (!result.ok || (result.message.type !== 'system_log' && result.message.type !== 'audit_log'))
      return { ok: false, message: `items[${index}] is not a log message${result.ok ? '' : `: ${result.error.message}`}` };
    const chain = checkChain(record['chain']);
    if (chain !== undefined) return { ok: false, message: `items[${index}]: ${chain}` };
  }
  return { ok: true, bundle: value as IncidentBundle };
}
