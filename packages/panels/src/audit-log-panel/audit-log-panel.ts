import { html, type TemplateResult } from 'lit';
import type { AuditLogData, AuditLogMessage } from '@logwire/protocol';
import { LogPanelBase } from '../base/log-panel-base.js';
import { compactJson } from '../base/format.js';

/**
 * Live view of a log stream's `audit_log` messages: time, level, logger, action, message and
 * metadata, newest at the bottom.
 *
 * @csspart header - The title bar.
 * @csspart title - The panel title.
 * @csspart count - The entry count.
 * @csspart state - The connection state pill.
 * @csspart list - The scrolling list of rows.
 * @csspart column-header - The row of column titles.
 * @csspart row - One audit event.
 * @csspart empty - The message shown while there are no entries.
 * @cssprop --logwire-font - Font of the panel.
 * @cssprop --logwire-color - Text colour.
 * @cssprop --logwire-background - Background colour.
 * @cssprop --logwire-border-color - Border and separator colour.
 */
export class AuditLogPanel extends LogPanelBase<AuditLogMessage> {
  protected readonly messageType = 'audit_log';
  protected readonly heading = 'Audit Logs';
  protected readonly columns = '88px 64px minmax(80px, 130px) minmax(80px, 140px) minmax(160px, 1fr) minmax(160px, 1fr)';
  protected readonly columnTitles = ['Time', 'Level', 'Logger', 'Action', 'Message', 'Metadata'] as const;

  protected renderCells(data: AuditLogData): TemplateResult {
    return html`<span class="time">${this.formatTime(data.timestamp)}</span><span class="level" data-level=${data.level}>${data.level}</span
      ><span class="logger">${data.logger}</span><span class="action">${data.action ?? ''}</span><span class="message">${data.message}</span
      ><span class="metadata">${data.metadata === undefined ? '' : compactJson(data.metadata)}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'audit-log-panel': AuditLogPanel;
  }
}
