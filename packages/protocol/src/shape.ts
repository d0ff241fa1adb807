// The one way the protocol checks the shape of untrusted JSON: a shape names each field with a
// rule (a test and what the value must be, in words), nested shapes for nested objects. The first
// field that breaks its rule is reported as its dotted path and `<path> must be <what>, got <type>`.
// Every validator of server frames (parse.ts, chain.ts) is a table of these rules.

/** A field rule: the test a value must pass, and what it must be in words (`a string`). */
export type Rule = readonly [test: (value: unknown) => boolean, what: string];

/** Fields and their rules (a nested shape: the field must be an object of that shape), checked in order. */
export interface Shape {
  readonly [key: string]: Rule | Shape;
}

/** A JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The type of a value in words, for error messages. */
export function describeType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : value === undefined ? 'nothing' : typeof value;
}

export const STRING: Rule = [(value) => typeof value === 'string', 'a string'];
export const STRING_OR_NULL: Rule = [(value) => value === null || typeof value === 'string', 'a string or null'];
export const COUNT: Rule = [(value) => typeof value === 'number' && value >= 0 && Number.isFinite(value), 'a non-negative number'];
export const FINITE: Rule = [Number.isFinite, 'a finite number'];
export const BOOLEAN: Rule = [(value) => typeof value === 'boolean', 'a boolean'];
export const OBJECT: Rule = [isRecord, 'an object'];
/** A whole number ≥ 1 (a line or record number). */
export const ORDINAL: Rule = [(value) => Number.isSafeInteger(value) && (value as number) >= 1, 'a whole number ≥ 1'];

/** Marks a nested shape that may be absent (a symbol: `for…in` over a shape skips it). */
const OPTIONAL = Symbol('optional');

/** The rule or nested shape, or absent. */
export function optional<R extends Rule | Shape>(rule: R): R {
  if (!Array.isArray(rule)) return { ...rule, [OPTIONAL]: true };
  const [test, what] = rule as Rule;
  return [(value: unknown) => value === undefined || test(value), what] as Rule as R;
}

/**
 * The first field of `value` that breaks `shape`: `[path, message]` (paths dotted from `prefix`),
 * or undefined when `value` fits. `value` itself must be an object (path `prefix` without its dot).
 */
export function misfit(value: unknown, shape: Shape, prefix = ''): [path: string, message: string] | undefined {
  if (!isRecord(value)) {
    const path = prefix.slice(0, -1);
    return [path, `${path || 'message'} must be an object, got ${describeType(value)}`];
  }
  for (const key in shape) {
    const rule = shape[key] as Rule | Shape;
    const path = prefix + key;
    if (!Array.isArray(rule)) {
      const inner = value[key] === undefined && OPTIONAL in rule ? undefined : misfit(value[key], rule as Shape, `${path}.`);
      if (inner) return inner;
    } else if (!(rule as Rule)[0](value[key])) return [path, `${path} must be ${(rule as Rule)[1]}, got ${describeType(value[key])}`];
  }
  return undefined;
}

/** Whether `value` is an object that fits `shape`. */
export function fits(value: unknown, shape: Shape): boolean {
  return misfit(value, shape) === undefined;
}
