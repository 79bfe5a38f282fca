import { chown, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `booth provision` runs as root (it writes /etc/booth), the service as user booth. Everything
 * provisioning writes inside the data directory is handed to the data directory's owner (set by
 * tmpfiles/StateDirectory), so the service can read its key. A no-op unless running as root.
 * Returns how many entries changed owner.
 */
export async function adoptDataDirOwner(dataDir: string, subdirs: string[]): Promise<number> {
  if (process.getuid?.() !== 0) return 0;
  const { uid, gid } = await stat(dataDir);
  if (uid === 0) return 0;
  let changed = 0;
  const visit = async (path: string): Promise<void> => {
    const s = await stat(path).catch(() => null);
    if (!s) return;
    if (s.uid !== uid || s.gid !== gid) {
      await chown(path, uid, gid);
      changed += 1;
    }
    if (s.isDirectory()) for (const name of await readdir(path)) await visit(join(path, name));
  };
  for (const sub of subdirs) await visit(join(dataDir, sub));
  return changed;
}
