import { createInterface } from 'node:readline/promises';
import type { Command } from './command.js';
import { EXIT } from './command.js';
import { configOptions, configOrExit, parseWith } from './config-args.js';
import { selectHardware } from '../hardware/select.js';
import { systemClock } from '../hardware/system-clock.js';
import { hostPaths } from '../paths.js';
import {
  checkCamera,
  checkClock,
  checkDisk,
  checkLeds,
  checkLedsConfirmed,
  checkModels,
  checkTablet,
  configResult,
  type CheckResult,
} from '../doctor/checks.js';

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

const doctorOptions = { ...configOptions, 'confirm-leds': { type: 'boolean', default: false } } as const;

/** Asks the technician about each LED on the terminal (or piped answers: y/yes counts as seen). */
async function askTechnician<T>(fn: (ask: (color: string) => Promise<boolean>) => Promise<T>): Promise<T> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return await fn(async (color) =>
      /^y(es)?$/i.test((await rl.question(`Is the ${color} LED blinking? [y/n] `)).trim()),
    );
  } finally {
    rl.close();
  }
}

export function formatTable(results: CheckResult[]): string {
  const w = Math.max(...results.map((r) => r.name.length));
  return results.map((r) => `${MARK[r.status]}  ${r.name.padEnd(w)}  ${r.detail}`).join('\n');
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check config, models, camera, tablet, LEDs, disk and clock; non-zero exit on any failure',
  usage: 'booth doctor [--config FILE] [--hardware sim|real|auto] [--confirm-leds] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, doctorOptions);
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const { config } = loaded;
    const warnings: string[] = [];
    const hw = await selectHardware(config, systemClock, (m) => warnings.push(m));
    const results: CheckResult[] = [configResult(config, loaded.path)];
    results.push(await checkModels(hostPaths().modelsDir));
    results.push(await checkCamera(hw.camera, config.hardware.camera.timeoutMs));
    results.push(await checkTablet(hw.tablet, 3000));
    // Real LEDs on a terminal (or --confirm-leds): the technician confirms each one blinking.
    const confirmLeds = values['confirm-leds'] || (hw.leds.info.kind === 'real' && process.stdin.isTTY && !values.json);
    results.push(
      confirmLeds ? await askTechnician((ask) => checkLedsConfirmed(hw.leds, ask)) : await checkLeds(hw.leds, 300),
    );
    results.push(await checkDisk(config.dataDir));
    results.push(await checkClock(systemClock));
    const failed = results.some((r) => r.status === 'fail');
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ ok: !failed, hardware: hw.choices, results })}\n`);
    } else {
      for (const c of hw.choices) process.stdout.write(`hardware ${c.device}: ${c.chosen} (${c.reason})\n`);
      process.stdout.write(`\n${formatTable(results)}\n\n${failed ? 'doctor: FAILED' : 'doctor: all checks passed'}\n`);
    }
    return failed ? EXIT.failure : EXIT.ok;
  },
};
