import { html, type CSSResultGroup, type PropertyValues, type TemplateResult } from 'lit';
import { SYSTEM_LOG_FIELDS, type SystemLogData, type SystemLogMessage } from '@logwire/protocol';
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
 * @fires logwire-follow-change - Following the newest entry turned on or off ({@link LogwireFollowChangeEvent}).
 * @fires logwire-pause-change - The panel was paused or resumed ({@link LogwirePauseChangeEvent}).
 * @fires logwire-clear - The entries were cleared ({@link LogwireClearEvent}).
 * @fires logwire-export - An export is about to download; cancelable ({@link LogwireExportEvent}).
 * @fires logwire-copy - An entry was copied as JSON ({@link LogwireCopyEvent}).
 * @fires logwire-history - A "Load older" finished: entries added, start of history reached, or an error ({@link LogwireHistoryEvent}).
 *
 * @csspart base - The wrapper of everything inside the panel.
 * @csspart header - The title bar.
 * @csspart title - The panel title.
 * @csspart count - The count of entries shown / held.
 * @csspart new-button - The "N new" button shown while paused.
 * @csspart state - The connection state pill.
 * @csspart toolbar - The filters and actions bar.
 * @csspart levels - The group of level toggles.
 * @csspart level-toggle - One level toggle button.
 * @csspart filter - A field filter input (logger, module).
 * @csspart search - The search input.
 * @csspart regex-toggle - The regular-expression toggle.
 * @csspart highlight-toggle - The highlight-instead-of-filter toggle.
 * @csspart pause-button - The pause / resume button.
 * @csspart follow-button - The follow toggle.
 * @csspart clear-button - The clear button.
 * @csspart export - The group of export buttons.
 * @csspart export-button - One export button (JSON, NDJSON, CSV).
 * @csspart column-header - The row of column titles.
 * @csspart history - The bar above the list with the "Load older" button (only with `history-src`).
 * @csspart history-button - The "Load older" button.
 * @csspart history-status - The history load's status: loading, loaded, no older entries, or the error.
 * @csspart list - The scrolling list (`role="log"`).
 * @csspart row - One log entry.
 * @csspart gap - An inline marker for missing messages.
 * @csspart match - A search match inside a cell.
 * @csspart detail - The expanded view of one entry.
 * @csspart copy-button - The copy button in the expanded view.
 * @csspart empty - The message shown while no entry is shown.
 * @csspart announcer - The visually hidden live region for screen readers.
 *
 * @cssprop --logwire-font - Font of the panel.
 * @cssprop --logwire-color - Text colour.
 * @cssprop --logwire-background - Background colour.
 * @cssprop --logwire-border-color - Border and separator colour.
 * @cssprop --logwire-header-background - Background of the title bar, toolbar and detail view.
 * @cssprop --logwire-muted-color - Colour of secondary text (time, module, debug levels).
 * @cssprop --logwire-warning-color - Colour of WARNING levels.
 * @cssprop --logwire-error-color - Colour of ERROR and CRITICAL levels.
 * @cssprop --logwire-accent-color - Focus rings, pressed toggles, the "N new" button.
 * @cssprop --logwire-live-background - Background of the state pill when live.
 * @cssprop --logwire-live-color - Text of the state pill when live.
 * @cssprop --logwire-offline-background - Background of the state pill when offline.
 * @cssprop --logwire-offline-color - Text of the state pill when offline.
 * @cssprop --logwire-pending-background - Background of the state pill while connecting or catching up.
 * @cssprop --logwire-pending-color - Text of the state pill while connecting or catching up.
 * @cssprop --logwire-match-background - Background of search matches.
 * @cssprop --logwire-match-color - Text of search matches.
 * @cssprop --logwire-row-hover-background - Background of the row under the pointer.
 * @cssprop --logwire-row-active-background - Background of the focused or expanded row.
 * @cssprop --logwire-gap-background - Background of gap markers.
 * @cssprop --logwire-gap-color - Text of gap markers.
 * @cssprop --logwire-control-background - Background of inputs and buttons.
 * @cssprop --logwire-radius - Corner radius of the panel.
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
  protected readonly heading = 'System Logs';
  protected readonly columns: readonly PanelColumn<SystemLogMessage>[] = [
    { title: 'Time', name: 'time', width: '90px', text: (m, panel) => (panel as SystemLogPanel).formatTime(m.data.timestamp) },
    { title: 'Level', name: 'level', width: '68px', text: (m) => displayValue(m.data.level) },
    { title: 'Logger', name: 'logger', width: 'minmax(80px, 180px)', text: (m) => displayValue(m.data.logger) },
    { title: 'Module', name: 'module', width: 'minmax(50px, 100px)', text: (m) => displayValue(m.data.module) },
    { title: 'Function:Line', name: 'site', width: 'minmax(70px, 140px)', text: (m) => `${displayValue(m.data.function)}:${displayValue(m.data.line)}` },
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

  protected matchesFieldFilters(message: SystemLogMessage): boolean {
    return LogPanelBase.fieldContains(message.data.module, this.moduleFilter);
  }

  protected override filtersChanged(changed: PropertyValues<this>): boolean {
    return changed.has('moduleFilter');
  }

  protected override noteValues(message: SystemLogMessage): void {
    super.noteValues(message);
    this.rememberValue('module', message.data.module);
  }

  protected renderFieldFilters(): TemplateResult {
    const values = [...(this.seenValues.get('module') ?? [])].sort();
    return html`<input
        class="filter module-filter"
        part="filter"
        type="text"
        list="module-values"
        placeholder="Module"
        aria-label="Module filter"
        .value=${this.moduleFilter}
        @input=${(event: Event) => (this.moduleFilter = (event.target as HTMLInputElement).value)}
      /><datalist id="module-values">${values.map((value) => html`<option value=${value}></option>`)}</datalist>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'system-log-panel': SystemLogPanel;
  }
}
