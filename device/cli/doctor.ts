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
  checkModels,
  checkTablet,
  configResult,
  type CheckResult,
} from '../doctor/checks.js';

const MARK = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

export function formatTable(results: CheckResult[]): string {
  const w = Math.max(...results.map((r) => r.name.length));
  return results.map((r) => `${MARK[r.status]}  ${r.name.padEnd(w)}  ${r.detail}`).join('\n');
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check config, models, camera, tablet, LEDs, disk and clock; non-zero exit on any failure',
  usage: 'booth doctor [--config FILE] [--hardware sim|real|auto] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, configOptions);
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const { config } = loaded;
    const warnings: string[] = [];
    const hw = await selectHardware(config, systemClock, (m) => warnings.push(m));
    const results: CheckResult[] = [configResult(config, loaded.path)];
    results.push(await checkModels(hostPaths().modelsDir));
    results.push(await checkCamera(hw.camera, config.hardware.camera.timeoutMs));
    results.push(await checkTablet(hw.tablet, 3000));
    results.push(await checkLeds(hw.leds, 300));
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
