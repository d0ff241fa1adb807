// The one rule for audit permission in a grant: `audit` left out or exactly `true`. A hook written in
// JavaScript may answer anything; a truthy non-boolean must not grant the audit trail.
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { type AuthGrant, runAuthenticate } from '../src/index.js';

const request = {} as IncomingMessage;

describe('runAuthenticate', () => {
  it('grants audit only when the grant leaves it out or says exactly true', async () => {
    const answers: [unknown, boolean][] = [
      [undefined, true],
      [true, true],
      [false, false],
      ['yes', false],
      [1, false],
      [{}, false],
      [null, false],
    ];
    for (const [audit, granted] of answers) {
      const grant = (audit === undefined ? { user: 'u' } : { user: 'u', audit }) as AuthGrant;
      const outcome = await runAuthenticate(() => grant, request);
      expect(outcome, `audit: ${JSON.stringify(audit)}`).toMatchObject({ ok: true, audit: granted });
    }
  });

  it('admits everyone with audit without a hook, refuses false with 401 and a throwing hook with 500', async () => {
    expect(await runAuthenticate(undefined, request)).toMatchObject({ ok: true, audit: true });
    expect(await runAuthenticate(() => true, request)).toMatchObject({ ok: true, audit: true });
    expect(await runAuthenticate(() => false, request)).toEqual({ ok: false, status: 401 });
    const throwing = (): never => {
      throw new Error('token store down');
    };
    expect(await runAuthenticate(throwing, request)).toMatchObject({ ok: false, status: 500, error: new Error('token store down') });
  });
});
