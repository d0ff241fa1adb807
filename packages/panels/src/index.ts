export { SystemLogPanel } from './system-log-panel/system-log-panel.js';
export { AuditLogPanel } from './audit-log-panel/audit-log-panel.js';
export { LogPanelBase, PANEL_LEVELS, Theme, SearchMode, SearchAction, ExportFormat } from './base/log-panel-base.js';
export type { PanelLevel, PanelColumn } from './base/log-panel-base.js';
export type { FieldFilter } from './base/filters.js';
export {
  LogwireClearEvent,
  LogwireCopyEvent,
  LogwireExportEvent,
  LogwireFollowChangeEvent,
  LogwireHistoryEvent,
  LogwirePauseChangeEvent,
} from './base/events.js';
export { HistoryState } from './base/history.js';
export type { HistoryFetch } from './base/history.js';
export { csvCell, toCsv } from './base/csv.js';
export { LogwireCheckpointEvent } from './base/checkpoint-event.js';
export { ChainStatus, LogwireChainEvent } from './audit-log-panel/chain-status.js';
export { BreakReason, ChainState, ChainVerifier } from './audit-log-panel/chain-verifier.js';
export type { ChainBreak, ChainSummary } from './audit-log-panel/chain-verifier.js';
export { LogwireLinkEvent } from './base/entry-link.js';
