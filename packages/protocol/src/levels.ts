/**
 * Log levels as the seeds define them, with numeric values that order them.
 * TRACE (5) sits below DEBUG for very verbose output; the others follow Python's logging module.
 */
export const Level = {
  TRACE: 5,
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;

/** One of the six level names that travel on the wire. */
export type LevelName = keyof typeof Level;

/** The level names from least to most severe. */
export const LEVEL_NAMES: readonly LevelName[] = Object.keys(Level) as LevelName[];

const ALIASES: Readonly<Record<string, LevelName>> = {
  WARN: 'WARNING',
  FATAL: 'CRITICAL',
  ERR: 'ERROR',
  CRIT: 'CRITICAL',
};

/** True when `name` is exactly one of the six level names. */
export function isLevelName(name: unknown): name is LevelName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(Level, name);
}

/**
 * The numeric value of a level name, tolerant of case and common aliases (`warn`, `fatal`).
 * Returns `undefined` for anything else.
 */
export function levelValue(name: string): number | undefined {
  if (isLevelName(name)) return Level[name];
  const upper = name.toUpperCase();
  if (isLevelName(upper)) return Level[upper];
  const alias = ALIASES[upper];
  return alias === undefined ? undefined : Level[alias];
}

/** Normalises a level name (any case, common aliases) to one of the six, or `undefined`. */
export function toLevelName(name: string): LevelName | undefined {
  if (isLevelName(name)) return name;
  const upper = name.toUpperCase();
  if (isLevelName(upper)) return upper;
  return ALIASES[upper];
}
