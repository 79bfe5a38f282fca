import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../device/core/clock.js';
import { post, startHarness, type Harness } from './harness.js';

/** At expiry the session closes by itself: every assignment without a sign record is a no-show. */
let h: Harness;
const clock = new ManualClock(Date.now(), 0);
beforeAll(async () => {
  h = await startHarness({}, clock);
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

describe('session close at expiry', { timeout: 120_000 }, () => {
  it('does nothing before expiry, then records every no-show once; a second close is refused', async () => {
    await h.feature.closeIfExpired();
    expect((await h.store.read(0, 10_000)).filter((r) => r.payload.type === 'no-show')).toEqual([]);
    clock.advance(25 * 3600_000);
    await h.feature.closeIfExpired();
    const noShows = (await h.store.read(0, 10_000))
      .filter((r) => r.payload.type === 'no-show')
      .map((r) => `${String(r.payload.expertId)}/${String(r.payload.projectId)}`);
    expect(noShows.sort()).toEqual([
      'EXP-1001/P-2026-001',
      'EXP-1001/P-2026-002',
      'EXP-1002/P-2026-001',
      'EXP-1003/P-2026-002',
    ]);
    const closes = (await h.store.read(0, 10_000)).filter((r) => r.payload.event === 'session.closed');
    expect(closes).toHaveLength(1);
    expect(closes[0]?.payload).toMatchObject({ noShows: 4 });
    await h.feature.closeIfExpired();
    const again = await post(h.app, '/api/kiosk/session/close', { staffId: 'staff-01', pin: '246810' });
    expect(again).toMatchObject({ status: 409, json: { code: 'BOOTH_ERR_SESSION_NONE' } });
    expect((await h.store.read(0, 10_000)).filter((r) => r.payload.type === 'no-show')).toHaveLength(4);
  });
});
