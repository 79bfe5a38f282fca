import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from './command.js';
import { configOrExit, parseWith } from './config-args.js';
import { positiveArg, protocolArg } from './tablet-args.js';
import { eventLine } from './tablet-decode.js';
import { hostPaths } from '../paths.js';
import { systemClock } from '../hardware/system-clock.js';
import { SerialTablet } from '../hardware/tablet/serial.js';
import { TabletDriver } from '../signature/driver.js';

async function byIdPaths(): Promise<string[]> {
  const dir = hostPaths().serialById;
  try {
    return (await readdir(dir)).sort().map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/**
 * `booth tablet listen`: opens the tablet like the booth does (start-up sequence, maxima
 * query, reopen on unplug) and prints every decoded event as JSON until Ctrl-C. Status and
 * line statistics go to stderr. For technicians checking a tablet and its cable.
 */
export async function listenCommand(argv: string[]): Promise<number> {
  const { values } = parseWith(argv, {
    port: { type: 'string' },
    baud: { type: 'string' },
    protocol: { type: 'string' },
    config: { type: 'string' },
  });
  const loaded = await configOrExit({ ...(values.config ? { config: values.config } : {}) });
  if ('exit' in loaded) return loaded.exit;
  const { config } = loaded;
  const path = values.port ?? config.hardware.tablet.path;
  const candidates = await byIdPaths();
  process.stderr.write(
    `listen: ${path}${candidates.length ? `\n  serial devices by id:\n${candidates.map((c) => `    ${c}`).join('\n')}` : ''}\n`,
  );
  const { autoDetect } = await import('@serialport/bindings-cpp');
  const tablet = new SerialTablet({
    path,
    baudRate: positiveArg('baud', values.baud) ?? config.hardware.tablet.baudRate,
    binding: autoDetect(),
    clock: systemClock,
    reopenInitialMs: config.hardware.tablet.reopenInitialMs,
    reopenMaxMs: config.hardware.tablet.reopenMaxMs,
    warn: (m) => process.stderr.write(`listen: ${m}\n`),
  });
  const driver = new TabletDriver({
    tablet,
    protocol: protocolArg(values.protocol, config.signature.protocol),
    settings: config.signature,
    baudRate: positiveArg('baud', values.baud) ?? config.hardware.tablet.baudRate,
    warn: (m) => process.stderr.write(`listen: ${m}\n`),
  });
  driver.onStatus((status, detail) => {
    const d = status === 'ready' ? ` ${JSON.stringify(driver.device)}` : detail ? ` (${detail})` : '';
    process.stderr.write(`listen: ${status}${d}\n`);
  });
  driver.onEvent(({ at, event }) => process.stdout.write(`${eventLine(event).slice(0, -1)},"at":${Math.round(at)}}\n`));
  await driver.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await driver.stop();
  const s = driver.parserStats;
  process.stderr.write(`listen: ${s.packets} packets, ${s.droppedBytes} bytes dropped, ${s.ignoredPackets} ignored\n`);
  return EXIT.ok;
}
