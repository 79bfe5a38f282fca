import type { Command } from '../cli/command.js';
import { EXIT } from '../cli/command.js';
import { configOptions, configOrExit, parseWith } from '../cli/config-args.js';
import { EventBus } from '../core/events.js';
import { toBoothError } from '../../protocol/errors.js';
import { systemClock } from '../hardware/system-clock.js';
import { storePaths } from './layout.js';
import { DataDir } from './data-dir.js';
import { boothIdOfDataDir } from '../crypto/identity.js';
import { JournalRecordStore } from './record-store.js';
import { openStateFile } from './state-file.js';
import { Type } from '@sinclair/typebox';

/** The parts of sync's state an operator wants to see (the rest is sync's business). */
const SyncStateView = Type.Object(
  {
    ackedSeq: Type.Integer(),
    deadLetters: Type.Array(Type.Object({ seq: Type.Integer(), id: Type.String(), reason: Type.String() })),
  },
  { additionalProperties: true },
);

/**
 * `booth store verify`: reads the booth id from the data directory (certificate, else site record;
 * the config's id only when it holds neither), opens the journal like the booth does (recovery included: a torn tail is
 * cut, a corrupt segment quarantined), then checks every record's hash, signature and link, and
 * reports the sync cursor and dead letters. Takes the data-directory lock, so it refuses to run
 * beside a running booth. Exit 0 when everything verifies, 1 otherwise.
 */
export const storeCommand: Command = {
  name: 'store',
  summary: 'store verify: recover the journal and verify every record (hash, signature, chain); sync cursor',
  usage: 'booth store verify [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values, positionals } = parseWith(argv, configOptions, true);
    if (positionals[0] !== 'verify' || positionals.length !== 1) {
      process.stderr.write(`usage: ${this.usage}\n`);
      return EXIT.usage;
    }
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const { config } = loaded;
    // The records were signed with the id of the booth whose data this is, not this config's.
    const found = await boothIdOfDataDir(config.dataDir);
    const boothId = found?.id ?? config.booth.id;
    const dataDir = new DataDir(config.dataDir);
    const store = new JournalRecordStore({
      dataDir: config.dataDir,
      boothId,
      config: config.store,
      clock: systemClock,
      bus: new EventBus(),
    });
    try {
      await dataDir.open();
      await store.start();
      const problems = await store.verify();
      const sync = await openStateFile(storePaths(config.dataDir).syncState, SyncStateView, () => ({
        ackedSeq: 0,
        deadLetters: [],
      }));
      const report = {
        ok: problems.length === 0 && !store.fault,
        boothId: { id: boothId, source: found?.source ?? 'config' },
        records: { first: store.firstSeq, last: store.lastSeq },
        recovery: store.recovery,
        fault: store.fault,
        problems,
        sync: { ackedSeq: sync.db.data.ackedSeq, deadLetters: sync.db.data.deadLetters },
      };
      if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
      else {
        const lines = [
          `booth: ${boothId} (from ${report.boothId.source})`,
          `journal: records ${report.records.first}..${report.records.last}, ${store.recovery?.segments ?? 0} segments`,
          `recovery: ${store.recovery?.tornBytes ? `cut a torn tail of ${store.recovery.tornBytes} bytes` : 'clean'}`,
          store.fault ? `FAULT: ${store.fault}` : 'fault: none',
          problems.length
            ? `FAIL: ${problems.length} problems\n  ${problems.slice(0, 20).join('\n  ')}`
            : 'chain: every hash, signature and link verifies',
          `sync: acknowledged up to ${report.sync.ackedSeq}, ${report.sync.deadLetters.length} dead letters`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
      }
      return report.ok ? EXIT.ok : EXIT.failure;
    } catch (err) {
      process.stderr.write(`booth store verify: ${toBoothError(err).message}\n`);
      return EXIT.failure;
    } finally {
      await store.stop().catch(() => undefined);
      await dataDir.close();
    }
  },
};
