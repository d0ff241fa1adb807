import type { CSSResultGroup } from 'lit';
import type { AuditLogMessage } from '@logwire/protocol';
import type { FieldFilter } from '../base/filters.js';
import { LogPanelBase, type PanelColumn } from '../base/log-panel-base.js';
import { compactJson, displayValue } from '../base/text.js';
import { auditLogPanelStyles } from './audit-log-panel.styles.js';

const metadataText = (m: AuditLogMessage): string => (m.data.metadata === undefined ? '' : compactJson(m.data.metadata));

/**
 * Live view of a log stream's `audit_log` messages: time, level, logger, action, message and
 * metadata (built-in columns `time`, `level`, `logger`, `action`, `message`, `metadata`; field
 * columns read the metadata too: `user_id` is `metadata.user_id`), newest at the bottom. A row
 * expands to show the metadata as a tree. An audit trail is read-only by default: there is no
 * Clear button unless `clearable` is set.
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
  protected override readonly fieldFallback = 'metadata';
  protected readonly defaultColumns = ['time', 'level', 'logger', 'action', 'message', 'metadata'];
  protected readonly builtinColumns: readonly PanelColumn<AuditLogMessage>[] = [
    {
      title: 'Time',
      name: 'time',
      width: 96,
      primary: true,
      text: (m) => this.formatTime(m.data.timestamp),
      csv: [['timestamp', (m) => displayValue(m.data.timestamp)]],
    },
    {
      title: 'Level',
      name: 'level',
      width: 72,
      primary: true,
      text: (m) => displayValue(m.data.level),
      csv: [['level', (m) => displayValue(m.data.level)]],
    },
    {
      title: 'Logger',
      name: 'logger',
      width: 130,
      text: (m) => displayValue(m.data.logger),
      csv: [['logger', (m) => displayValue(m.data.logger)]],
    },
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

  constructor() {
    super();
    this.actionFilter = '';
    this.clearable = false;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'audit-log-panel': AuditLogPanel;
  }
}
