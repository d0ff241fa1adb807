/** Registers `<system-log-panel>` and `<audit-log-panel>` (once, even if imported twice). */
import { AuditLogPanel } from './audit-log-panel/audit-log-panel.js';
import { SystemLogPanel } from './system-log-panel/system-log-panel.js';

export { AuditLogPanel, SystemLogPanel };

if (!customElements.get('system-log-panel')) customElements.define('system-log-panel', SystemLogPanel);
if (!customElements.get('audit-log-panel')) customElements.define('audit-log-panel', AuditLogPanel);
