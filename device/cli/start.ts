import type { Command } from './command.js';
import { EXIT } from './command.js';
import { configOptions, configOrExit, parseWith } from './config-args.js';
import { createLogger } from '../log.js';
import { Booth } from '../main.js';

const SHUTDOWN_LIMIT_MS = 5000;

export const startCommand: Command = {
  name: 'start',
  summary: 'run the booth service (kiosk page, APIs, hardware)',
  usage: 'booth start [--config FILE] [--hardware sim|real|auto] [--port N] [--data-dir DIR]',
  async run(argv) {
    const { values } = parseWith(argv, configOptions);
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const { config } = loaded;
    const logger = createLogger(config.log.level);
    logger.info({ config: loaded.path ?? 'defaults', dataDir: config.dataDir }, 'booth starting');
    const booth = new Booth({ config, logger });

    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      // Past the limit, exit anyway: systemd would SIGKILL us later and lose the log line.
      const force = setTimeout(() => {
        logger.error('shutdown took longer than 5 s; exiting');
        process.exit(EXIT.failure);
      }, SHUTDOWN_LIMIT_MS);
      force.unref();
      booth.stop(signal).then(
        () => {
          logger.info('stopped');
          process.exit(EXIT.ok);
        },
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(EXIT.failure);
        },
      );
    };
    process.on('SIGTERM', () => shutdown('SIGTERM'));
    process.on('SIGINT', () => shutdown('SIGINT'));

    try {
      const address = await booth.start();
      logger.info({ address }, `booth ready: kiosk page at ${address}/`);
    } catch (err) {
      logger.fatal({ err }, 'booth failed to start');
      await booth.stop('start failed').catch(() => undefined);
      return EXIT.failure;
    }
    // Keep running until a signal arrives.
    return new Promise<number>(() => {});
  },
};
