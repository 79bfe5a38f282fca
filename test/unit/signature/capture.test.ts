import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus } from '../../../device/core/events.js';
import { ManualClock } from '../../../device/core/clock.js';
import { isBoothError } from '../../../protocol/errors.js';
import { TabletDriver } from '../../../device/signature/driver.js';
import { SignatureCapture } from '../../../device/signature/capture.js';
import { isdv4 } from '../../../device/signature/protocol/isdv4.js';
import { encodeOut, encodePen } from '../../../device/signature/protocol/isdv4-encode.js';
import { signatureSettings } from '../../../device/signature/settings.js';
import { FakeIsdv4Tablet } from './fake-tablet.js';
import { createSignatureCapture } from '../../../device/signature/index.js';
import { parseConfig } from '../../../device/config/load.js';

async function setup(timeoutMs = 60_000) {
  const settings = signatureSettings({ settleMs: 1, queryTimeoutMs: 20, timeoutMs });
  const tablet = new FakeIsdv4Tablet(38_400);
  const driver = new TabletDriver({ tablet, protocol: isdv4, settings, baudRate: 38_400 });
  const bus = new EventBus();
  const seen: string[] = [];
  bus.onAny('test', (event, payload) => seen.push(`${event} ${JSON.stringify(payload)}`));
  const capture = new SignatureCapture({ driver, clock: new ManualClock(), settings, bus });
  await capture.start();
  return { tablet, capture, seen, bus };
}

/** A 60 mm stroke of n samples, hover before and after, then proximity-out. */
function sign(tablet: FakeIsdv4Tablet, n = 40): void {
  tablet.emit(encodePen({ x: 3000, y: 5000, pressure: 0 }));
  for (let i = 0; i < n; i++) tablet.emit(encodePen({ x: 3000 + i * 150, y: 5000 + i * 20, pressure: 600, tip: true }));
  tablet.emit(encodePen({ x: 9000, y: 5800, pressure: 0 }));
  tablet.emit(encodeOut());
}

describe('SignatureCapture', () => {
  afterEach(() => vi.useRealTimers());

  it('collects strokes with hover kept, judges them and reports live ink', async () => {
    const { tablet, capture, seen } = await setup();
    const live: boolean[] = [];
    capture.onInk((s) => live.push(s.tip));
    capture.begin();
    sign(tablet);
    const r = capture.finish();
    expect(r.valid).toBe(true);
    expect(r.reasons).toEqual([]);
    expect(r.samples).toHaveLength(43);
    expect(r.samples[0]).toMatchObject({ t: 0, tip: false, proximity: true });
    expect(r.samples[42]).toMatchObject({ proximity: false, x: 9000, y: 5800 });
    expect(r.strokes).toEqual([{ start: 1, end: 41 }]);
    expect(r.samples[41]!.t).toBe(41 * 10); // arrival times, 10 ms apart in the fake
    expect(live.filter(Boolean)).toHaveLength(40);
    expect(r.device.maxX).toBe(20_000);
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['signature.started', 'signature.captured']);
    expect(seen[1]).toContain('"valid":true');
    await capture.stop();
  });

  it('ignores pen events when no capture is open', async () => {
    const { tablet, capture } = await setup();
    sign(tablet);
    capture.begin();
    expect(capture.finish().reasons).toEqual(['no-ink']);
  });

  it('clear() starts over: the ink before it is gone', async () => {
    const { tablet, capture } = await setup();
    capture.begin();
    sign(tablet, 10);
    capture.clear();
    const r0 = capture.finish();
    expect(r0.samples).toEqual([]);
    capture.begin();
    sign(tablet, 10);
    capture.clear();
    sign(tablet, 40);
    const r = capture.finish();
    expect(r.valid).toBe(true);
    expect(r.samples[0]!.t).toBe(0);
  });

  it('an unplug mid-signature discards it with a reason; nothing is half-kept', async () => {
    const { tablet, capture, seen } = await setup();
    capture.begin();
    sign(tablet, 30);
    tablet.unplug();
    sign(tablet, 30); // nothing can arrive, but even if it did it must not revive the capture
    const r = capture.finish();
    expect(r).toMatchObject({ valid: false, reasons: ['tablet-disconnected'], samples: [], strokes: [] });
    expect(seen).toContain('signature.discarded {"reason":"tablet-disconnected"}');
  });

  it('the timeout discards a capture in progress', async () => {
    const { tablet, capture, seen } = await setup(5000);
    vi.useFakeTimers();
    capture.begin();
    sign(tablet, 30);
    vi.advanceTimersByTime(4999);
    expect(seen.some((s) => s.startsWith('signature.discarded'))).toBe(false);
    vi.advanceTimersByTime(1);
    expect(seen).toContain('signature.discarded {"reason":"timeout"}');
    expect(capture.finish().reasons).toEqual(['timeout']);
  });

  it('cancel() abandons a capture without a result', async () => {
    const { tablet, capture, seen } = await setup();
    capture.begin();
    sign(tablet, 10);
    capture.cancel();
    capture.cancel(); // nothing open: no-op
    expect(capture.capturing).toBe(false);
    expect(seen.map((s) => s.split(' ')[0])).toEqual(['signature.started', 'signature.discarded']);
  });

  it('finish() and clear() without begin() are coded errors', async () => {
    const { capture } = await setup();
    for (const act of [() => capture.finish(), () => capture.clear()]) {
      let caught: unknown;
      try {
        act();
      } catch (err) {
        caught = err;
      }
      expect(isBoothError(caught, 'BOOTH_ERR_SIGNATURE_NO_SESSION')).toBe(true);
    }
  });

  it('stop() removes its listeners and closes the tablet', async () => {
    const { tablet, capture, bus } = await setup();
    capture.begin();
    await capture.stop();
    expect(tablet.state).toBe('closed');
    expect(capture.capturing).toBe(false);
    expect(bus.listenerCount()).toBe(1); // only the test's own onAny
  });

  it('createSignatureCapture wires the configured protocol and line speed', async () => {
    const config = parseConfig({
      signature: { settleMs: 1, queryTimeoutMs: 20 },
      hardware: { tablet: { baudRate: 19_200 } },
    });
    const tablet = new FakeIsdv4Tablet(19_200);
    const capture = createSignatureCapture({ tablet, config, clock: new ManualClock() });
    await capture.start();
    expect(capture.driverStatus).toBe('ready');
    expect(tablet.commands()).toBe('0@19200 *@19200 1@19200');
    await capture.stop();
  });
});
