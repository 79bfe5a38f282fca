import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from './command.js';
import { EXIT } from './command.js';
import { parseWith, UsageError } from './config-args.js';
import { resolveConfigSource } from '../config/load.js';
import { isBoothError, toBoothError } from '../../protocol/errors.js';
import { hostPaths } from '../paths.js';
import { scanRoots } from '../../provisioning/hardware-scan.js';
import { PROVISION_STEPS, provision } from '../../provisioning/provision.js';
import { textProgress } from '../../provisioning/progress.js';
import { terminalPrompter, unattendedPrompter } from '../../provisioning/prompt.js';

const options = {
  central: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'central-ca': { type: 'string' },
  offline: { type: 'string' },
  config: { type: 'string' },
  'data-dir': { type: 'string' },
  camera: { type: 'string' },
  tablet: { type: 'string' },
  'gpio-chip': { type: 'string' },
  'skip-models': { type: 'boolean', default: false },
  'tuning-password-file': { type: 'string' },
  yes: { type: 'boolean', short: 'y', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

const readTrimmed = async (path: string) => (await readFile(path, 'utf8')).trim();

/** Exit code when the offline request was written and the stick must go to the central office. */
export const EXIT_AWAITING_CENTRAL = 3;

export const provisionCommand: Command = {
  name: 'provision',
  summary: 'enroll this booth with the central server, install models, find hardware, write the config',
  usage:
    'booth provision (--central URL --token TOKEN [--central-ca FILE] | --offline DIR [--token TOKEN]) ' +
    '[--config FILE] [--data-dir DIR] [--camera DEV|none] [--tablet PATH|none] [--gpio-chip LABEL|none] ' +
    '[--tuning-password-file FILE] [--skip-models] [--yes]',
  async run(argv) {
    const { values } = parseWith(argv, options);
    if (!values.central === !values.offline) throw new UsageError('give either --central URL or --offline DIR');
    const token = values.token ?? (values['token-file'] ? await readTrimmed(values['token-file']) : undefined);
    if (values.central && !token) throw new UsageError('--central needs --token or --token-file');
    const source = resolveConfigSource(values.config);
    const configPath = source.path ?? hostPaths().configFile;
    const interactive = !values.yes && process.stdin.isTTY === true;
    const prompter = interactive ? terminalPrompter(process.stdin, process.stdout) : unattendedPrompter();
    const progress = textProgress(process.stdout, PROVISION_STEPS);
    const choices = {
      ...(values.camera !== undefined ? { camera: values.camera } : {}),
      ...(values.tablet !== undefined ? { tablet: values.tablet } : {}),
      ...(values['gpio-chip'] !== undefined ? { gpioChip: values['gpio-chip'] } : {}),
    };
    try {
      const result = await provision({
        configPath,
        ...(values['data-dir'] ? { dataDir: resolve(values['data-dir']) } : {}),
        ...(values.central && token
          ? {
              online: {
                url: values.central,
                token,
                ...(values['central-ca'] ? { caPem: await readFile(values['central-ca'], 'utf8') } : {}),
              },
            }
          : {}),
        ...(values.offline ? { offline: { dir: resolve(values.offline), ...(token ? { token } : {}) } } : {}),
        choices,
        roots: scanRoots(),
        modelsDir: hostPaths().modelsDir,
        skipModels: values['skip-models'],
        ...(values['tuning-password-file']
          ? { tuningPassword: await readTrimmed(values['tuning-password-file']) }
          : {}),
        prompter,
        progress,
      });
      if (result.state === 'awaiting-central') {
        process.stdout.write(
          `\nTake the USB stick to the central office to have ${result.requestFile} answered,\n` +
            `then run the same command again here.\n`,
        );
        return EXIT_AWAITING_CENTRAL;
      }
      process.stdout.write(
        `\nbooth ${result.boothId} provisioned; certificate ${result.fingerprint256}\n` +
          `next: booth doctor --config ${configPath}, then systemctl enable --now booth\n`,
      );
      if (result.generatedPassword)
        process.stdout.write(
          `tuning editor login: technician / ${result.generatedPassword}  (shown once: write it down)\n`,
        );
      return EXIT.ok;
    } catch (err) {
      const e = toBoothError(err);
      process.stderr.write(`booth provision: ${e.message}\n`);
      if (isBoothError(e, 'BOOTH_ERR_ENROLL_TOKEN_USED') || isBoothError(e, 'BOOTH_ERR_ENROLL_TOKEN_EXPIRED'))
        process.stderr.write('ask the central office for a new enrollment token\n');
      return isBoothError(e, 'BOOTH_ERR_CONFIG_INVALID') ? EXIT.config : EXIT.failure;
    } finally {
      prompter.close();
    }
  },
};
