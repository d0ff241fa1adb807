export { SystemLogPanel } from './system-log-panel/system-log-panel.js';
export { AuditLogPanel } from './audit-log-panel/audit-log-panel.js';
export { LogPanelBase } from './base/log-panel-base.js';
