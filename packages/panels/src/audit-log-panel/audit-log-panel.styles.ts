import { css } from 'lit';

/** Styles of `<audit-log-panel>` on top of the shared panel styles. */
export const auditLogPanelStyles = css`
  .action {
    font-weight: 600;
  }
  .metadata {
    color: var(--_muted);
  }
  .chain {
    padding: 1px 8px;
    border-radius: 999px;
    white-space: nowrap;
    background: var(--_pending-bg);
    color: var(--_pending-fg);
  }
  .chain[data-state='verified'] {
    background: var(--_live-bg);
    color: var(--_live-fg);
  }
  .chain[data-state='broken'] {
    background: var(--_offline-bg);
    color: var(--_offline-fg);
  }
  .bundle-notice {
    color: var(--_pending-fg);
    background: var(--_pending-bg);
    padding: 1px 8px;
    border-radius: 999px;
  }
  .row[data-mark='chain-break'],
  .row[data-mark='chain-break'] > span {
    background: var(--logwire-chain-break-background, var(--_offline-bg));
    color: var(--_offline-fg);
  }
`;
