import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startHarness, until, type Harness } from './harness.js';

/**
 * Active liveness: after the face matches, the kiosk asks for an action. The simulated camera
 * plays still photos, which cannot blink, so the challenge expires and the attempt is rejected:
 * what a printed photo held up to a real camera would get.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ activeLiveness: true }, undefined, {
    face: { challenge: { kinds: ['blink'], windowMs: 1500, minFrames: 2 } },
  });
}, 90_000);
afterAll(async () => {
  await h?.stop();
});

describe('active liveness', { timeout: 180_000 }, () => {
  it('shows the challenge prompt after the match, and rejects photos that cannot blink', async () => {
    await post(h.app, '/api/kiosk/sim/camera', { source: 'expert' });
    await post(h.app, '/api/kiosk/begin');
    await post(h.app, '/api/kiosk/consent', { accepted: true, version: 'face-consent/1' });
    const asked = await until(h.app, (v) => v.prompt === 'challenge-blink' || v.screen !== 'capture', 'the challenge');
    expect(asked).toMatchObject({ screen: 'capture', prompt: 'challenge-blink' });
    const decided = await until(h.app, (v) => v.screen !== 'capture', 'the decision');
    expect(decided).toMatchObject({ screen: 'rejected', rejectedReason: 'challenge', expert: null });
    await h.feature.service?.settled();
    const opened = (await h.store.read(0, 10_000)).filter((r) => r.payload.event === 'roster.opened');
    expect(opened).toEqual([]); // no identity was opened for a face that failed liveness
    // On (the default): nothing to record about the hall setting.
    const setting = (await h.store.read(0, 10_000)).filter((r) => r.payload.event === 'liveness.setting');
    expect(setting).toEqual([]);
  });
});
