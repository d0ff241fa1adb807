import { html, type CSSResultGroup, type PropertyValues, type TemplateResult } from 'lit';
import type { AuditLogMessage } from '@logwire/protocol';
import { LogPanelBase, type PanelColumn } from '../base/log-panel-base.js';
import { compactJson, displayValue } from '../base/text.js';
import { auditLogPanelStyles } from './audit-log-panel.styles.js';

/**
 * Live view of a log stream's `audit_log` messages: time, level, logger, action, message and
 * metadata, newest at the bottom. A row expands to show the metadata as a tree. An audit trail is
 * read-only by default: there is no Clear button unless `clearable` is set.
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
 * @csspart filter - A field filter input (logger, action).
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

export class AuditLogPanel extends LogPanelBase<AuditLogMessage> {
  static override styles: CSSResultGroup = [LogPanelBase.styles, auditLogPanelStyles];

  static override properties = {
    ...LogPanelBase.properties,
    actionFilter: { attribute: 'action-filter' },
  };

  /** Shows only entries whose action contains this text (case-insensitive). */
  declare actionFilter: string;

  protected readonly messageType = 'audit_log';
  protected readonly heading = 'Audit Logs';
  protected readonly columns: readonly PanelColumn<AuditLogMessage>[] = [
    { title: 'Time', name: 'time', width: '90px', text: (m, panel) => (panel as AuditLogPanel).formatTime(m.data.timestamp) },
    { title: 'Level', name: 'level', width: '68px', text: (m) => displayValue(m.data.level) },
    { title: 'Logger', name: 'logger', width: 'minmax(70px, 150px)', text: (m) => displayValue(m.data.logger) },
    { title: 'Action', name: 'action', width: 'minmax(70px, 150px)', text: (m) => displayValue(m.data.action ?? '') },
    { title: 'Message', name: 'message', width: 'minmax(120px, 1fr)', text: (m) => displayValue(m.data.message) },
    { title: 'Metadata', name: 'metadata', width: 'minmax(120px, 1fr)', text: (m) => (m.data.metadata === undefined ? '' : compactJson(m.data.metadata)) },
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

  protected matchesFieldFilters(message: AuditLogMessage): boolean {
    return LogPanelBase.fieldContains(message.data.action ?? '', this.actionFilter);
  }

  protected override filtersChanged(changed: PropertyValues<this>): boolean {
    return changed.has('actionFilter');
  }

  protected override noteValues(message: AuditLogMessage): void {
    super.noteValues(message);
    this.rememberValue('action', message.data.action);
  }

  protected renderFieldFilters(): TemplateResult {
    const values = [...(this.seenValues.get('action') ?? [])].sort();
    return html`<input
        class="filter action-filter"
        part="filter"
        type="text"
        list="action-values"
        placeholder="Action"
        aria-label="Action filter"
        .value=${this.actionFilter}
        @input=${(event: Event) => (this.actionFilter = (event.target as HTMLInputElement).value)}
      /><datalist id="action-values">${values.map((value) => html`<option value=${value}></option>`)}</datalist>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'audit-log-panel': AuditLogPanel;
  }
}
