import { css } from 'lit';
import { fieldFilterStyles } from './field-filter-input.js';
import { alertBannerStyles } from './alert-banner.js';
import { panelStripStyles } from './panel-strips.styles.js';

// Every colour is a `--logwire-*` custom property with a light default; the dark defaults apply
// with `theme="dark"`, or with `theme="auto"` (the default) when the system prefers dark.
const light = css`
  --_fg: var(--logwire-color, #1f2430);
  --_bg: var(--logwire-background, #ffffff);
  --_border: var(--logwire-border-color, #d8dbe2);
  --_header-bg: var(--logwire-header-background, #f5f6f8);
  --_muted: var(--logwire-muted-color, #5f6673);
  --_warning: var(--logwire-warning-color, #9a4a05);
  --_error: var(--logwire-error-color, #b91c1c);
  --_accent: var(--logwire-accent-color, #2456c9);
  --_live-bg: var(--logwire-live-background, #d1fae5);
  --_live-fg: var(--logwire-live-color, #065f46);
  --_offline-bg: var(--logwire-offline-background, #fee2e2);
  --_offline-fg: var(--logwire-offline-color, #991b1b);
  --_pending-bg: var(--logwire-pending-background, #fef3c7);
  --_pending-fg: var(--logwire-pending-color, #78350f);
  --_mark-bg: var(--logwire-match-background, #fde68a);
  --_mark-fg: var(--logwire-match-color, #1f2430);
  --_row-hover: var(--logwire-row-hover-background, #f1f4fa);
  --_row-active: var(--logwire-row-active-background, #e3ebfb);
  --_gap-bg: var(--logwire-gap-background, #fff7ed);
  --_gap-fg: var(--logwire-gap-color, #9a3412);
  --_control-bg: var(--logwire-control-background, #ffffff);
  --_current: var(--logwire-current-match-color, #b45309);
`;

const dark = css`
  --_fg: var(--logwire-color, #e4e7ee);
  --_bg: var(--logwire-background, #151821);
  --_border: var(--logwire-border-color, #2e3442);
  --_header-bg: var(--logwire-header-background, #1c202b);
  --_muted: var(--logwire-muted-color, #9aa3b2);
  --_warning: var(--logwire-warning-color, #fbbf24);
  --_error: var(--logwire-error-color, #f87171);
  --_accent: var(--logwire-accent-color, #7aa2f7);
  --_live-bg: var(--logwire-live-background, #064e3b);
  --_live-fg: var(--logwire-live-color, #a7f3d0);
  --_offline-bg: var(--logwire-offline-background, #7f1d1d);
  --_offline-fg: var(--logwire-offline-color, #fecaca);
  --_pending-bg: var(--logwire-pending-background, #78350f);
  --_pending-fg: var(--logwire-pending-color, #fef3c7);
  --_mark-bg: var(--logwire-match-background, #a16207);
  --_mark-fg: var(--logwire-match-color, #ffffff);
  --_row-hover: var(--logwire-row-hover-background, #1f2431);
  --_row-active: var(--logwire-row-active-background, #27314a);
  --_gap-bg: var(--logwire-gap-background, #3b2414);
  --_gap-fg: var(--logwire-gap-color, #fdba74);
  --_control-bg: var(--logwire-control-background, #11141b);
  --_current: var(--logwire-current-match-color, #fbbf24);
`;

