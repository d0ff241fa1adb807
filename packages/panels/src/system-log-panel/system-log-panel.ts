import { html, type TemplateResult } from 'lit';
import type { SystemLogData, SystemLogMessage } from '@logwire/protocol';
import { LogPanelBase } from '../base/log-panel-base.js';

/**
 * Live view of a log stream's `system_log` messages: time, level, logger, module, function:line
 * and message, newest at the bottom.
 *
 * @csspart header - The title bar.
 * @csspart title - The panel title.
 * @csspart count - The entry count.
 * @csspart state - The connection state pill.
 * @csspart list - The scrolling list of rows.
 * @csspart column-header - The row of column titles.
 * @csspart row - One log entry.
 * @csspart empty - The message shown while there are no entries.
 * @cssprop --logwire-font - Font of the panel.
 * @cssprop --logwire-color - Text colour.
 * @cssprop --logwire-background - Background colour.
 * @cssprop --logwire-border-color - Border and separator colour.
 */
export class SystemLogPanel extends LogPanelBase<SystemLogMessage> {
  protected readonly messageType = 'system_log';
  protected readonly heading = 'System Logs';
  protected readonly columns = '88px 64px minmax(80px, 150px) minmax(60px, 90px) minmax(80px, 120px) minmax(240px, 1fr)';
  protected readonly columnTitles = ['Time', 'Level', 'Logger', 'Module', 'Function:Line', 'Message'] as const;

  protected renderCells(data: SystemLogData): TemplateResult {
    return html`<span class="time">${this.formatTime(data.timestamp)}</span><span class="level" data-level=${data.level}>${data.level}</span
      ><span class="logger">${data.logger}</span><span class="module">${data.module}</span><span class="site">${data.function}:${data.line}</span
      ><span class="message">${data.message}</span>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'system-log-panel': SystemLogPanel;
  }
}
