import { css } from 'lit';

/** Styles of `<system-log-panel>` on top of the shared panel styles. */
export const systemLogPanelStyles = css`
  .message {
    color: var(--_fg);
  }
`;
