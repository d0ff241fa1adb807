import type { CSSResultGroup } from 'lit';
import type { AuditLogMessage } from '@logwire/protocol';
import type { FieldFilter } from '../base/filters.js';
import { LogPanelBase, type PanelColumn } from '../base/log-panel-base.js';
import { compactJson, displayValue } from '../base/text.js';
import { auditLogPanelStyles } from './audit-log-panel.styles.js';

/**
 * Live view of a log stream's `audit_log` messages: time, level, logger, action, message and
 * metadata, newest at the bottom. A row expands to show the metadata as a tree. An audit trail is
 * read-only by default: there is no Clear button unless `clearable` is set.
 *
 * The events, parts and CSS custom properties are those of {@link LogPanelBase}.
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
  protected readonly columns: readonly PanelColumn<AuditLogMessage>[] = [
    { title: 'Time', name: 'time', width: '90px', text: (m) => this.formatTime(m.data.timestamp) },
    { title: 'Level', name: 'level', width: '68px', text: (m) => displayValue(m.data.level) },
    { title: 'Logger', name: 'logger', width: 'minmax(70px, 150px)', text: (m) => displayValue(m.data.logger) },
    { title: 'Action', name: 'action', width: 'minmax(70px, 150px)', text: (m) => displayValue(m.data.action ?? '') },
    { title: 'Message', name: 'message', width: 'minmax(120px, 1fr)', text: (m) => displayValue(m.data.message) },
    {
      title: 'Metadata',
      name: 'metadata',
      width: 'minmax(120px, 1fr)',
      text: (m) => (m.data.metadata === undefined ? '' : compactJson(m.data.metadata)),
    },
  ];

  constructor() {
    super();
    this.actionFilter = '';
    this.clearable = false;
  }

  protected csvColumns(): readonly [string, (message: AuditLogMessage) => string][] {
    return [
      ['timestamp', (m) => displayValue(m.data.timestamp)],
      ['level', (m) => displayValue(m.data.level)],
      ['logger', (m) => displayValue(m.data.logger)],
      ['action', (m) => displayValue(m.data.action ?? '')],
      ['message', (m) => displayValue(m.data.message)],
      ['metadata', (m) => (m.data.metadata === undefined ? '' : compactJson(m.data.metadata))],
    ];
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'audit-log-panel': AuditLogPanel;
  }
}
