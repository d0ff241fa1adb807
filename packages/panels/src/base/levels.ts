// The levels a panel knows, how a record's level is classified, and the `levels` attribute.

/** The levels the panels know; anything else a server sends is shown and filtered as `UNKNOWN`. */
export const PANEL_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL', 'UNKNOWN'] as const;
/** A level as the panels classify it. */
export type PanelLevel = (typeof PANEL_LEVELS)[number];

/** A record's level as the panel classifies it (case-insensitive; anything else is `UNKNOWN`). */
export const levelOf = (level: unknown): PanelLevel => {
  const upper = typeof level === 'string' ? level.toUpperCase() : '';
  return (PANEL_LEVELS as readonly string[]).includes(upper) && upper !== 'UNKNOWN' ? (upper as PanelLevel) : 'UNKNOWN';
};
