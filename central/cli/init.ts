import { initKeys } from '../pki/keys.js';
import { openDatabase } from '../db/open.js';
import { commonOptions, configOrExit, parseWith } from './args.js';
import { EXIT, type CentralCommand } from './command.js';

/**
 * `booth-central init`: the centre's CA, session-signing key, escrow key, the server and puller
 * certificates and the admin token (0600 files under <dataDir>/keys; nothing is printed but
 * their names and the CA fingerprint), then the database schema. Safe to run again: an
 * existing key is kept (booths pinned it); a server certificate is reissued when
 * config server.names changed.
 */
export const initCommand: CentralCommand = {
  name: 'init',
  summary: 'create the CA, the session and escrow keys and the database schema (idempotent)',
  usage: 'booth-central init [--config FILE] [--data-dir DIR] [--json]',
  async run(argv) {
    const { values } = parseWith(argv, commonOptions);
    const loaded = await configOrExit(values);
    if ('exit' in loaded) return loaded.exit;
    const { config } = loaded;
    const { created } = await initKeys(config.dataDir, {
      centreName: config.centre.name,
      serverNames: config.server.names,
    });
    const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    const database = db.describe;
    await db.close();
    const { X509Certificate } = await import('node:crypto');
    const { readFile } = await import('node:fs/promises');
    const { centralPaths } = await import('../data-dir.js');
    const ca = new X509Certificate(await readFile(centralPaths(config.dataDir).caCert));
    const out = { dataDir: config.dataDir, created, database, caFingerprint256: ca.fingerprint256 };
    if (values.json) process.stdout.write(`${JSON.stringify(out)}\n`);
    else
      process.stdout.write(
        [
          `data dir: ${config.dataDir}`,
          created.length ? `created: ${created.join(', ')}` : 'keys: all present (nothing replaced)',
          `database: ${database} (schema up to date)`,
          `CA fingerprint (SHA-256): ${ca.fingerprint256}`,
          'give booths keys/ca.cert.pem (installation stick) and an enrollment token: booth-central token issue --booth ID',
        ].join('\n') + '\n',
      );
    return EXIT.ok;
  },
};
