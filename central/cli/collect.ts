import { collectOp } from '../collect/op.js';
import { Collector } from '../collect/scheduler.js';
import { acquireLock } from '../lock.js';
import { openContext } from '../open-context.js';
import { invoke, runningService } from './invoke.js';
import { commandLogger, commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, type CentralCommand } from './command.js';

/**
 * `booth-central collect`: the pull scheduler in this process until SIGTERM/SIGINT (a second
 * collector beside the service, on a shared PostgreSQL); `--once` pulls every booth (or
 * `--booth ID`) now and exits: 0 all pulled, 3 some failed.
 */
export const collectCommand: CentralCommand = {
  name: 'collect',
  summary: 'pull results from the booths: once (--once, --booth ID) or as a scheduler until stopped',
  usage: 'booth-central collect [--once] [--booth ID] [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, {
      ...commonOptions,
      once: { type: 'boolean', default: false },
      booth: { type: 'string' },
    });
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const { config } = loaded;
    const log = commandLogger(config, values.json ? 'warn' : undefined);
    if (values.once || values.booth) {
      const r = await invoke(collectOp, values.booth ? { boothId: values.booth } : {}, { config, log });
      if (values.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        for (const b of r.booths)
          process.stdout.write(
            b.ok && b.outcome
              ? `${b.boothId}: ${b.outcome.stored} stored, ${b.outcome.duplicates} duplicate, ${b.outcome.rejected} rejected, ${b.outcome.blobs} blob(s); ledger up to seq ${b.outcome.lastSeq}\n`
              : `${b.boothId}: FAILED ${b.error ?? ''}\n`,
          );
      return r.booths.every((b) => b.ok) ? EXIT.ok : EXIT.problems;
    }
    // The embedded database has one owner: beside a running service, it already collects.
    if (!config.databaseUrl && (await runningService(config))) {
      process.stderr.write('booth-central collect: the running service already collects (use --once to pull now)\n');
      return EXIT.failure;
    }
    const release = config.databaseUrl ? null : await acquireLock(`${config.dataDir}/central.lock`);
    const ctx = await openContext(config, log);
    const collector = new Collector(ctx);
    try {
      collector.start();
      log.info({ database: ctx.db.describe }, 'collecting');
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
    } finally {
      await collector.stop();
      await ctx.close();
      await release?.();
    }
    return EXIT.ok;
  },
};
