import { execFile } from 'node:child_process';

/**
 * sd_notify from Node without a native module. Node has no unix datagram sockets, so each
 * message is sent by `systemd-notify` (systemd >= 246 waits for systemd to take the message,
 * closing the race where a short-lived sender exits before its cgroup is looked up; the unit
 * sets NotifyAccess=all because the sender is a child, not the main PID).
 *
 * The watchdog ping is scheduled on the event loop: a loop that hangs (a busy loop, a
 * synchronous read that never returns) sends no more pings, and systemd kills and restarts the
 * service after WatchdogSec. docs/systemd.md has the measurements behind this choice.
 */
export type SendNotify = (args: string[], env: NodeJS.ProcessEnv) => Promise<void>;

export interface NotifierDeps {
  env?: NodeJS.ProcessEnv;
  /** Runs systemd-notify; replaced in tests by a recorder. */
  send?: SendNotify;
  warn?: (message: string) => void;
  /**
   * false adds --no-block: systemd-notify then does not wait for the receiver to close the
   * BARRIER=1 descriptor. Only for receivers that are not systemd (tests); systemd closes it at once.
   */
  block?: boolean;
}

const NOTIFY_TIMEOUT_MS = 5000;

export const execSystemdNotify: SendNotify = (args, env) =>
  new Promise((resolve, reject) =>
    execFile('systemd-notify', args, { timeout: NOTIFY_TIMEOUT_MS, env }, (err) => (err ? reject(err) : resolve())),
  );

export class SystemdNotifier {
  private timer: NodeJS.Timeout | null = null;
  private readonly env: NodeJS.ProcessEnv;
  private readonly send: SendNotify;
  private warned = false;

  constructor(private readonly deps: NotifierDeps = {}) {
    this.env = deps.env ?? process.env;
    this.send = deps.send ?? execSystemdNotify;
  }

  /** True under a Type=notify unit (systemd set NOTIFY_SOCKET). */
  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET);
  }

  /**
   * The ping interval: half of WatchdogSec (systemd's own advice), or null when the unit has no
   * watchdog or it is meant for another process (WATCHDOG_PID).
   */
  watchdogIntervalMs(): number | null {
    const usec = Number(this.env.WATCHDOG_USEC);
    if (!this.enabled || !Number.isFinite(usec) || usec <= 0) return null;
    const pid = this.env.WATCHDOG_PID;
    if (pid && Number(pid) !== process.pid) return null;
    return Math.max(100, Math.floor(usec / 2000));
  }

  ready(status: string): Promise<void> {
    return this.notify(['--ready', `--pid=${process.pid}`, `--status=${status}`]);
  }

  stopping(): Promise<void> {
    this.stopWatchdog();
    return this.notify([`--pid=${process.pid}`, 'STOPPING=1']);
  }

  /**
   * A start phase begins: shown in `systemctl status`, and the start timeout is extended to now
   * + budget (EXTEND_TIMEOUT_USEC, systemd >= 236). Each phase of a slow board (a Pi loading the
   * face models) gets its own budget instead of one guess for the whole start.
   */
  startPhase(name: string, budgetMs: number): Promise<void> {
    return this.notify([
      `--pid=${process.pid}`,
      `--status=starting: ${name}`,
      `EXTEND_TIMEOUT_USEC=${budgetMs * 1000}`,
    ]);
  }

  status(text: string): Promise<void> {
    return this.notify([`--pid=${process.pid}`, `--status=${text}`]);
  }

  /** Starts pinging WATCHDOG=1; `healthy` may veto a ping (a wedged feature the loop survives). */
  startWatchdog(healthy: () => boolean = () => true): void {
    const interval = this.watchdogIntervalMs();
    if (interval === null || this.timer) return;
    this.timer = setInterval(() => {
      if (healthy()) void this.notify([`--pid=${process.pid}`, 'WATCHDOG=1']);
    }, interval);
    // The HTTP server keeps the process alive; the watchdog alone must not.
    this.timer.unref();
  }

  stopWatchdog(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async notify(args: string[]): Promise<void> {
    if (!this.enabled) return;
    try {
      await this.send(this.deps.block === false ? ['--no-block', ...args] : args, this.env);
    } catch (err) {
      // Logged once: a missing systemd-notify must not flood the journal every few seconds.
      if (!this.warned) this.deps.warn?.(`sd_notify failed (${(err as Error).message}); systemd may restart the booth`);
      this.warned = true;
    }
  }
}
