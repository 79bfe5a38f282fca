import { lstat } from 'node:fs/promises';
import { SerialPortStream } from '@serialport/stream';
import { autoDetect } from '@serialport/bindings-cpp';
import { describe, expect, it } from 'vitest';
import { SocatPair } from '../../../device/hardware/tablet/socat.js';
import { tempDir, until } from './helpers.js';

const binding = autoDetect();

async function open(path: string): Promise<SerialPortStream> {
  const port = new SerialPortStream({ binding, path, baudRate: 38_400, autoOpen: false, hupcl: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  port.on('error', () => undefined);
  return port;
}
const write = (port: SerialPortStream, bytes: string) =>
  new Promise<void>((resolve) => port.write(bytes, () => port.drain(() => resolve())));
const close = (port: SerialPortStream) => new Promise<void>((resolve) => port.close(() => resolve()));
const exists = (path: string) =>
  lstat(path).then(
    () => true,
    () => false,
  );

/**
 * CI once saw the tablet simulator miss the booth's stop command after a replug ('0*1*1' instead
 * of '0*10*1'): the booth opened its end and wrote before the simulator had opened the far end,
 * and opening a port flushes its pending input. A held pair shows the booth nothing until the far
 * end is open, as a USB tablet's /dev node appears only once it has enumerated.
 */
describe('SocatPair: the booth sees the tablet only once the tablet end is open', () => {
  it('loses bytes written before the far end opens (the cause)', async () => {
    const dir = await tempDir('booth-socat-');
    const pair = new SocatPair({ socatPath: 'socat', dir: dir.path });
    try {
      await pair.start();
      const booth = await open(pair.boothPath);
      await write(booth, '0');
      await new Promise((r) => setTimeout(r, 100)); // socat has moved it to the device side
      const device = await open(pair.devicePath);
      const got: string[] = [];
      device.on('data', (b: Buffer) => got.push(b.toString()));
      await write(booth, '1');
      await until(() => got.join('').includes('1'), 'the second byte');
      expect(got.join('')).toBe('1');
      await close(booth);
      await close(device);
    } finally {
      await pair.stop();
      await dir.remove();
    }
  });

  it('holds the booth link back until exposeBooth(), then removes it on stop', async () => {
    const dir = await tempDir('booth-socat-');
    const pair = new SocatPair({ socatPath: 'socat', dir: dir.path, holdBooth: true });
    try {
      await pair.start();
      expect(await exists(pair.devicePath)).toBe(true);
      expect(await exists(pair.boothPath)).toBe(false);
      const device = await open(pair.devicePath);
      const got: string[] = [];
      device.on('data', (b: Buffer) => got.push(b.toString()));
      await pair.exposeBooth();
      const booth = await open(pair.boothPath);
      await write(booth, '0*1');
      await until(() => got.join('') === '0*1', 'every byte');
      await close(booth);
      await close(device);
      await pair.stop();
      expect(await exists(pair.boothPath)).toBe(false);
      expect(await exists(dir.path)).toBe(false); // nothing left behind
    } finally {
      await pair.stop();
      await dir.remove().catch(() => undefined);
    }
  });
});
