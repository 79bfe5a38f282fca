import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemdNotifier } from '../../../device/systemd/notify.js';

afterEach(() => {
  vi.useRealTimers();
});

function recorder() {
  const sent: string[][] = [];
  return { sent, send: (args: string[]) => (sent.push(args), Promise.resolve()) };
}

describe('SystemdNotifier', () => {
  it('does nothing outside systemd (no NOTIFY_SOCKET)', async () => {
    const r = recorder();
    const n = new SystemdNotifier({ env: {}, send: r.send });
    await n.ready('up');
    n.startWatchdog();
    expect(n.watchdogIntervalMs()).toBeNull();
    expect(r.sent).toEqual([]);
  });

  it('pings at half of WatchdogSec, skips vetoed pings, stops on STOPPING', async () => {
    vi.useFakeTimers();
    const r = recorder();
    let healthy = true;
    const n = new SystemdNotifier({
      env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '20000000', WATCHDOG_PID: String(process.pid) },
      send: r.send,
    });
    expect(n.watchdogIntervalMs()).toBe(10_000);
    await n.ready('booth b1 ready');
    n.startWatchdog(() => healthy);
    await vi.advanceTimersByTimeAsync(25_000);
    healthy = false;
    await vi.advanceTimersByTimeAsync(20_000);
    await n.stopping();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(r.sent).toEqual([
      ['--ready', `--pid=${process.pid}`, '--status=booth b1 ready'],
      [`--pid=${process.pid}`, 'WATCHDOG=1'],
      [`--pid=${process.pid}`, 'WATCHDOG=1'],
      [`--pid=${process.pid}`, 'STOPPING=1'],
    ]);
  });

  it('leaves the watchdog to the process WATCHDOG_PID names', () => {
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: '/run/x', WATCHDOG_USEC: '1000000', WATCHDOG_PID: '1' } });
    expect(n.watchdogIntervalMs()).toBeNull();
  });

  it('warns once when systemd-notify fails, never throws', async () => {
    const warnings: string[] = [];
    const n = new SystemdNotifier({
      env: { NOTIFY_SOCKET: '/run/x' },
      send: () => Promise.reject(new Error('spawn systemd-notify ENOENT')),
      warn: (m) => warnings.push(m),
    });
    await n.ready('a');
    await n.status('b');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ENOENT/);
  });
});

describe('SystemdNotifier through the real systemd-notify', () => {
  let receiver: ChildProcess | null = null;
  afterEach(() => {
    receiver?.kill();
    receiver = null;
  });

  it('delivers READY=1 and WATCHDOG=1 datagrams to NOTIFY_SOCKET', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notify-'));
    const socket = join(dir, 'notify.sock');
    const out = join(dir, 'received');
    // socat stands in for systemd: a unix datagram socket that logs what arrives.
    receiver = spawn('sh', ['-c', `exec socat -u UNIX-RECV:${socket} CREATE:${out}`], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (
        await stat(socket).then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '200000' }, block: false });
    await n.startPhase('models', 60_000);
    await n.ready('booth test ready');
    n.startWatchdog();
    let text = '';
    for (let i = 0; i < 100 && !text.includes('WATCHDOG=1'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      text = await readFile(out, 'utf8').catch(() => '');
    }
    n.stopWatchdog();
    expect(text).toContain('STATUS=starting: models');
    expect(text).toContain('EXTEND_TIMEOUT_USEC=60000000');
    expect(text.indexOf('EXTEND_TIMEOUT_USEC')).toBeLessThan(text.indexOf('READY=1'));
    expect(text).toContain('READY=1');
    expect(text).toContain('STATUS=booth test ready');
    expect(text).toContain(`MAINPID=${process.pid}`);
    expect(text).toContain('WATCHDOG=1');
  });
});
