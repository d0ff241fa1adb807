import { isRecord } from './shape.js';
import { compileGlob, hasWildcard } from './glob.js';

/** Comparison of a {@link FieldConstraint}. */
export type FieldOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'exists' | 'missing';

/**
 * One field constraint of a filter: the value at a dotted `path` of a message's `data`
 * (`user_id`, `status_code`, `metadata.instance_id`) compared with `values` (docs/protocol.md,
 * "Field constraints").
 */
export interface FieldConstraint {
  /** Dotted path into `data`; a first segment `data` lacks is also looked for under `metadata` and `extra`. */
  path: string;
  op: FieldOp;
  /** `=`/`!=`: any of 1–32 values (a string with `*`/`?` is a glob); `<`, `<=`, `>`, `>=`: one; none for `exists`/`missing`. */
  values?: string[];
}

/** Most field constraints one filter holds. */
export const MAX_FIELD_CONSTRAINTS = 16;
/** Most segments of a field path. */
export const MAX_PATH_DEPTH = 8;
/** Most values of one `=` or `!=` constraint. */
export const MAX_FIELD_VALUES = 32;

const OPS: readonly FieldOp[] = ['=', '!=', '>', '>=', '<', '<=', 'exists', 'missing'];
/** A path segment: letters, digits and `_ $ @ : -`, 1 to 64 of them. */
const SEGMENT = /^[\w$@:-]{1,64}$/;
/** Segments that would walk into an object's prototype machinery instead of its data. */
const FORBIDDEN = new Set(['__proto__', 'prototype', 'constructor']);

/** The outcome of checking one constraint: the canonical constraint or what is wrong with it. */
export type FieldResult = { ok: true; constraint: FieldConstraint } | { ok: false; message: string };

/** Checks a dotted path; returns what is wrong, or undefined. */
export function checkFieldPath(path: unknown): string | undefined {
  if (typeof path !== 'string' || path === '') return 'a field path must be a non-empty string such as user_id or metadata.instance_id';
  const segments = path.split('.');
  if (segments.length > MAX_PATH_DEPTH) return `field path "${path.slice(0, 80)}" is deeper than ${MAX_PATH_DEPTH} segments`;
  for (const segment of segments) {
    if (FORBIDDEN.has(segment)) return `field path "${path.slice(0, 80)}" names "${segment}", which is not allowed`;
    if (!SEGMENT.test(segment)) {
      return `field path "${path.slice(0, 80)}": each dot-separated segment must be 1 to 64 letters, digits, _ $ @ : or -`;
    }
  }
  return undefined;
}

/** Checks an untrusted constraint and puts it in canonical form (values as strings). Never throws. */
export function normalizeFieldConstraint(input: unknown, maxValue: number): FieldResult {
  if (!isRecord(input)) return { ok: false, message: 'must be an object {path, op, values}' };
  const { path, op, values } = input;
  const pathProblem = checkFieldPath(path);
  if (pathProblem !== undefined) return { ok: false, message: pathProblem };
  if (!OPS.includes(op as FieldOp)) return { ok: false, message: `op must be one of ${OPS.join(' ')}` };
  if (op === 'exists' || op === 'missing') {
    if (values !== undefined && !(Array.isArray(values) && values.length === 0))
      return { ok: false, message: `op "${op}" takes no values` };
    return { ok: true, constraint: { path: path as string, op } };
  }
  const operator = op as FieldOp;
  const most = operator === '=' || operator === '!=' ? MAX_FIELD_VALUES : 1;
  if (!Array.isArray(values) || values.length === 0 || values.length > most) {
    return { ok: false, message: most === 1 ? `op "${operator}" takes exactly one value` : `op "${operator}" takes 1 to ${most} values` };
  }
  const strings: string[] = [];
  for (const value of values as unknown[]) {
    const text: unknown = typeof value === 'number' || typeof value === 'boolean' || value === null ? String(value) : value;
    if (typeof text !== 'string' || text.length > maxValue)
      return { ok: false, message: `each value must be a string of at most ${maxValue} characters` };
    strings.push(text);
  }
  return { ok: true, constraint: { path: path as string, op: operator, values: strings } };
}

/**
 * Reads the text form of a constraint, as typed in a toolbar, a CLI `--field` or a query string:
 * `user_id=42`, `status_code>=500`, `level!=DEBUG`, `method=GET,POST` (any of a list), `path=/api/*`
 * (a glob), `user_id` (exists), `!user_id` (missing). Never throws.
 */
