import { describe } from 'vitest';
import { SerialPortStream } from '@serialport/stream';
import { autoDetect, type BindingInterface } from '@serialport/bindings-cpp';
import { systemClock } from '../../../device/hardware/system-clock.js';
import { SerialTablet } from '../../../device/hardware/tablet/serial.js';
import { SocatPair } from '../../../device/hardware/tablet/socat.js';
import { SimSerialTablet } from '../../../device/hardware/tablet/sim-serial.js';
import { FIXTURE, tempDir } from './helpers.js';
import { tabletContract, type TabletRig } from './tablet-contract.js';

/** The slice of @serialport/binding-mock used here (its typings do not resolve under NodeNext). */
interface MockPort {
  emitData(data: Buffer): void;
  recording: Buffer;
}
interface MockBindingLike extends BindingInterface {
  reset(): void;
  createPort(path: string, opt?: { echo?: boolean; record?: boolean }): void;
}
const MOCK_MODULE: string = '@serialport/binding-mock';
const { MockBinding } = (await import(MOCK_MODULE)) as { MockBinding: MockBindingLike };

const reopen = { reopenInitialMs: 20, reopenMaxMs: 200 };

describe('Tablet contract: SerialTablet over @serialport/binding-mock', () => {
  tabletContract(async (): Promise<TabletRig> => {
    const path = '/dev/ttyCONTRACT0';
    MockBinding.reset();
    MockBinding.createPort(path, { echo: false, record: true });
    let current: (MockPort & { pendingRead?: ((e: Error) => void) | null }) | null = null;
    const binding = {
      ...MockBinding,
      async open(options: Parameters<BindingInterface['open']>[0]) {
        const port = await MockBinding.open(options);
        current = port as unknown as MockPort;
        return port;
      },
    } as BindingInterface;
    const tablet = new SerialTablet({ path, baudRate: 38_400, binding, clock: systemClock, ...reopen });
    let received = Buffer.alloc(0);
    const live = () => {
      if (!current) throw new Error('mock port not open');
      return current;
    };
    return {
      tablet,
      peer: {
        async send(bytes) {
          live().emitData(bytes);
        },
        received: () => (current ? Buffer.concat([received, current.recording]) : received),
        async unplug() {
          const port = live();
          received = Buffer.concat([received, port.recording]);
          current = null;
          MockBinding.reset(); // the device node is gone: reopening fails until replug
          // The kernel fails the pending read when the USB adapter is pulled.
          (port as { pendingRead?: ((e: Error) => void) | null }).pendingRead?.(
            Object.assign(new Error('EIO: device unplugged'), { disconnected: true }),
          );
        },
        async replug() {
          MockBinding.createPort(path, { echo: false, record: true });
        },
      },
      cleanup: async () => MockBinding.reset(),
    };
  });
});

describe('Tablet contract: SerialTablet over a socat pseudo-terminal', () => {
  tabletContract(async (): Promise<TabletRig> => {
    const dir = await tempDir('booth-contract-');
    const binding = autoDetect();
    const pair = new SocatPair({ socatPath: 'socat', dir: dir.path, holdBooth: true });
    let device: SerialPortStream | null = null;
    const received: Buffer[] = [];
    const plug = async () => {
      await pair.start();
      const port = new SerialPortStream({ binding, path: pair.devicePath, baudRate: 38_400, autoOpen: false });
      await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
      port.on('data', (b: Buffer) => received.push(b));
      port.on('error', () => undefined);
      device = port;
      await pair.exposeBooth();
    };
    const unplug = async () => {
      const port = device;
      device = null;
      if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
      await pair.stop();
    };
    await plug();
    const tablet = new SerialTablet({ path: pair.boothPath, baudRate: 38_400, binding, clock: systemClock, ...reopen });
    return {
      tablet,
      peer: {
        send: (bytes) =>
          new Promise<void>((resolve, reject) => {
            const port = device;
            if (!port) return reject(new Error('unplugged'));
            port.write(bytes, () => port.drain(() => resolve()));
          }),
        received: () => Buffer.concat(received),
        unplug,
        replug: plug,
      },
      cleanup: async () => {
        await unplug();
        await dir.remove();
      },
    };
  });
});

describe('Tablet contract: the simulator (SimSerialTablet, socat + emulated ISDV4 tablet)', () => {
  tabletContract(async (): Promise<TabletRig> => {
    const dir = await tempDir('booth-contract-sim-');
    const tablet = new SimSerialTablet({
      socatPath: 'socat',
      dir: dir.path,
      file: FIXTURE,
      binding: autoDetect(),
      clock: systemClock,
      baudRate: 38_400,
      packetIntervalMs: 1,
      ...reopen,
    });
    const sim = tablet.simulator;
    return {
      tablet,
      peer: {
        send: (bytes) => sim.sendRaw(bytes),
        // The emulated tablet answers '*' itself; what the booth wrote is its command log.
        received: () => Buffer.from(sim.commands.join(''), 'latin1'),
        unplug: () => sim.unplug(),
        replug: () => sim.replug(),
      },
      cleanup: () => dir.remove(),
    };
  });
});
