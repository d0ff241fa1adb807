// Exact-value filters: "only entries whose `field` is `value`" or "none whose `field` is `value`",
// set from the facet strip or the detail view and shown as removable chips. Fields are dotted
// paths read like column fields (see column-layout.ts); values are compared as display text.

/** One exact-value filter. */
export interface ValueFilter {
  /** The field (dotted path, e.g. `logger` or `metadata.user_id`). */
  field: string;
  /** The value as shown (display text). */
  value: string;
  /** Hide entries with this value instead of showing only them. */
  exclude?: boolean;
}

/**
 * Whether an entry passes: for each field with include filters its value is one of them, and its
 * value is none of the excluded ones. `read` gives a field's display text.
 */
export function passesValueFilters(filters: readonly ValueFilter[], read: (field: string) => string): boolean {
  if (filters.length === 0) return true;
  const included = new Map<string, boolean>();
  for (const { field, value, exclude } of filters) {
    const actual = read(field);
    if (exclude === true) {
      if (actual === value) return false;
    } else included.set(field, (included.get(field) ?? false) || actual === value);
  }
  for (const passed of included.values()) if (!passed) return false;
  return true;
}

/**
 * The filters after choosing a value: `exclude` adds "not this value"; otherwise the value replaces
 * the field's include filters (choosing the one already chosen removes it).
 */
export function chooseValue(filters: readonly ValueFilter[], field: string, value: string, exclude: boolean): ValueFilter[] {
  const same = (filter: ValueFilter): boolean => filter.field === field && filter.value === value;
  if (exclude) return [...filters.filter((filter) => !same(filter)), { field, value, exclude: true }];
  const chosen = filters.some((filter) => same(filter) && filter.exclude !== true);
  const others = filters.filter((filter) => filter.field !== field || filter.exclude === true);
  return chosen ? others : [...others.filter((filter) => !same(filter)), { field, value }];
}

/** Whether a value is chosen (include) or hidden (exclude) by the filters. */
export function valueState(filters: readonly ValueFilter[], field: string, value: string): 'include' | 'exclude' | undefined {
  const found = filters.find((filter) => filter.field === field && filter.value === value);
  return found === undefined ? undefined : found.exclude === true ? 'exclude' : 'include';
}
