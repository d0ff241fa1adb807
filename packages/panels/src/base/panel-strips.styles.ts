import { css } from 'lit';

/** Styles of the column header's controls (titles, resizers, menu), the facet strip, the match count and the stats strip. */
export const panelStripStyles = css`
  .column-title {
    position: relative;
    min-width: 0;
  }
  .column-title .title {
    display: block;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .resizer {
    position: absolute;
    top: 0;
    bottom: 0;
    width: 8px;
    cursor: col-resize;
    touch-action: none;
    z-index: 1;
  }
  .resizer.end {
    right: -8px;
  }
  .resizer.start {
    left: -8px;
  }
  .resizer:hover,
  .resizer:focus-visible {
    background: var(--_accent);
    outline: none;
  }
  .column-menu {
    position: absolute;
    top: 0;
    right: 4px;
  }
  .column-menu summary {
    list-style: none;
    cursor: pointer;
    padding: 0 5px;
    border-radius: 4px;
  }
  .column-menu summary::-webkit-details-marker {
    display: none;
  }
  .column-menu summary:focus-visible {
    outline: 2px solid var(--_accent);
  }
  .column-menu-list {
    position: absolute;
    right: 0;
    z-index: 2;
    display: grid;
    gap: 2px;
    padding: 6px 10px;
    background: var(--_header-bg);
    color: var(--_fg);
    font-weight: normal;
    border: 1px solid var(--_border);
    border-radius: 4px;
    white-space: nowrap;
  }
  .collapsed-note {
    color: var(--_muted);
  }
  .facets,
  .stats {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 12px;
    padding: 4px 10px;
    border-bottom: 1px solid var(--_border);
    background: var(--_header-bg);
  }
  .facet {
    display: inline-flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 3px;
  }
  .facet-name {
    color: var(--_muted);
  }
  .facet-value {
    padding: 0 5px;
    max-width: 24ch;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .facet-value.exclude {
    text-decoration: line-through;
  }
  .facet-count,
  .facet-more {
    color: var(--_muted);
  }
  .value-filter {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    padding: 0 0 0 6px;
    border: 1px solid var(--_accent);
    border-radius: 4px;
  }
  .value-filter .remove-filter {
    border: none;
    padding: 0 5px;
  }
  .matches {
    display: inline-flex;
    align-items: center;
    gap: 3px;
    white-space: nowrap;
  }
  .stats .spark {
    color: var(--_accent);
  }
  .histogram {
    display: flex;
    flex-wrap: wrap;
    gap: 4px 10px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .histogram .bucket {
    display: inline-flex;
    align-items: center;
    gap: 4px;
  }
  .histogram .track {
    width: 48px;
    height: 8px;
    border-radius: 4px;
    background: var(--_border);
    overflow: hidden;
  }
  .histogram .fill {
    display: block;
    height: 100%;
    background: var(--_accent);
  }
  .histogram [data-level='WARNING'] .fill {
    background: var(--_warning);
  }
  .histogram [data-level='ERROR'] .fill,
  .histogram [data-level='CRITICAL'] .fill {
    background: var(--_error);
  }
  .histogram [data-level='TRACE'] .fill,
  .histogram [data-level='DEBUG'] .fill {
    background: var(--_muted);
  }
`;
