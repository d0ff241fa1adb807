import type { TemplateResult } from 'lit';
import type { LogMessage } from '@logwire/protocol';

/**
 * What a panel subclass adds to the shared base without the base knowing what it is: a hook for
 * every entry that joins the rows (live, or loaded from history), a mark on a row (`data-mark`
 * attribute and `row-marked` part), and something shown in the header before the state pill.
 * The audit panel's chain verification is one (../audit-log-panel/chain-status.ts).
 */
export interface PanelExtras<M extends LogMessage> {
  added(message: M): void;
  /** A short word for the row's `data-mark` attribute (e.g. `chain-break`), or undefined for none. */
  mark(message: M): string | undefined;
  header(): TemplateResult | undefined;
}
