import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyPdf } from '../../../protocol/pdf/verify.js';
import { compileValidator } from '../../../protocol/validate.js';
import { SignPayloadSchema } from '../../../protocol/records/payloads.js';
import { storePaths } from '../../../device/store/layout.js';
import type { SealPausePoint } from '../../../device/visit/seal-journal.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { BOOTH_ID, fixturesDir, sealRig, type SealRig } from './seal-rig.js';

/**
 * "No signature in a PDF without a record": a booth process is killed (SIGKILL) in the middle
 * of a seal, after its intent was journaled, before or after the revision was written, and never
 * got to commit the sign record. The next start finishes the record when the revision exists
 * and verifies, or sets the revision aside and reports it when it does not.
 */
let rig: SealRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** Runs the child (test/fixtures/visit/seal-crash.mjs) until it pauses at `point`, then kills it. */
async function crashAt(dataDir: string, point: SealPausePoint): Promise<void> {
  const child = spawn(process.execPath, ['test/fixtures/visit/seal-crash.mjs', dataDir, BOOTH_ID, fixturesDir], {
    env: { ...process.env, BOOTH_TEST_SEAL_PAUSE: point },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes(`seal paused: ${point}`)) resolve();
    });
    void exited.then(() => reject(new Error(`the child ended before pausing at ${point}: ${err}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

/** Sets up a package and the escrow key for the child, kills it at `point`, restarts the rig's store. */
async function crashedSeal(r: SealRig, point: SealPausePoint, between?: () => Promise<void>): Promise<SessionPackage> {
  const pkg = await r.pkg('2026-12-07');
  await writeFile(join(r.dataDir, 'pkg.json'), JSON.stringify(pkg));
  await writeFile(join(r.dataDir, 'escrow.pem'), r.escrow.publicKey.export({ type: 'spki', format: 'pem' }));
  await r.restart(async () => {
    await crashAt(r.dataDir, point);
    await between?.();
  });
  return pkg;
}

/** Every sealed revision in the store is named by a sign record (the revisions kept apart are not in it). */
async function everyRevisionHasARecord(r: SealRig): Promise<void> {
  const named = new Set(
    (await r.records('sign')).flatMap((s) => (s.payload.documents as { blob: string | null }[]).map((d) => d.blob)),
  );
  const blobs = storePaths(r.dataDir).blobs;
  for (const sub of await readdir(blobs).catch(() => []))
    for (const id of await readdir(join(blobs, sub))) if (id.startsWith('h-')) expect(named.has(id), id).toBe(true);
}

const events = (r: SealRig) => r.log.events.map((e) => e.name).filter((n) => n.startsWith('seal.'));

describe('a crash between sealing and the sign record', { timeout: 60_000 }, () => {
  it('after the revision was written: the next start finishes the record from the intent (recovered)', async () => {
    rig = await sealRig();
    const r = rig;
    expect(await r.records()).toEqual([]);
    const pkg = await crashedSeal(r, 'after-revisions');

    expect(r.recovered).toEqual([
      {
        signId: '01JECRASH00000000000000001',
        outcome: 'recovered',
        revisions: [expect.objectContaining({ documentId: 'report', state: 'ok' })],
      },
    ]);
    const [intent] = (await r.records('audit')).filter((x) => x.payload.event === 'seal.intent');
    const [sign] = await r.records('sign');
    expect(sign?.payload).toMatchObject({
      signId: '01JECRASH00000000000000001',
      expertId: 'EXP-1001',
      recovered: { intentId: intent?.id },
    });
    compileValidator(SignPayloadSchema).parse(structuredClone(sign?.payload), 'recovered sign payload');
    expect((await r.records('audit')).map((x) => x.payload.event)).toEqual(['seal.intent', 'seal.resolved']);
    expect(events(r)).toEqual(['seal.recovered']);
    const doc = (sign?.payload.documents as { blob: string; sha256After: string }[])[0]!;
    expect(verifyPdf(await r.store.getBlob(doc.blob)).ok).toBe(true);

    // The recovered revision is the working copy: the next expert stamps on it.
    const b = await r.sign(pkg, 'b');
    expect(b.documents[0]?.sha256Before).toBe(doc.sha256After);
    await everyRevisionHasARecord(r);
    // Resolved once: another restart changes nothing.
    await r.restart();
    expect(r.recovered).toEqual([]);
  });

  it('a revision that does not verify is orphaned: set aside, reported, never a base; no sign record', async () => {
    rig = await sealRig();
    const r = rig;
    const pkg = await crashedSeal(r, 'after-revisions', async () => {
      // The revision the crashed process wrote (the one plain blob) is damaged before the restart.
      const blobs = storePaths(r.dataDir).blobs;
      const paths = [];
      for (const sub of await readdir(blobs))
        for (const id of await readdir(join(blobs, sub))) if (id.startsWith('h-')) paths.push(join(blobs, sub, id));
      expect(paths).toHaveLength(1);
      const bytes = await readFile(paths[0]!);
      bytes.writeUInt8(bytes.readUInt8(bytes.length - 200) ^ 0x20, bytes.length - 200);
      await writeFile(paths[0]!, bytes);
    });
    expect(r.recovered).toEqual([
      expect.objectContaining({
        outcome: 'orphaned',
        revisions: [expect.objectContaining({ state: 'damaged', path: expect.stringContaining('/orphans/h-') })],
      }),
    ]);
    expect(await r.records('sign')).toEqual([]);
    const orphaned = (await r.records('audit')).find((x) => x.payload.event === 'seal.orphaned');
    expect(orphaned?.payload).toMatchObject({
      signId: '01JECRASH00000000000000001',
      revisions: [{ documentId: 'report', state: 'damaged' }],
    });
    expect(events(r)).toEqual(['seal.orphaned']);
    expect(r.warnings.join('\n')).toMatch(/could not be finished/);
    expect((await readdir(storePaths(r.dataDir).orphans)).length).toBe(1);

    // The next seal starts from the published original, not from the orphan.
    const again = await r.sign(pkg, 'a');
    expect(again.documents[0]?.sha256Before).toBe(pkg.projects[0]!.documents[0]!.sha256);
    await everyRevisionHasARecord(r);
  });

  it('before any revision was written: the intent is orphaned with nothing to set aside', async () => {
    rig = await sealRig();
    const r = rig;
    await crashedSeal(r, 'after-intent');
    expect(r.recovered).toEqual([
      expect.objectContaining({
        outcome: 'orphaned',
        revisions: [expect.objectContaining({ state: 'missing', path: null })],
      }),
    ]);
    expect(await r.records('sign')).toEqual([]);
    await everyRevisionHasARecord(r);
  });
});
