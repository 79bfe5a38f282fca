import { open } from 'node:fs/promises';

/** fsync a directory so a rename or a new file in it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
