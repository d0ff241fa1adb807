/**
 * `import type {} from '@logwire/panels/react'` (once, anywhere in a React 19 project) types both tags in JSX: their
 * attributes and properties, and the `onlogwire-*` event props React 19 attaches as listeners. Type-only: the built
 * module is empty at run time. TypeScript does not report unknown hyphenated attributes, so a misspelt
 * `modul-filter` still compiles.
 */
import type { DetailedHTMLProps, HTMLAttributes } from 'react';
import type { LogStreamClient } from '@logwire/client';
import type {
  AuditLogPanel,
  HistoryFetch,
  LogwireClearEvent,
  LogwireCopyEvent,
  LogwireExportEvent,
  LogwireFollowChangeEvent,
  LogwireHistoryEvent,
  LogwirePauseChangeEvent,
  SystemLogPanel,
} from './index.js';

/** Attributes, properties and event props shared by both panels. */
export interface LogPanelProps<T> extends DetailedHTMLProps<HTMLAttributes<T>, T> {
  src?: string;
  client?: LogStreamClient;
  limit?: number;
  'time-zone'?: 'local' | 'utc';
  theme?: 'auto' | 'light' | 'dark';
  levels?: string | readonly string[];
  'logger-filter'?: string;
  'field-filter'?: string;
  search?: string;
  'search-mode'?: 'text' | 'regex';
  'search-action'?: 'filter' | 'highlight';
  paused?: boolean;
  follow?: boolean;
  clearable?: boolean;
  'announce-interval'?: number;
  'row-height'?: number;
  'detail-height'?: number;
  'history-src'?: string;
  'history-page-size'?: number;
  historyFetch?: HistoryFetch;
  'onlogwire-follow-change'?: (event: LogwireFollowChangeEvent) => void;
  'onlogwire-pause-change'?: (event: LogwirePauseChangeEvent) => void;
  'onlogwire-clear'?: (event: LogwireClearEvent) => void;
  'onlogwire-export'?: (event: LogwireExportEvent) => void;
  'onlogwire-copy'?: (event: LogwireCopyEvent) => void;
  'onlogwire-history'?: (event: LogwireHistoryEvent) => void;
}

/** JSX props of `<system-log-panel>`. */
export type SystemLogPanelProps = LogPanelProps<SystemLogPanel> & { 'module-filter'?: string };

/** JSX props of `<audit-log-panel>`. */
export type AuditLogPanelProps = LogPanelProps<AuditLogPanel> & { 'action-filter'?: string };

declare module 'react' {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- React declares JSX as a namespace; augmenting it needs one.
  namespace JSX {
    interface IntrinsicElements {
      'system-log-panel': SystemLogPanelProps;
      'audit-log-panel': AuditLogPanelProps;
    }
  }
}
