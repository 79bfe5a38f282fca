import { chmod, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';

/**
 * Node-RED's own file storage (localfilesystem) with private files (issue 15): its writes take
 * the process umask (0644), and `.sessions.json` holds live admin tokens, `flows_cred.json` the
 * flows' credentials. Sessions are written here directly with mode 0600 (atomic, fsync'd); after
 * every other save the files of the userDir are set to 0600. The userDir itself is 0700.
 */
type Storage = Record<string, unknown> & {
  init(settings: { userDir: string }, runtime: unknown): Promise<void>;
  saveSessions(sessions: unknown): Promise<void>;
};

const SAVES = ['saveFlows', 'saveCredentials', 'saveSettings', 'saveLibraryEntry'] as const;

export function privateStorage(userDir: string): Storage {
  const require = createRequire(import.meta.url);
  const nodeRed = require.resolve('node-red');
  const base = createRequire(nodeRed)('@node-red/runtime/lib/storage/localfilesystem') as Storage;
  const storage: Storage = { ...base };
  storage.init = async (settings, runtime) => {
    await chmod(userDir, 0o700);
    await base.init(settings, runtime);
    await privateFiles(userDir);
  };
  storage.saveSessions = async (sessions) => {
    await writeFileDurable(join(userDir, '.sessions.json'), JSON.stringify(sessions), 0o600);
  };
  for (const name of SAVES) {
    const save = base[name] as (...args: unknown[]) => Promise<unknown>;
    storage[name] = async (...args: unknown[]) => {
      const out = await save(...args);
      await privateFiles(userDir);
      return out;
    };
  }
  return storage;
}

/** Every file directly in the userDir (flows, credentials, config, backups) to 0600. */
export async function privateFiles(userDir: string): Promise<void> {
  for (const e of await readdir(userDir, { withFileTypes: true }))
    if (e.isFile()) await chmod(join(userDir, e.name), 0o600).catch(() => undefined);
}
