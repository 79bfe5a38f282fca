import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoDetect } from '@serialport/bindings-cpp';
import { EventBus } from '../../../device/core/events.js';
import { systemClock } from '../../../device/hardware/system-clock.js';
import { SerialTablet } from '../../../device/hardware/tablet/serial.js';
import { PtyTabletSimulator } from '../../../device/hardware/tablet/pty-sim.js';
import { TabletDriver } from '../../../device/signature/driver.js';
import { SignatureCapture } from '../../../device/signature/capture.js';
import { isdv4 } from '../../../device/signature/protocol/isdv4.js';
import { decodeRecording } from '../../../device/signature/recording.js';
import { signatureSettings } from '../../../device/signature/settings.js';
import { FIXTURE, tempDir, until } from './helpers.js';

/**
 * End to end through a real pseudo-terminal pair (socat): simulator -> kernel tty -> the real
 * serial binding -> SerialTablet -> ISDV4 parser -> driver -> capture.
 */
describe('signature capture over a socat pseudo-terminal', () => {
  const binding = autoDetect();
  const settings = signatureSettings({ timeoutMs: 60_000 });
  const bus = new EventBus();
  const discarded: string[] = [];
  bus.on('test', 'signature.discarded', (e) => discarded.push(e.reason));
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let sim: PtyTabletSimulator;
  let driver: TabletDriver;
  let capture: SignatureCapture;
  let recording: Buffer;

  beforeAll(async () => {
    recording = await readFile(FIXTURE);
    dir = await tempDir('booth-sig-e2e-');
    sim = new PtyTabletSimulator({
      socatPath: 'socat',
      dir: dir.path,
      binding,
      maxima: { maxX: 26_202, maxY: 16_325, maxPressure: 1023, version: 0x24 },
      packetIntervalMs: 1,
    });
    await sim.start();
    const tablet = new SerialTablet({
      path: sim.boothPath,
      baudRate: 38_400,
      binding,
      clock: systemClock,
      reopenInitialMs: 50,
      reopenMaxMs: 200,
    });
    driver = new TabletDriver({ tablet, protocol: isdv4, settings, baudRate: 38_400 });
    capture = new SignatureCapture({ driver, clock: systemClock, settings, bus });
    await capture.start();
    await until(() => driver.status === 'ready', 'the driver to be ready');
    // 'ready' means the start command left the booth; the tablet reads it a moment later.
    await until(() => sim.started, 'the tablet to receive the start command');
  });

  afterAll(async () => {
    await capture?.stop();
    await sim?.stop();
    await dir?.remove();
  });

  it('runs the start-up sequence and adopts the maxima the tablet reports', () => {
    expect(sim.commands.join('')).toBe('0*1');
    expect(driver.device).toMatchObject({ maxX: 26_202, maxY: 16_325, maxPressure: 1023, version: 0x24 });
  });

  it('delivers a recorded signature as the same validated strokes', async () => {
    const expected = decodeRecording(recording, {
      protocol: isdv4,
      baudRate: 38_400,
      device: { maxX: 1, maxY: 1, maxPressure: 1, pointsPerMm: 100, version: null },
    });
    capture.begin();
    await sim.replay(recording);
    await until(() => inkCount() === expected.samples.length, 'every sample to arrive');
    const result = capture.finish();
    const strip = (s: { x: number; y: number; pressure: number; tip: boolean; proximity: boolean }) => ({
      x: s.x,
      y: s.y,
      pressure: s.pressure,
      tip: s.tip,
      proximity: s.proximity,
    });
    expect(result.samples.map(strip)).toEqual(expected.samples.map(strip));
    expect(result.strokes).toEqual(expected.strokes);
    expect(result.reasons).toEqual([]);
    expect(result.valid).toBe(true);
    // Arrival stamps are monotonic and start at zero.
    expect(result.samples[0]!.t).toBe(0);
    for (let i = 1; i < result.samples.length; i++)
      expect(result.samples[i]!.t).toBeGreaterThanOrEqual(result.samples[i - 1]!.t);
  });

  it('discards a signature when the tablet is unplugged mid-signature, then reopens', async () => {
    capture.begin();
    const half = recording.subarray(0, Math.floor(recording.length / 2));
    await sim.replay(half);
    await until(() => inkCount() > 50, 'part of the signature');
    await sim.unplug();
    await until(() => driver.status === 'disconnected', 'the driver to see the unplug');
    const lost = capture.finish();
    expect(lost.valid).toBe(false);
    expect(lost.reasons).toEqual(['tablet-disconnected']);
    expect(lost.samples).toEqual([]);
    expect(discarded).toContain('tablet-disconnected');

    await sim.replug();
    await until(() => driver.status === 'ready', 'the driver to reopen and restart the tablet');
    await until(() => sim.started, 'the tablet to receive the start command again');
    expect(sim.commands.join('')).toBe('0*10*1'); // the start-up sequence ran again
    capture.begin();
    await sim.replay(recording);
    await until(() => inkCount() > 600, 'the new signature');
    await new Promise((r) => setTimeout(r, 100));
    expect(capture.finish().valid).toBe(true);
  });

  let ink = 0;
  function inkCount(): number {
    return ink;
  }
  beforeAll(() => {
    capture.onInk(() => ink++);
  });
  bus.on('test', 'signature.started', () => (ink = 0));
});
