import type { CSSResultGroup } from 'lit';
import type { AuditLogMessage } from '@logwire/protocol';
import type { FieldFilter } from '../base/filters.js';
import { leadingColumns } from '../base/column-layout.js';
import { LogPanelBase, type PanelColumn } from '../base/log-panel-base.js';
import { compactJson, displayValue } from '../base/text.js';
import { auditLogPanelStyles } from './audit-log-panel.styles.js';
import { LogwireCheckpointEvent } from '../base/checkpoint-event.js';
import { ChainStatus } from './chain-status.js';
import { bundleText, downloadBundle, openBundle } from './bundle.js';

const metadataText = (m: AuditLogMessage): string => (m.data.metadata === undefined ? '' : compactJson(m.data.metadata));

/**
 * Live view of a log stream's `audit_log` messages: time, level, logger, action, message and
 * metadata (built-in columns `time`, `level`, `logger`, `action`, `message`, `metadata`; field
 * columns read the metadata too: `user_id` is `metadata.user_id`), newest at the bottom. A row
 * expands to show the metadata as a tree. An audit trail is read-only by default: there is no
 * Clear button unless `clearable` is set.
 *
 * With a server that keeps the hash-chained audit trail, every entry's place in the chain is
 * verified in the browser (./chain-verifier.ts): the header says "Chain verified through #N", or
 * "Chain broken at #N" with the broken rows marked (`data-mark="chain-break"`).
 *
 * The events, parts and CSS custom properties are those of {@link LogPanelBase}, and:
 *
 * @fires logwire-chain - The chain verification changed state or moved on ({@link LogwireChainEvent}).
 * @fires logwire-checkpoint - The stream sent a signed checkpoint ({@link LogwireCheckpointEvent}).
 * @csspart chain-status - The chain verification status in the header.
 * @csspart row-marked - A row whose chain verification failed (also has `data-mark="chain-break"`).
 * @cssprop --logwire-chain-break-background - Background of a row whose chain verification failed.
 */
export class AuditLogPanel extends LogPanelBase<AuditLogMessage> {
  static override styles: CSSResultGroup = [LogPanelBase.styles, auditLogPanelStyles];

  static override properties = {
    ...LogPanelBase.properties,
    actionFilter: { attribute: 'action-filter' },
  };

  /** Shows only entries whose action contains this text (case-insensitive). */
  declare actionFilter: string;

  protected readonly messageType = 'audit_log';
  protected override readonly fieldFilters: readonly FieldFilter[] = [{ field: 'action', label: 'Action', property: 'actionFilter' }];
  protected readonly heading = 'Audit Logs';
  protected override readonly fieldFallback = 'metadata';
  protected readonly defaultColumns = ['time', 'level', 'logger', 'action', 'message', 'metadata'];
  protected readonly builtinColumns: readonly PanelColumn<AuditLogMessage>[] = [
    ...leadingColumns<AuditLogMessage>((timestamp) => this.formatTime(timestamp), 130),
    {
      title: 'Action',
      name: 'action',
      width: 130,
      text: (m) => displayValue(m.data.action ?? ''),
      csv: [['action', (m) => displayValue(m.data.action ?? '')]],
    },
    {
      title: 'Message',
      name: 'message',
      width: 0,
      text: (m) => displayValue(m.data.message),
      csv: [['message', (m) => displayValue(m.data.message)]],
    },
    { title: 'Metadata', name: 'metadata', width: 220, text: metadataText, csv: [['metadata', metadataText]] },
  ];

  /** The chain verification of the entries held (see ./chain-status.ts). */
  readonly chain: ChainStatus = new ChainStatus(this);
  protected override readonly extras = this.chain;

  constructor() {
    super();
    this.actionFilter = '';
    this.clearable = false;
    this.addEventListener(LogwireCheckpointEvent.eventName, (event) => this.chain.verifier.addCheckpoint(event.checkpoint));
    this.chain.onExport = () => this.downloadBundle();
    // A bundle file dropped on the panel is shown offline, verified (./bundle.ts).
    this.addEventListener('dragover', (event) => event.preventDefault());
    this.addEventListener('drop', (event) => {
      const file = event.dataTransfer?.files[0];
      if (file === undefined) return;
      event.preventDefault();
      void file.text().then((text) => this.openBundle(text));
    });
  }

  /** The verifiable incident bundle of what the panel shows (entries, gaps, filters, chain fields, newest checkpoint) as JSON text. */
  exportBundle(): string {
    return bundleText(this, this.chain.verifier.latestCheckpoint);
  }

  /** Downloads {@link exportBundle} as a file. */
  downloadBundle(): void {
    downloadBundle(this, this.chain.verifier.latestCheckpoint);
  }

  /** Shows a bundle (its JSON text) offline, verified; returns what is wrong with it, or undefined. */
  openBundle(text: string): string | undefined {
    const problem = openBundle(this, text);
    if (problem === undefined) this.chain.reset();
    this.chain.bundleNotice = problem === undefined ? 'Showing an exported bundle (offline)' : `Not a bundle: ${problem}`;
    this.requestUpdate();
    return problem;
  }

  protected override detailFields(message: AuditLogMessage): Record<string, unknown> {
    const chain = this.chain.detail(message);
    return chain === undefined ? super.detailFields(message) : { ...super.detailFields(message), chain };
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'audit-log-panel': AuditLogPanel;
  }
}
