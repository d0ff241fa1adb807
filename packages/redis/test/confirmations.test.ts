import { describe, expect, it } from 'vitest';
import { AppendConfirmations } from '../src/confirmations.js';

// Pure bookkeeping of BackplaneLink.confirm(): no Redis needed.

const audit = { type: 'audit_log' };
const system = { type: 'system_log' };

describe('AppendConfirmations', () => {
  it('confirms audit entries once Redis accepted the queue position of their append', async () => {
    const confirmations = new AppendConfirmations('logs');
    confirmations.appended([system, audit], 2, 0);
    let done = false;
    const waiting = confirmations.wait(0, 1).then(() => (done = true));
    confirmations.stored('logs', 1);
    await Promise.resolve();
    expect(done).toBe(false);
    confirmations.stored('other', 5);
    await Promise.resolve();
    expect(done).toBe(false);
    confirmations.stored('logs', 2);
    await waiting;
  });

  it('waits for audit entries not yet appended, and ignores appends without audit entries', async () => {
    const confirmations = new AppendConfirmations('logs');
    const waiting = confirmations.wait(0, 1);
    confirmations.appended([system], 1, 0);
    confirmations.stored('logs', 1);
    confirmations.appended([audit], 2, 0);
    confirmations.stored('logs', 2);
    await waiting;
  });

  it('rejects when an audit entry of the range was dropped, and scopes the drop by `since`', async () => {
    const confirmations = new AppendConfirmations('logs');
    confirmations.appended([audit, system], 0, 1);
    await expect(confirmations.wait(0, 1)).rejects.toMatchObject({ code: 'ERR_LOGWIRE_REDIS_BACKLOG_FULL' });
    confirmations.appended([audit], 1, 0);
    confirmations.stored('logs', 1);
    await confirmations.wait(1, 2);
    await expect(confirmations.wait(0, 2)).rejects.toMatchObject({ code: 'ERR_LOGWIRE_REDIS_BACKLOG_FULL' });
  });

  it('rejects pending and later confirmations when closed', async () => {
    const confirmations = new AppendConfirmations('logs');
    confirmations.appended([audit], 1, 0);
    const waiting = confirmations.wait(0, 1);
    confirmations.close();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_LOGWIRE_REDIS_CLOSED' });
    await expect(confirmations.wait(0, 0)).rejects.toMatchObject({ code: 'ERR_LOGWIRE_REDIS_CLOSED' });
  });
});