export function parseFieldExpression(text: string, maxValue = 256): FieldResult {
  const trimmed = text.trim();
  const at = trimmed.search(/[=<>]|!=/);
  if (at === -1) {
    const missing = trimmed.startsWith('!');
    return normalizeFieldConstraint({ path: missing ? trimmed.slice(1) : trimmed, op: missing ? 'missing' : 'exists' }, maxValue);
  }
  const two = trimmed.slice(at, at + 2);
  const op: FieldOp = two === '!=' || two === '>=' || two === '<=' ? two : (trimmed[at] as FieldOp);
  const path = trimmed.slice(0, at).trim();
  const rest = trimmed.slice(at + op.length).trim();
  if (rest === '')
    return { ok: false, message: `"${trimmed.slice(0, 80)}" needs a value after ${op} (write the path alone to ask that it exists)` };
  const values = op === '=' || op === '!=' ? rest.split(',').map((value) => value.trim()) : [rest];
  return normalizeFieldConstraint({ path, op, values }, maxValue);
}

/** The value at a constraint's path in `data`, or undefined; own properties only. */
export function fieldValue(data: unknown, segments: readonly string[]): unknown {
  let value = step(data, segments[0] as string);
  if (value === undefined && isObject(data)) {
    value = step((data as Record<string, unknown>)['metadata'], segments[0] as string);
    if (value === undefined) value = step((data as Record<string, unknown>)['extra'], segments[0] as string);
  }
  for (let i = 1; i < segments.length && value !== undefined; i++) value = step(value, segments[i] as string);
  return value;
}

/**
 * The constraints as one predicate over a message's `data` object: true when every constraint
 * holds. `=` passes when the value equals any of the values: a string by glob (`compileGlob`,
 * linear-time) or exactly, a number, boolean or `null` by its text (`42` equals `42` and `"42"`),
 * an array when one of its items does. `!=` passes when `=` does not (a missing field too).
 * `<`, `<=`, `>`, `>=` compare numbers when the value is a number (a numeric string field counts),
 * otherwise strings by code units; a field of another type fails.
 */
export function fieldsMatcher(constraints: readonly FieldConstraint[]): (data: unknown) => boolean {
  const tests = constraints.map(compileConstraint);
  return (data) => tests.every((test) => test(data));
}

/**
 * The JSON key text (`"key":`) a message's data text must hold for the constraints to pass, for a
 * cheap test before parsing: the last segment of each constraint that needs its field present.
 */
export function requiredKeys(constraints: readonly FieldConstraint[]): string[] {
  const keys = new Set<string>();
  for (const { path, op } of constraints) if (op !== '!=' && op !== 'missing') keys.add(`"${path.slice(path.lastIndexOf('.') + 1)}":`);
  return [...keys];
}

function compileConstraint({ path, op, values = [] }: FieldConstraint): (data: unknown) => boolean {
  const segments = path.split('.');
  if (op === 'exists') return (data) => fieldValue(data, segments) !== undefined;
  if (op === 'missing') return (data) => fieldValue(data, segments) === undefined;
  if (op === '=' || op === '!=') {
    const equals = values.map(valueEquals);
    const any = (value: unknown): boolean =>
      Array.isArray(value) ? value.some((item) => equals.some((test) => test(item))) : equals.some((test) => test(value));
    return op === '=' ? (data) => any(fieldValue(data, segments)) : (data) => !any(fieldValue(data, segments));
  }
  const bound = values[0] as string;
  const number = numeric(bound);
  const holds = (order: number): boolean => (op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0);
  return (data) => {
    const value = fieldValue(data, segments);
    if (number !== undefined) {
      const actual = typeof value === 'number' ? value : typeof value === 'string' ? numeric(value) : undefined;
      return actual !== undefined && holds(actual - number);
    }
    return typeof value === 'string' && holds(value < bound ? -1 : value > bound ? 1 : 0);
  };
}

function valueEquals(expected: string): (value: unknown) => boolean {
  const glob = hasWildcard(expected) ? compileGlob(expected) : undefined;
  const number = numeric(expected);
  return (value) => {
    if (typeof value === 'string') return glob === undefined ? value === expected : glob(value);
    if (typeof value === 'number') return number !== undefined && value === number;
    if (typeof value === 'boolean' || value === null) return String(value) === expected;
    return false;
  };
}

/** The number a string spells (decimal, as JSON writes numbers), or undefined. */
function numeric(text: string): number | undefined {
  if (!/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function step(value: unknown, segment: string): unknown {
  return isObject(value) && Object.hasOwn(value, segment) ? (value as Record<string, unknown>)[segment] : undefined;
}
