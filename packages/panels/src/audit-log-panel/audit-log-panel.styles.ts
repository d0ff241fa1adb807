import { css } from 'lit';

/** Styles of `<audit-log-panel>` on top of the shared panel styles. */
export const auditLogPanelStyles = css`
  .action {
    font-weight: 600;
  }
  .metadata {
    color: var(--_muted);
  }
`;
