import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectDir } from '../../../device/paths.js';

/**
 * The units as systemd itself reads them. No systemd runs in a container, so each tool works on
 * a throw-away root: the distribution's unit tree, stub binaries for what the units execute
 * (node, cage, chromium: verify checks they exist and are executable), and a minimal passwd.
 */
const run = promisify(execFile);
const unitsDir = join(projectDir(), 'systemd');

async function fakeRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'units-root-'));
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await mkdir(join(root, 'usr/lib/systemd'), { recursive: true });
  await mkdir(join(root, 'etc/systemd/system'), { recursive: true });
  for (const bin of ['usr/bin/node', 'usr/bin/cage', 'usr/bin/chromium', 'opt/booth-node/bin/node']) {
    await mkdir(join(root, bin, '..'), { recursive: true });
    await writeFile(join(root, bin), '#!/bin/sh\n');
    await chmod(join(root, bin), 0o755);
  }
  await cp('/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  await writeFile(
    join(root, 'etc/passwd'),
    'root:x:0:0:root:/root:/bin/sh\nbooth-central:x:990:990::/var/lib/booth-central:/usr/sbin/nologin\n',
  );
  await writeFile(
    join(root, 'etc/group'),
    'root:x:0:\nbooth-central:x:990:\nvideo:x:44:\ndialout:x:20:\ninput:x:101:\nrender:x:102:\n',
  );
  return root;
}

/** Key=value pairs of one section (repeated keys kept in order; continuation lines joined). */
function section(text: string, name: string): [string, string][] {
  const out: [string, string][] = [];
  let inside = false;
  for (const line of text.replace(/\\\n\s*/g, ' ').split('\n')) {
    const t = line.trim();
    if (t.startsWith('[')) inside = t === `[${name}]`;
    else if (inside && t && !t.startsWith('#')) {
      const i = t.indexOf('=');
      out.push([t.slice(0, i), t.slice(i + 1)]);
    }
  }
  return out;
}

describe('systemd units', () => {
  it('systemd-analyze verify passes on every unit, without a warning', async () => {
    const services = (await readdir(unitsDir)).filter((f) => f.endsWith('.service'));
    expect(services.sort()).toEqual(['booth-central.service', 'booth-kiosk.service', 'booth.service']);
    const root = await fakeRoot();
    for (const s of services) await cp(join(unitsDir, s), join(root, 'etc/systemd/system', s));
    const { stdout, stderr } = await run('systemd-analyze', [
      'verify',
      `--root=${root}`,
      '--man=no',
      ...services.map((s) => `/etc/systemd/system/${s}`),
    ]);
    expect(stderr).toBe('');
    expect(stdout).toBe('');
  });

  it('booth.service restarts on failure but not on a bad config, has a watchdog, and keeps devices usable', async () => {
    const service = section(await readFile(join(unitsDir, 'booth.service'), 'utf8'), 'Service');
    const get = (k: string) => service.filter(([key]) => key === k).map(([, v]) => v);
    expect(get('Type')).toEqual(['notify']);
    expect(get('NotifyAccess')).toEqual(['all']);
    // The Node that provisioning/node.sh installs, not the distribution's (18 on Bookworm).
    expect(get('ExecStart')[0]).toMatch(/^\/opt\/booth-node\/bin\/node \/opt\/booth\/bin\/booth\.js start/);
    expect(Number(get('WatchdogSec')[0])).toBeGreaterThan(0);
    expect(get('Restart')).toEqual(['on-failure']);
    expect(get('RestartPreventExitStatus')).toEqual(['2']);
    expect(get('StateDirectory')).toEqual(['booth']);
    expect(get('DeviceAllow')).toEqual(
      expect.arrayContaining(['char-ttyUSB rw', 'char-ttyACM rw', 'char-video4linux rw', 'char-gpiochip rw']),
    );
    // These three break the devices or Node: never set.
    for (const k of ['PrivateDevices', 'ProtectKernelTunables', 'MemoryDenyWriteExecute']) expect(get(k)).toEqual([]);
    expect(get('ProtectSystem')).toEqual(['strict']);
    expect(get('NoNewPrivileges')).toEqual(['yes']);
  });

  it('booth-central.service restarts on failure but not on a bad config, as its own user, hardened', async () => {
    const service = section(await readFile(join(unitsDir, 'booth-central.service'), 'utf8'), 'Service');
    const get = (k: string) => service.filter(([key]) => key === k).map(([, v]) => v);
    expect(get('ExecStart')).toEqual([
      '/usr/bin/node /opt/booth/bin/booth-central.js start --config /etc/booth-central/central.json',
    ]);
    expect(get('Restart')).toEqual(['on-failure']);
    expect(get('RestartPreventExitStatus')).toEqual(['2']);
    expect(get('User')).toEqual(['booth-central']);
    expect(get('StateDirectory')).toEqual(['booth-central']);
    expect(get('ProtectSystem')).toEqual(['strict']);
    expect(get('NoNewPrivileges')).toEqual(['yes']);
  });

  it('booth-kiosk.service runs Chromium in kiosk mode under cage and restarts if it dies', async () => {
    const text = await readFile(join(unitsDir, 'booth-kiosk.service'), 'utf8');
    const service = Object.fromEntries(section(text, 'Service'));
    expect(service.ExecStart).toMatch(
      /^\/usr\/bin\/cage .* -- \/usr\/bin\/chromium .*--kiosk .*http:\/\/127\.0\.0\.1:8080\/$/,
    );
    expect(service.Restart).toBe('always');
    expect(section(text, 'Unit')).toContainEqual(['After', expect.stringContaining('booth.service')]);
  });

  it('sysusers and tmpfiles create the users, groups and directories', async () => {
    const root = await fakeRoot();
    await run('systemd-sysusers', [`--root=${root}`, join(unitsDir, 'booth.sysusers.conf')]);
    const group = await readFile(join(root, 'etc/group'), 'utf8');
    expect(group).toMatch(/^video:x:44:booth,kiosk$/m);
    expect(group).toMatch(/^dialout:x:20:booth$/m);
    expect(group).toMatch(/^gpio:x:\d+:booth$/m);
    const { stderr } = await run('systemd-tmpfiles', [
      `--root=${root}`,
      '--create',
      join(unitsDir, 'booth.tmpfiles.conf'),
    ]);
    expect(stderr).toBe('');
    expect((await stat(join(root, 'var/lib/booth'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'etc/booth'))).isDirectory()).toBe(true);
  });

  it('udev rules are well formed: every rule is KEY op "value" pairs with known operators', async () => {
    const text = await readFile(join(unitsDir, '99-booth.rules'), 'utf8');
    const rules = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(rules.length).toBeGreaterThanOrEqual(6);
    const pair = /^[A-Z_]+(\{[^}]+\})?(==|!=|=|\+=|-=|:=)"[^"]*"$/;
    const nextKey = /,\s*(?=[A-Z_]+(?:\{[^}]*\})?(?:==|!=|\+=|-=|:=|=)")/;
    for (const rule of rules) for (const part of rule.trim().split(nextKey)) expect(part, rule).toMatch(pair);
    expect(text).toMatch(/SUBSYSTEM=="tty".*GROUP="dialout"/);
    expect(text).toMatch(/SUBSYSTEM=="video4linux".*GROUP="video"/);
    expect(text).toMatch(/SUBSYSTEM=="gpio".*GROUP="gpio"/);
  });
});
