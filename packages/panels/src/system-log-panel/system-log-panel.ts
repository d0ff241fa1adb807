import type { CSSResultGroup } from 'lit';
import { SYSTEM_LOG_FIELDS, type SystemLogData, type SystemLogMessage } from '@logwire/protocol';
import type { FieldFilter } from '../base/filters.js';
import { leadingColumns } from '../base/column-layout.js';
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
 * and message (built-in columns `time`, `level`, `logger`, `module`, `site`, `message`), newest at
 * the bottom. A row expands to show every field, extra fields included.
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
  protected readonly defaultColumns = ['time', 'level', 'logger', 'module', 'site', 'message'];
  protected readonly builtinColumns: readonly PanelColumn<SystemLogMessage>[] = [
    ...leadingColumns<SystemLogMessage>((timestamp) => this.formatTime(timestamp), 180),
    {
      title: 'Module',
      name: 'module',
      width: 100,
      text: (m) => displayValue(m.data.module),
      csv: [['module', (m) => displayValue(m.data.module)]],
    },
    {
      title: 'Function:Line',
      name: 'site',
      width: 140,
      text: (m) => `${displayValue(m.data.function)}:${displayValue(m.data.line)}`,
      csv: [
        ['function', (m) => displayValue(m.data.function)],
        ['line', (m) => displayValue(m.data.line)],
      ],
    },
    {
      title: 'Message',
      name: 'message',
      width: 0,
      text: (m) => displayValue(m.data.message),
      // The extra fields go with the message in CSV, so an export keeps them whatever the columns.
      csv: [
        ['message', (m) => displayValue(m.data.message)],
        ['fields', (m) => compactJson(extraFields(m.data))],
      ],
    },
  ];

  constructor() {
    super();
    this.moduleFilter = '';
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'system-log-panel': SystemLogPanel;
  }
}
