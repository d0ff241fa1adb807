import { describe, expect, it } from 'vitest';
import { CloseCode, closeRefusal, isFatalClose, Refusal, statusRefusal } from '../src/index.js';

describe('close codes', () => {
  it('has the values of docs/protocol.md', () => {
    expect(CloseCode).toEqual({
      Normal: 1000,
      GoingAway: 1001,
      ConnectionLost: 1006,
      ConnectionLimit: 1008,
      MessageTooBig: 1009,
      InternalError: 1011,
      StreamRestarted: 1012,
      TryAgainLater: 1013,
      ProtocolError: 4000,
      Unauthorized: 4001,
      Forbidden: 4003,
      SlowConsumer: 4008,
    });
  });

  it('treats exactly 1009, 4000, 4001 and 4003 as fatal, each with its refusal', () => {
    const fatal = Object.values(CloseCode).filter(isFatalClose);
    expect(fatal.sort()).toEqual([1009, 4000, 4001, 4003]);
    expect(closeRefusal(CloseCode.MessageTooBig)).toBe(Refusal.Protocol);
    expect(closeRefusal(CloseCode.ProtocolError)).toBe(Refusal.Protocol);
    expect(closeRefusal(CloseCode.Unauthorized)).toBe(Refusal.Unauthorized);
    expect(closeRefusal(CloseCode.Forbidden)).toBe(Refusal.Forbidden);
    for (const code of [1000, 1001, 1005, 1006, 1008, 1011, 1012, 1013, 4002, 4008, 0, Number.NaN]) {
      expect(isFatalClose(code)).toBe(false);
      expect(closeRefusal(code)).toBeUndefined();
    }
  });

  it('treats HTTP 401, 403 and 404 on the upgrade as fatal', () => {
    expect(statusRefusal(401)).toBe(Refusal.Unauthorized);
    expect(statusRefusal(403)).toBe(Refusal.Forbidden);
    expect(statusRefusal(404)).toBe(Refusal.Protocol);
    for (const status of [200, 400, 429, 500, 502, 503]) expect(statusRefusal(status)).toBeUndefined();
  });
});
