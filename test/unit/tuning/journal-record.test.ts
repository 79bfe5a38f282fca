import { describe, expect, it } from 'vitest';
import { classify } from '../../../central/collect/payloads.js';
import type { CommittedRecord } from '../../../protocol/records/types.js';
import { journalTo, tuningChangedPayload } from '../../../device/tuning/tuning.js';
import { isBoothError } from '../../../protocol/errors.js';

/** The tuning change record the booth journals, as the central server classifies it (issue 15). */
function record(payload: Record<string, unknown>): CommittedRecord {
  return {
    id: '01J0000000000000000000000',
    seq: 7,
    kind: 'audit',
    time: {} as CommittedRecord['time'],
    payload,
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
    signature: 'x',
  };
}

describe('tuning.changed journal record', () => {
  const payload = tuningChangedPayload('booth-01', {
    key: 'face.liveness.threshold',
    old: 0.5,
    new: 0.6,
    actor: 'technician@node-red:n1',
    at: Date.UTC(2026, 11, 6, 3, 0, 0),
  });

  it('carries who, old and new, and central accepts it as an audit record', () => {
    expect(payload).toEqual({
      event: 'tuning.changed',
      boothId: 'booth-01',
      key: 'face.liveness.threshold',
      old: 0.5,
      new: 0.6,
      actor: 'technician@node-red:n1',
      at: '2026-12-06T03:00:00.000Z',
    });
    expect(classify(record(payload), 'booth-01')).toEqual({ type: 'audit', payload });
  });

  it('central rejects a tuning.changed record without who or old value', () => {
    const { actor: _a, old: _o, ...rest } = payload;
    const c = classify(record(rest), 'booth-01');
    expect(c.type).toBe('invalid');
    expect((c as { reason: string }).reason).toMatch(/tuning.changed payload/);
  });

  it('is committed to the store as an audit record; refused while the store is not open', async () => {
    const committed: unknown[] = [];
    let open = false;
    const store = {
      commit: (input: unknown) => {
        committed.push(input);
        return Promise.resolve({} as CommittedRecord);
      },
    };
    const journal = journalTo(() => (open ? store : null), 'booth-01');
    const change = { key: 'face.match.margin', old: 0.1, new: 0.12, actor: 'technician@node-red:n2', at: 0 };
    const err = await journal(change).catch((e: unknown) => e);
    expect(isBoothError(err, 'BOOTH_ERR_TUNING_UNAVAILABLE')).toBe(true);
    open = true;
    await journal(change);
    expect(committed).toEqual([{ kind: 'audit', payload: tuningChangedPayload('booth-01', change) }]);
  });
});
