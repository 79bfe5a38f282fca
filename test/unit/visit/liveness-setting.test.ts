import { describe, expect, it } from 'vitest';
import type { CommittedRecord } from '../../../device/core/ports.js';
import { livenessSettingAudit, LIVENESS_SETTING_EVENT } from '../../../device/visit/liveness-setting.js';

const audit = (payload: Record<string, unknown>, seq: number): CommittedRecord =>
  ({ id: `r${seq}`, seq, kind: 'audit', payload, prevHash: '', hash: '', signature: '', time: {} }) as never;

describe('active liveness hall setting in the journal', () => {
  it('records every start with active liveness off', () => {
    expect(livenessSettingAudit(false, [])).toMatchObject({ event: LIVENESS_SETTING_EVENT, activeLiveness: false });
    const before = [audit({ event: LIVENESS_SETTING_EVENT, activeLiveness: false }, 1)];
    expect(livenessSettingAudit(false, before)).toMatchObject({ activeLiveness: false });
  });

  it('records the first start with it on again, and nothing while it stays on (the default)', () => {
    expect(livenessSettingAudit(true, [])).toBeNull();
    const off = [audit({ event: LIVENESS_SETTING_EVENT, activeLiveness: false }, 1), audit({ event: 'x' }, 2)];
    expect(livenessSettingAudit(true, off)).toMatchObject({ event: LIVENESS_SETTING_EVENT, activeLiveness: true });
    const onAgain = [...off, audit({ event: LIVENESS_SETTING_EVENT, activeLiveness: true }, 3)];
    expect(livenessSettingAudit(true, onAgain)).toBeNull();
  });
});