export const panelBaseStyles = css`
  :host {
    ${light}
    display: flex;
    flex-direction: column;
    min-height: 0;
    min-width: 0;
    height: 100%;
    font: var(--logwire-font, 12px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace);
    color: var(--_fg);
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--logwire-radius, 6px);
    overflow: hidden;
    color-scheme: light;
  }
  :host([theme='dark']) {
    ${dark}
    color-scheme: dark;
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
      color-scheme: dark;
    }
  }
  :host([hidden]) {
    display: none;
  }
  .base {
    display: flex;
    flex-direction: column;
    flex: 1;
    min-height: 0;
  }
  header,
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px 8px;
    padding: 6px 10px;
    border-bottom: 1px solid var(--_border);
    background: var(--_header-bg);
  }
  h2 {
    margin: 0;
    font-size: 13px;
    font-weight: 600;
  }
  .count {
    color: var(--_muted);
  }
  .state {
    margin-left: auto;
    padding: 1px 8px;
    border-radius: 999px;
    background: var(--_pending-bg);
    color: var(--_pending-fg);
    white-space: nowrap;
  }
  .state[data-state='live'] {
    background: var(--_live-bg);
    color: var(--_live-fg);
  }
  .state[data-state='offline'],
  .state[data-state='closed'] {
    background: var(--_offline-bg);
    color: var(--_offline-fg);
  }
  button,
  input,
  select {
    font: inherit;
    color: inherit;
    background: var(--_control-bg);
    border: 1px solid var(--_border);
    border-radius: 4px;
    padding: 1px 6px;
  }
  button {
    cursor: pointer;
  }
  button:focus-visible,
  input:focus-visible,
  select:focus-visible,
  .viewport:focus-visible,
  .row:focus-visible {
    outline: 2px solid var(--_accent);
    outline-offset: -2px;
  }
  button[aria-pressed='true'] {
    background: var(--_row-active);
    border-color: var(--_accent);
  }
  .levels {
    display: flex;
    flex-wrap: wrap;
    gap: 3px;
  }
  .level-toggle {
    padding: 0 4px;
    font-size: 11px;
  }
  .level-toggle[aria-pressed='false'] {
    opacity: 0.55;
    text-decoration: line-through;
  }
  input[type='search'] {
    min-width: 10ch;
    flex: 1 1 14ch;
  }
  input[aria-invalid='true'] {
    border-color: var(--_error);
  }
  .filter {
    width: 12ch;
  }
  .new {
    padding: 1px 8px;
    border-radius: 999px;
    background: var(--_accent);
    color: var(--_bg);
    border: none;
  }
  .spacer-flex {
    flex: 1;
  }
  /* Left padding 10px, right 26px (room for the column menu); column-layout.ts counts on both. */
  .columns,
  .row {
    display: grid;
    grid-template-columns: var(--columns);
    gap: 8px;
    padding: 0 26px 0 10px;
    white-space: nowrap;
  }
  .columns {
    position: relative;
    font-weight: 600;
    border-bottom: 1px solid var(--_border);
    color: var(--_muted);
  }
  .viewport {
    position: relative;
    flex: 1;
    min-height: 0;
    overflow-y: auto;
    overflow-x: hidden;
    overflow-anchor: none;
    contain: strict;
  }
  .sizer {
    position: relative;
    width: 100%;
  }
  .rows {
    position: absolute;
    top: 0;
    left: 0;
    right: 0;
    will-change: transform;
  }
  .row {
    height: var(--row-height);
    line-height: var(--row-height);
    cursor: default;
    /* Each row lays out on its own: a changed cell never re-lays out its neighbours. */
    contain: strict;
  }
  .row:hover {
    background: var(--_row-hover);
  }
  .row[aria-expanded='true'],
  .row.active {
    background: var(--_row-active);
  }
  .row > span {
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    unicode-bidi: isolate;
  }
  /* Wrapped messages: rows as high as their message, measured after rendering (row-measure-controller.ts). */
  .rows.wrap .row {
    height: auto;
    min-height: var(--row-height);
    contain: layout paint style;
    align-items: start;
  }
  .rows.wrap .row > .message {
    white-space: pre-wrap;
    overflow-wrap: anywhere;
  }
  .row.current-match {
    outline: 2px solid var(--_current);
    outline-offset: -2px;
  }
  .row.gap {
    display: block;
    background: var(--_gap-bg);
    color: var(--_gap-fg);
    font-style: italic;
  }
  .level[data-level='WARNING'] {
    color: var(--_warning);
  }
  .level[data-level='ERROR'],
  .level[data-level='CRITICAL'] {
    color: var(--_error);
    font-weight: 600;
  }
  .level[data-level='DEBUG'],
  .level[data-level='TRACE'],
  .time,
  .site,
  .module {
    color: var(--_muted);
  }
  mark {
    background: var(--_mark-bg);
    color: var(--_mark-fg);
    border-radius: 2px;
  }
  /* As high as its content, up to detail-height and the list's height; beyond that it scrolls. */
  .detail {
    box-sizing: border-box;
    max-height: min(var(--detail-height), var(--detail-room));
    overflow: auto;
    padding: 4px 10px 6px 28px;
    border-bottom: 1px solid var(--_border);
    background: var(--_header-bg);
    overflow-wrap: anywhere;
  }
  .detail .value {
    white-space: pre-wrap;
  }
  .detail ul {
    list-style: none;
    margin: 0;
    padding-left: 16px;
  }
  .detail > ul {
    padding-left: 0;
  }
  .detail .key {
    color: var(--_accent);
  }
  .detail summary {
    cursor: pointer;
  }
  .detail-actions {
    float: right;
    position: sticky;
    top: 0;
    display: flex;
    gap: 4px;
  }
  .value-actions {
    margin-left: 6px;
    white-space: nowrap;
  }
  .value-actions button {
    padding: 0 4px;
    line-height: 1.2;
  }
  .history {
    display: flex;
    align-items: center;
    gap: 8px;
    padding: 2px 10px;
    border-bottom: 1px solid var(--_border);
    background: var(--_header-bg);
  }
  .load-older[aria-disabled='true'] {
    opacity: 0.55;
    cursor: default;
  }
  .history-status {
    color: var(--_muted);
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .history-status[data-state='error'] {
    color: var(--_error);
  }
  .empty {
    padding: 16px;
    color: var(--_muted);
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    clip-path: inset(50%);
    white-space: nowrap;
  }
  @media (prefers-reduced-motion: reduce) {
    .viewport {
      scroll-behavior: auto;
    }
  }
`;

/** Every style of the panels: the base ones and those of the header's column controls and the strips. */
export const panelStyles = [panelBaseStyles, panelStripStyles, fieldFilterStyles, alertBannerStyles];
