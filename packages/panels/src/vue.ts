/**
 * `import type {} from '@logwire/panels/vue'` (once, anywhere in a Vue 3.5 project) registers both tags as global
 * components for typed templates (Volar / vue-tsc): each panel's properties, in camelCase or kebab-case. Type-only:
 * the built module is empty at run time. Vue's compiler still needs `isCustomElement` for the two tags.
 */
import type { DefineComponent } from 'vue';
import type { AuditLogPanel, SystemLogPanel } from './index.js';

/** The properties both panels take from a template. */
type SharedKeys =
  | 'src'
  | 'client'
  | 'limit'
  | 'timeZone'
  | 'theme'
  | 'levels'
  | 'loggerFilter'
  | 'fieldFilter'
  | 'search'
  | 'searchMode'
  | 'searchAction'
  | 'paused'
  | 'follow'
  | 'clearable'
  | 'historySrc'
  | 'historyFetch'
  | 'historyPageSize';

/** Template props of `<system-log-panel>`. */
export type SystemLogPanelVueProps = Partial<Pick<SystemLogPanel, SharedKeys | 'moduleFilter'>>;

/** Template props of `<audit-log-panel>`. */
export type AuditLogPanelVueProps = Partial<Pick<AuditLogPanel, SharedKeys | 'actionFilter'>>;

declare module 'vue' {
  interface GlobalComponents {
    'system-log-panel': DefineComponent<SystemLogPanelVueProps>;
    'audit-log-panel': DefineComponent<AuditLogPanelVueProps>;
  }
}
