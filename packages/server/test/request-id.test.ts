import { describe, expect, it } from 'vitest';
import { MAX_REQUEST_ID_LENGTH, requestIdFrom } from '../src/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFrom', () => {
  it('keeps a safe X-Request-Id and replaces unsafe, long or repeated ones', () => {
    expect(requestIdFrom('abc-123')).toBe('abc-123');
    expect(requestIdFrom('has space')).toMatch(UUID);
    expect(requestIdFrom('x'.repeat(MAX_REQUEST_ID_LENGTH + 1))).toMatch(UUID);
    expect(requestIdFrom(['a', 'b'])).toMatch(UUID);
  });

  it('generates distinct UUID-shaped ids', () => {
    const ids = Array.from({ length: 20_000 }, () => requestIdFrom(undefined));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
