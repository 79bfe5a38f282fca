import { describe, expect, it } from 'vitest';
import { TabletDriver, type TimedEvent } from '../../../device/signature/driver.js';
import { isdv4 } from '../../../device/signature/protocol/isdv4.js';
import { encodeOut, encodePen } from '../../../device/signature/protocol/isdv4-encode.js';
import { signatureSettings } from '../../../device/signature/settings.js';
import { FakeIsdv4Tablet } from './fake-tablet.js';

const settings = signatureSettings({ settleMs: 5, queryTimeoutMs: 40 });
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
};

function make(answerAt: number | null, baudRate = 38_400) {
  const tablet = new FakeIsdv4Tablet(answerAt);
  const warnings: string[] = [];
  const driver = new TabletDriver({ tablet, protocol: isdv4, settings, baudRate, warn: (m) => warnings.push(m) });
  const events: TimedEvent[] = [];
  driver.onEvent((e) => events.push(e));
  return { tablet, driver, events, warnings };
}

describe('tablet driver start-up sequence', () => {
  it('stop, settle, flush, query, start at 38400 and adopts the reported maxima', async () => {
    const { tablet, driver } = make(38_400);
    await driver.start();
    expect(driver.status).toBe('ready');
    expect(tablet.commands()).toBe('0@38400 *@38400 1@38400');
    expect(tablet.flushes).toBe(1);
    expect(driver.device).toEqual({
      protocol: 'isdv4',
      maxX: 20_000,
      maxY: 15_000,
      maxPressure: 1023,
      pointsPerMm: 100,
      version: 7,
    });
  });

  it('falls back to 19200 when the tablet does not answer at 38400', async () => {
    const { tablet, driver } = make(19_200);
    await driver.start();
    expect(tablet.commands()).toBe('0@38400 *@38400 0@19200 *@19200 1@19200');
    expect(driver.device.maxX).toBe(20_000);
  });

  it('tries the configured speed first', async () => {
    const { tablet, driver } = make(19_200, 19_200);
    await driver.start();
    expect(tablet.commands()).toBe('0@19200 *@19200 1@19200');
  });

  it('without an answer, keeps the configured maxima and speed and says so', async () => {
    const { tablet, driver, warnings } = make(null);
    await driver.start();
    expect(tablet.commands()).toBe('0@38400 *@38400 0@19200 *@19200 1@38400');
    expect(driver.device).toMatchObject({ maxX: 26_202, maxY: 16_325, version: null });
    expect(warnings.join()).toMatch(/did not answer the maxima query/);
  });
});

describe('tablet driver events and reconnection', () => {
  it('delivers pen events after start, stamped with the arrival time of their bytes', async () => {
    const { tablet, driver, events } = make(38_400);
    tablet.emit(encodePen({ x: 1, y: 1, pressure: 0 })); // before start: belongs to no capture
    await driver.start();
    expect(events).toEqual([]);
    tablet.emit(encodePen({ x: 100, y: 200, pressure: 300, tip: true }).subarray(0, 4));
    tablet.emit(Buffer.concat([encodePen({ x: 100, y: 200, pressure: 300, tip: true }).subarray(4), encodeOut()]));
    // Both complete in the last chunk (at 40 ms): the pen packet 9 bytes (2.34 ms at 38400) earlier.
    expect(events.map((e) => [e.event.type, e.at])).toEqual([
      ['pen', 40 - 9 * (10_000 / 38_400)],
      ['out', 40],
    ]);
    expect(events[0]!.event).toMatchObject({ x: 100, y: 200, pressure: 300, tip: true });
  });

  it('stamps stay monotonic when a batched chunk would place a packet before the previous one', async () => {
    const { tablet, driver, events } = make(38_400);
    await driver.start();
    const a = encodePen({ x: 1, y: 1, pressure: 1, tip: true });
    const b = encodePen({ x: 2, y: 2, pressure: 2, tip: true });
    const packet = 9 * (10_000 / 38_400); // 2.34 ms of line time
    tablet.emit(a); // arrives at 20 ms
    tablet.emit(Buffer.concat([b, ...Array.from({ length: 5 }, () => encodeOut())])); // 54 bytes at 30 ms
    // b's estimate (30 - 5 packets = 18.3 ms) would precede a: it is held at a's 20 ms.
    expect(events.map((e) => e.at)).toEqual([
      20,
      20,
      30 - 4 * packet,
      30 - 3 * packet,
      30 - 2 * packet,
      30 - packet,
      30,
    ]);
  });

  it('reports a disconnect and runs the start-up sequence again on reopen', async () => {
    const { tablet, driver } = make(38_400);
    const statuses: string[] = [];
    driver.onStatus((s) => statuses.push(s));
    await driver.start();
    tablet.unplug();
    expect(driver.status).toBe('disconnected');
    tablet.replug();
    await until(() => driver.status === 'ready');
    expect(statuses).toEqual(['initialising', 'ready', 'disconnected', 'initialising', 'ready']);
    expect(tablet.commands()).toBe('0@38400 *@38400 1@38400 0@38400 *@38400 1@38400');
  });

  it('an unplug during start-up abandons that sequence', async () => {
    const { tablet, driver } = make(38_400);
    const started = driver.start();
    await until(() => tablet.sent.length === 1);
    tablet.unplug(); // while settling after the stop command
    await started;
    expect(driver.status).toBe('disconnected');
    expect(tablet.commands()).toBe('0@38400');
    await driver.stop();
    expect(driver.status).toBe('stopped');
    expect(tablet.state).toBe('closed');
  });

  it('stop() during the query wait ends the sequence at once, and the driver can start again', async () => {
    const tablet = new FakeIsdv4Tablet(null);
    const slow = signatureSettings({ settleMs: 1, queryTimeoutMs: 10_000 });
    const driver = new TabletDriver({ tablet, protocol: isdv4, settings: slow, baudRate: 38_400 });
    const started = driver.start();
    await until(() => tablet.sent.length === 2); // '0' then '*': now waiting for the reply
    await driver.stop();
    await started; // does not hang for the 10 s query timeout
    expect(driver.status).toBe('stopped');
    tablet.answerAt = 38_400;
    await driver.start();
    expect(driver.status).toBe('ready');
    expect(tablet.commands()).toBe('0@38400 *@38400 0@38400 *@38400 1@38400');
    await driver.stop();
  });
});
