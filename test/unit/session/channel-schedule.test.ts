import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { ManualClock } from '../../../device/core/clock.js';
import { EventBus } from '../../../device/core/events.js';
import { PackageChannel, type ChannelTarget, type RoundResult } from '../../../device/session/channel.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';

/** When the next manifest round comes: every pollMs, sooner at a held package's unlockAt, soon after a failure. */
describe('package channel schedule', () => {
  const NOW = Date.parse('2026-11-26T12:00:00Z');
  const held: Partial<SessionPackage>[] = [];
  const target = { held: () => held as SessionPackage[] } as unknown as ChannelTarget;
  const channel = new PackageChannel({
    settings: { url: '', pollMs: 180_000, maxPackageBytes: 1, maxDocumentBytes: 1, requestTimeoutMs: 1 },
    tls: async () => null,
    target,
    bus: new EventBus(),
    clock: new ManualClock(NOW),
    logger: pino({ level: 'silent' }),
    boothId: 'b1',
  });
  const ok: RoundResult = { installed: [], refused: [], commands: 0, deferred: 0, error: null };

  it('polls every pollMs, sooner at the next unlockAt, after 30 s when a round failed or waited for a visit', async () => {
    expect(channel.nextRoundIn(ok)).toBe(180_000);
    held.push({ unlockAt: new Date(NOW - 60_000).toISOString() }, { unlockAt: new Date(NOW + 45_000).toISOString() });
    expect(channel.nextRoundIn(ok)).toBe(45_000);
    held.length = 0;
    expect(channel.nextRoundIn({ ...ok, error: 'ECONNREFUSED' })).toBe(30_000);
    expect(channel.nextRoundIn({ ...ok, deferred: 1 })).toBe(30_000);
    await channel.start();
    expect(channel.status).toMatch(/^off: no sync.channel.url/);
  });
});
