import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockBinding, type MockPortBinding } from '@serialport/binding-mock';
import type { BindingInterface } from '@serialport/bindings-cpp';
import { SerialTablet } from '../../../device/hardware/tablet/serial.js';
import { ManualClock } from '../../../device/core/clock.js';
import type { TabletChunk, TabletState } from '../../../device/core/ports.js';

const PATH = '/dev/ttyTEST0';

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The binding-level port of the open stream, to inject bytes and faults as the kernel would. */
function bindingPort(tablet: SerialTablet): MockPortBinding {
  const port = (tablet as unknown as { port: { port: MockPortBinding } | null }).port;
  if (!port) throw new Error('tablet not open');
  return port.port;
}

function tablet(
  binding: BindingInterface = MockBinding as unknown as BindingInterface,
  clock = new ManualClock(),
  warn?: (m: string) => void,
) {
  return new SerialTablet({
    path: PATH,
    baudRate: 38400,
    binding,
    clock,
    reopenInitialMs: 20,
    reopenMaxMs: 100,
    ...(warn ? { warn } : {}),
  });
}

beforeEach(() => {
  MockBinding.reset();
  MockBinding.createPort(PATH, { echo: false, record: true });
});

let open: SerialTablet[] = [];
afterEach(async () => {
  await Promise.all(open.map((t) => t.stop()));
  open = [];
});

describe('SerialTablet over @serialport/binding-mock', () => {
  it('delivers bytes in order with their monotonic arrival time', async () => {
    const clock = new ManualClock(0, 1000);
    const t = tablet(undefined, clock);
    open.push(t);
    const chunks: TabletChunk[] = [];
    t.onData((c) => chunks.push(c));
    await t.start();
    expect(t.state).toBe('open');
    bindingPort(t).emitData(Buffer.from([0xa0, 0x01, 0x02]));
    await until(() => chunks.length === 1, 'first chunk');
    clock.advance(7);
    bindingPort(t).emitData(Buffer.from([0x03]));
    await until(() => chunks.length === 2, 'second chunk');
    expect(Buffer.concat(chunks.map((c) => c.bytes))).toEqual(Buffer.from([0xa0, 0x01, 0x02, 0x03]));
    expect(chunks.map((c) => c.at)).toEqual([1000, 1007]);
  });

  it('writes commands to the device', async () => {
    const t = tablet();
    open.push(t);
    await t.start();
    await t.write(Buffer.from('0'));
    await t.write(Buffer.from('*'));
    expect(bindingPort(t).recording.toString()).toBe('0*');
  });

  it('reopens after a disconnect and delivers data again', async () => {
    const t = tablet();
    open.push(t);
    const states: TabletState[] = [];
    t.onState((s) => states.push(s));
    const chunks: Buffer[] = [];
    t.onData((c) => chunks.push(c.bytes));
    await t.start();
    const before = bindingPort(t);
    // The kernel fails the pending read when the USB adapter is pulled.
    (before as unknown as { pendingRead: ((e: Error) => void) | null }).pendingRead?.(
      new Error('EIO: device unplugged'),
    );
    await until(() => states.includes('disconnected'), 'disconnected state');
    await until(() => t.state === 'open', 'reopen');
    expect(bindingPort(t)).not.toBe(before);
    bindingPort(t).emitData(Buffer.from('after'));
    await until(() => chunks.length === 1, 'data after reopen');
    expect(chunks[0]?.toString()).toBe('after');
    expect(states).toEqual(['opening', 'open', 'disconnected', 'opening', 'open']);
  });

  it('keeps retrying while the device is absent and opens when it appears', async () => {
    MockBinding.reset();
    const warnings: string[] = [];
    const t = tablet(undefined, undefined, (m) => warnings.push(m));
    open.push(t);
    await t.start();
    expect(t.state).toBe('disconnected');
    await until(() => warnings.length >= 2, 'two retries');
    MockBinding.createPort(PATH, { echo: false, record: true });
    await until(() => t.state === 'open', 'open after plug-in');
    expect(warnings[0]).toMatch(/open failed.*retrying in 20 ms/);
    expect(warnings[1]).toMatch(/retrying in 40 ms/);
  });

  it('treats a refused DTR/RTS as non-fatal', async () => {
    const warnings: string[] = [];
    const binding = {
      ...MockBinding,
      async open(options: Parameters<typeof MockBinding.open>[0]) {
        const port = await MockBinding.open(options);
        port.set = async () => {
          throw new Error('Inappropriate ioctl for device');
        };
        return port;
      },
    } as unknown as BindingInterface;
    const t = tablet(binding, undefined, (m) => warnings.push(m));
    open.push(t);
    await t.start();
    expect(t.state).toBe('open');
    expect(warnings.join('\n')).toMatch(/DTR\/RTS not set \(Inappropriate ioctl/);
  });

  it('refuses to write when not open, and stop closes the port', async () => {
    const t = tablet();
    await expect(t.write(Buffer.from('1'))).rejects.toMatchObject({ code: 'BOOTH_ERR_TABLET_UNAVAILABLE' });
    await t.start();
    const port = bindingPort(t);
    await t.stop();
    expect(port.isOpen).toBe(false);
    expect(t.state).toBe('closed');
  });

  // issue 15: an EIO from the port while or after it closes must not throw (the booth exited 1 on SIGTERM).
  it('keeps an error listener while and after stop closes the port: a late EIO is reported, not thrown', async () => {
    const warnings: string[] = [];
    const t = tablet(undefined, undefined, (m) => warnings.push(m));
    await t.start();
    const stream = (t as unknown as { port: NodeJS.EventEmitter }).port;
    const eio = () => Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    const stopping = t.stop();
    expect(() => stream.emit('error', eio())).not.toThrow();
    await stopping;
    expect(() => stream.emit('error', eio())).not.toThrow();
    expect(t.state).toBe('closed');
    expect(warnings.filter((w) => w.includes('EIO'))).toHaveLength(2);
  });

  it('keeps an error listener on a port the device closed (unplugged): a late EIO is not thrown', async () => {
    const t = tablet();
    open.push(t);
    await t.start();
    const stream = (t as unknown as { port: NodeJS.EventEmitter }).port;
    const closed = new Promise<void>((resolve) => t.onState((s) => s === 'disconnected' && resolve()));
    // The port closes under the tablet (as on an unplug): the adapter lets go of it and retries.
    (stream as unknown as { close(cb: () => void): void }).close(() => undefined);
    await closed;
    expect(() => stream.emit('error', Object.assign(new Error('EIO'), { code: 'EIO' }))).not.toThrow();
  });
});
