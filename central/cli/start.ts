import { CentralService } from '../service.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, type CentralCommand } from './command.js';

/** `booth-central start`: the service, until SIGTERM/SIGINT (systemd runs this). */
export const startCommand: CentralCommand = {
  name: 'start',
  summary: 'the service: booth-facing HTTPS (mutual TLS), admin API on loopback, the pull scheduler',
  usage: 'booth-central start [--config FILE] [--data-dir DIR]',
  async run(argv) {
    const { values } = parseWith(argv, commonOptions);
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const log = commandLogger(loaded.config);
    const service = new CentralService({ config: loaded.config, log });
    await service.start();
    process.stdout.write(`booth-central: booths ${service.boothUrl}, admin ${service.adminUrl}\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        log.info({ signal }, 'stopping');
        const timer = setTimeout(() => process.exit(EXIT.failure), 10_000);
        timer.unref();
        void service.stop().finally(resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return EXIT.ok;
  },
};
