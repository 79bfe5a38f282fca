import { describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanHardware, type ScanRoots } from '../../../provisioning/hardware-scan.js';

async function tree(): Promise<ScanRoots & { root: string }> {
  const root = await mkdtemp(join(tmpdir(), 'scan-'));
  const roots = {
    root,
    devDir: join(root, 'dev'),
    sysVideo: join(root, 'sys/class/video4linux'),
    serialById: join(root, 'dev/serial/by-id'),
    sysGpio: join(root, 'sys/class/gpio'),
  };
  await mkdir(roots.devDir, { recursive: true });
  return roots;
}

describe('hardware scan', () => {
  it('finds nothing on a machine without devices', async () => {
    const roots = await tree();
    expect(await scanHardware(roots)).toEqual({ cameras: [], serial: [], gpio: null });
  });

  it('offers capture nodes only, in numeric order, with their names', async () => {
    const roots = await tree();
    // Two cameras: video0/1 (capture + metadata), video10/11; video2 has no sysfs entry.
    const nodes: [string, string, string][] = [
      ['video0', '0', 'USB 2.0 Camera'],
      ['video1', '1', 'USB 2.0 Camera'],
      ['video10', '0', 'HD Pro Webcam C920'],
      ['video11', '1', 'HD Pro Webcam C920'],
    ];
    for (const [n, index, name] of nodes) {
      await writeFile(join(roots.devDir, n), '');
      await mkdir(join(roots.sysVideo, n), { recursive: true });
      await writeFile(join(roots.sysVideo, n, 'index'), `${index}\n`);
      await writeFile(join(roots.sysVideo, n, 'name'), `${name}\n`);
    }
    await writeFile(join(roots.devDir, 'video2'), '');
    const { cameras } = await scanHardware(roots);
    expect(cameras).toEqual([
      { device: join(roots.devDir, 'video0'), name: 'USB 2.0 Camera' },
      { device: join(roots.devDir, 'video2'), name: 'video2' },
      { device: join(roots.devDir, 'video10'), name: 'HD Pro Webcam C920' },
    ]);
  });

  it('lists serial ports by their stable by-id path and where they point now', async () => {
    const roots = await tree();
    await mkdir(roots.serialById, { recursive: true });
    await writeFile(join(roots.devDir, 'ttyUSB0'), '');
    await symlink('../../ttyUSB0', join(roots.serialById, 'usb-FTDI_FT232R-if00-port0'));
    const { serial } = await scanHardware(roots);
    expect(serial).toEqual([
      { path: join(roots.serialById, 'usb-FTDI_FT232R-if00-port0'), target: join(roots.devDir, 'ttyUSB0') },
    ]);
  });

  it('picks the SoC GPIO chip and its base (Pi 5: 571), not an expander', async () => {
    const roots = await tree();
    for (const [name, base, ngpio, label] of [
      ['gpiochip512', '512', '32', 'raspberrypi-exp-gpio'],
      ['gpiochip571', '571', '54', 'pinctrl-rp1'],
    ]) {
      await mkdir(join(roots.sysGpio, name ?? ''), { recursive: true });
      await writeFile(join(roots.sysGpio, name ?? '', 'base'), `${base}\n`);
      await writeFile(join(roots.sysGpio, name ?? '', 'ngpio'), `${ngpio}\n`);
      await writeFile(join(roots.sysGpio, name ?? '', 'label'), `${label}\n`);
    }
    const { gpio } = await scanHardware(roots);
    expect(gpio).toMatchObject({ base: 571, label: 'pinctrl-rp1' });
  });
});
