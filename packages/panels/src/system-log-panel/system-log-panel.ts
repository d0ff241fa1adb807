import type { CSSResultGroup } from 'lit';
import { SYSTEM_LOG_FIELDS, type SystemLogData, type SystemLogMessage } from '@logwire/protocol';
import type { FieldFilter } from '../base/filters.js';
import { LogPanelBase, type PanelColumn } from '../base/log-panel-base.js';
import { compactJson, displayValue } from '../base/text.js';
import { systemLogPanelStyles } from './system-log-panel.styles.js';

const FIXED = new Set<string>(SYSTEM_LOG_FIELDS);

/** The extra fields of a record (everything but the seven fixed ones). */
function extraFields(data: SystemLogData): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!FIXED.has(key)) extra[key] = value;
  return extra;
}

/**
 * Live view of a log stream's `system_log` messages: time, level, logger, module, function:line
 * and message, newest at the bottom. A row expands to show every field, extra fields included.
 *
 * The events, parts and CSS custom properties are those of {@link LogPanelBase}.
 */
export class SystemLogPanel extends LogPanelBase<SystemLogMessage> {
  static override styles: CSSResultGroup = [LogPanelBase.styles, systemLogPanelStyles];

  static override properties = {
    ...LogPanelBase.properties,
    moduleFilter: { attribute: 'module-filter' },
  };

  /** Shows only entries whose module contains this text (case-insensitive). */
  declare moduleFilter: string;

  protected readonly messageType = 'system_log';
  protected override readonly fieldFilters: readonly FieldFilter[] = [{ field: 'module', label: 'Module', property: 'moduleFilter' }];
  protected readonly heading = 'System Logs';
  protected readonly columns: readonly PanelColumn<SystemLogMessage>[] = [
    { title: 'Time', name: 'time', width: '90px', text: (m) => this.formatTime(m.data.timestamp) },
    { title: 'Level', name: 'level', width: '68px', text: (m) => displayValue(m.data.level) },
    { title: 'Logger', name: 'logger', width: 'minmax(80px, 180px)', text: (m) => displayValue(m.data.logger) },
    { title: 'Module', name: 'module', width: 'minmax(50px, 100px)', text: (m) => displayValue(m.data.module) },
    {
      title: 'Function:Line',
      name: 'site',
      width: 'minmax(70px, 140px)',
      text: (m) => `${displayValue(m.data.function)}:${displayValue(m.data.line)}`,
    },
    { title: 'Message', name: 'message', width: 'minmax(160px, 1fr)', text: (m) => displayValue(m.data.message) },
  ];

  constructor() {
    super();
    this.moduleFilter = '';
  }

  protected csvColumns(): readonly [string, (message: SystemLogMessage) => string][] {
    return [
      ['timestamp', (m) => displayValue(m.data.timestamp)],
      ['level', (m) => displayValue(m.data.level)],
      ['logger', (m) => displayValue(m.data.logger)],
      ['module', (m) => displayValue(m.data.module)],
      ['function', (m) => displayValue(m.data.function)],
      ['line', (m) => displayValue(m.data.line)],
      ['message', (m) => displayValue(m.data.message)],
      ['fields', (m) => compactJson(extraFields(m.data))],
    ];
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'system-log-panel': SystemLogPanel;
  }
}
