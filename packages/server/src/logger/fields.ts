import type { Fields } from './format.js';
import { ownKeys, readSafely } from './serialize.js';

/**
 * `{ ...base, ...over }` that never throws and never invokes a `__proto__` setter: fields of an
 * object that refuses to be read become `"[Unserializable: …]"` placeholders.
 */
export function mergeFields(base: Fields, over: Fields | undefined): Fields {
  const out: Fields = {};
  for (const key of ownKeys(base)) {
    const value = readSafely(() => base[key]);
    define(out, key, value);
  }
  if (over === undefined) return out;
  for (const key of ownKeys(over)) {
    const value = readSafely(() => over[key]);
    define(out, key, value);
  }
  return out;
}

// Assignment, except for `__proto__`, which must stay a plain own property (see adapters/shared.ts).
export function define(target: Fields, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
