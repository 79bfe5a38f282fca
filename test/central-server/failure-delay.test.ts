import { describe, expect, it } from 'vitest';
import { FailureDelay } from '../../central/inventory/failure-delay.js';

describe('enrollment failure delay (token guessing slowed per address)', () => {
  it('grows with each failure, is capped, forgets after its window and on success', () => {
    let t = 0;
    const d = new FailureDelay({ stepMs: 250, maxMs: 1000, windowMs: 60_000, maxAddresses: 10 }, () => t);
    expect(d.delayFor('10.0.0.1')).toBe(0);
    d.fail('10.0.0.1');
    d.fail('10.0.0.1');
    expect(d.delayFor('10.0.0.1')).toBe(500);
    expect(d.delayFor('10.0.0.2')).toBe(0);
    for (let i = 0; i < 10; i++) d.fail('10.0.0.1');
    expect(d.delayFor('10.0.0.1')).toBe(1000);
    t += 60_001;
    expect(d.delayFor('10.0.0.1')).toBe(0);
    d.fail('10.0.0.3');
    d.succeed('10.0.0.3');
    expect(d.delayFor('10.0.0.3')).toBe(0);
  });

  it('remembers a bounded number of addresses, dropping the oldest', () => {
    const d = new FailureDelay({ maxAddresses: 3 });
    for (const a of ['a', 'b', 'c', 'd']) d.fail(a);
    expect(d.size).toBe(3);
    expect(d.delayFor('a')).toBe(0);
    expect(d.delayFor('d')).toBeGreaterThan(0);
  });
});
