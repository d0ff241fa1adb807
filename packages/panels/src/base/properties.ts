// Attribute converters and value types of the panels' properties.
import { PANEL_LEVELS } from './levels.js';

/** The `levels` attribute: comma- or space-separated, case-insensitive; absent means every level. */
export const levelsConverter = {
  fromAttribute: (value: string | null): string[] =>
    value === null
      ? [...PANEL_LEVELS]
      : value
          .split(/[\s,]+/)
          .map((level) => level.trim().toUpperCase())
          .filter(Boolean),
  toAttribute: (value: readonly string[]): string => value.join(','),
};

/** `levels` set from script as a string (`panel.levels = 'ERROR,CRITICAL'`), read like the attribute. */
export const coerceLevels = (value: unknown): string[] => levelsConverter.fromAttribute(typeof value === 'string' ? value : null);

/** A boolean attribute that is on unless it says `false` (e.g. `follow`, `clearable`). */
export const notFalseConverter = {
  fromAttribute: (value: string | null): boolean => value !== null && value !== 'false',
  toAttribute: (value: boolean): string | null => (value ? '' : 'false'),
};

/** Colour themes. `auto` follows `prefers-color-scheme`. */
export const Theme = { Auto: 'auto', Light: 'light', Dark: 'dark' } as const;
/** One of the themes. */
export type Theme = (typeof Theme)[keyof typeof Theme];

/** A list of names (`columns`, `facets`): space- or comma-separated in the attribute. */
export const columnsConverter = {
  fromAttribute: (value: string | null): string[] => (value === null ? [] : [...new Set(value.split(/[\s,]+/).filter(Boolean))]),
  toAttribute: (value: readonly string[]): string => value.join(' '),
};

/** A list of names set from script as a string (`panel.columns = 'time message'`), read like the attribute. */
export const coerceNames = (value: unknown): string[] =>
  Array.isArray(value)
    ? value.filter((name): name is string => typeof name === 'string')
    : columnsConverter.fromAttribute(typeof value === 'string' ? value : null);
