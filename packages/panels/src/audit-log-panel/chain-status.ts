// The audit panel's chain verification as the panel shows it: every entry that joins the rows goes
// to the ChainVerifier, checkpoints from the stream too; the header says "Chain verified through
// #N" or "Chain broken at #N", and the broken rows carry `data-mark="chain-break"`. Fires
// `logwire-chain` when what the header says changes.
import { html, nothing, type TemplateResult } from 'lit';
import type { AuditLogMessage } from '@logwire/protocol';
import type { PanelExtras } from '../base/panel-extras.js';
import { BreakReason, ChainState, type ChainSummary, ChainVerifier } from './chain-verifier.js';

/** Fired when the audit panel's chain verification changes state or moves on. */
export class LogwireChainEvent extends Event {
  static readonly eventName = 'logwire-chain';
  /** Where verification stands. */
  readonly summary: ChainSummary;
  constructor(summary: ChainSummary) {
    super(LogwireChainEvent.eventName, { bubbles: true, composed: true });
    this.summary = summary;
  }
}

/** What the status needs of its panel. */
export interface ChainStatusHost extends EventTarget {
  requestUpdate(): void;
}

/** See the module comment. */
export class ChainStatus implements PanelExtras<AuditLogMessage> {
  /** The verifier of the entries held (a new one after a bundle is opened). */
  verifier: ChainVerifier;
  /** What the header says about a bundle: the one shown, or why a dropped file was not. */
  bundleNotice = '';
  /** Called by the "Export bundle" button. */
  onExport: (() => void) | undefined;
  readonly #host: ChainStatusHost;
  #said = '';

  constructor(host: ChainStatusHost) {
    this.#host = host;
    this.verifier = new ChainVerifier(() => this.#changed());
  }

  added(message: AuditLogMessage): void {
    this.verifier.add(message);
  }

  mark(message: AuditLogMessage): string | undefined {
    return this.verifier.isBroken(message.id) ? 'chain-break' : undefined;
  }

  header(): TemplateResult | undefined {
    const summary = this.verifier.summary();
    const text = statusText(summary);
    const notice = this.bundleNotice === '' ? nothing : html`<span class="bundle-notice" part="bundle-status">${this.bundleNotice}</span>`;
    const status =
      text === ''
        ? nothing
        : html`<span class="chain" part="chain-status" data-state=${summary.state} title=${statusDetail(summary)}>${text}</span>`;
    const button =
      summary.checked === 0
        ? nothing
        : html`<button class="bundle" part="bundle-button" @click=${() => this.onExport?.()}>Export bundle</button>`;
    return html`${notice} ${status} ${button}`;
  }

  /** Starts again with no entry verified (the entries were replaced, e.g. by a bundle). */
  reset(): void {
    this.verifier = new ChainVerifier(() => this.#changed());
    this.#said = '';
    this.#host.requestUpdate();
  }

  /** What the detail view adds for an entry: its place in the chain and the verdict. */
  detail(message: AuditLogMessage): Record<string, unknown> | undefined {
    const chain = message.chain;
    if (chain === undefined) return undefined;
    const found = this.verifier.breakAt(chain.seq);
    return { seq: chain.seq, verdict: found === undefined ? 'no break found' : found.message, hash: chain.hash, prev: chain.prev };
  }

  #changed(): void {
    const summary = this.verifier.summary();
    const said = `${summary.state} ${summary.through ?? ''} ${summary.firstBreak?.seq ?? ''} ${summary.checkpoint?.seq ?? ''}`;
    this.#host.requestUpdate();
    if (said === this.#said) return;
    this.#said = said;
    this.#host.dispatchEvent(new LogwireChainEvent(summary));
  }
}

/** The header's words for a summary ('' when there is nothing to verify). */
export function statusText(summary: ChainSummary): string {
  switch (summary.state) {
    case ChainState.Verified:
      return `✓ Chain verified through #${summary.through ?? 0}`;
    case ChainState.Broken:
      return `⚠ Chain broken at #${summary.firstBreak?.seq ?? 0}`;
    case ChainState.Verifying:
      return 'Verifying chain…';
    case ChainState.Unsupported:
      return 'Chain not verifiable here (WebCrypto needs https)';
    default:
      return '';
  }
}

/** The longer explanation (the status's title). */
function statusDetail(summary: ChainSummary): string {
  const parts: string[] = [];
  if (summary.firstBreak !== undefined) {
    const more = summary.breaks > 1 ? ` (${summary.breaks} problems in all)` : '';
    parts.push(`${summary.firstBreak.message}${more}.`);
  }
  parts.push(`${summary.checked} trail lines checked.`);
  if (summary.holes > 0) parts.push(`${summary.holes} runs of lines not held (links across them not checked).`);
  if (summary.unchained > 0) parts.push(`${summary.unchained} entries came without chain fields.`);
  if (summary.checkpoint !== undefined) {
    const verdict = summary.checkpoint.matched ? 'matches' : 'does not match';
    parts.push(`Checkpoint #${summary.checkpoint.seq} ${verdict} (its signature can only be checked with the key: logwire verify).`);
  }
  return parts.join(' ');
}

export { BreakReason, ChainState };

declare global {
  interface HTMLElementEventMap {
    'logwire-chain': LogwireChainEvent;
  }
}
