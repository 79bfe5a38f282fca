import { afterEach, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { PDFDocument } from '@cantoo/pdf-lib';
import { verifyPdf } from '../../../protocol/pdf/verify.js';
import { compileValidator } from '../../../protocol/validate.js';
import { SignPayloadSchema, type SignPayload } from '../../../protocol/records/payloads.js';
import { openEscrow } from '../../../protocol/escrow.js';
import { demoReport } from '../../../device/session/demo.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { attachments } from '../documents/helpers.js';
import { sealRig, type SealRig } from './seal-rig.js';

/**
 * The working copy of a document belongs to its package and its published sha256: the next
 * expert stamps the latest revision of THIS package (from the committed sign records, also after
 * a restart), and a later package reusing the project and document ids, or a corrected PDF,
 * starts from its own published original. Sealed revisions are store blobs named by the records.
 */
let rig: SealRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const validSign = compileValidator(SignPayloadSchema);

async function revision(r: SealRig, blob: string | null): Promise<Buffer> {
  expect(blob).toMatch(/^h-[0-9a-f]{64}$/);
  return r.store.getBlob(blob ?? '');
}

/** The package with its report replaced by another PDF (a corrected report, published again). */
async function corrected(pkg: SessionPackage): Promise<SessionPackage> {
  const pdf = await demoReport('Evaluation report P-2026-001 (corrected)', 3, 2);
  const copy = structuredClone(pkg);
  copy.version += 1;
  const doc = copy.projects[0]!.documents[0]!;
  doc.bytes = pdf.toString('base64');
  doc.sha256 = sha(pdf);
  return copy;
}

describe('sealing: the working copy belongs to its package and published sha256', { timeout: 60_000 }, () => {
  it('chains revisions within a package (also after a restart), never onto another package or PDF', async () => {
    rig = await sealRig();
    const r = rig;
    const day1 = await r.pkg('2026-12-07');
    const published = day1.projects[0]!.documents[0]!.sha256;
    const original = Buffer.from(day1.projects[0]!.documents[0]!.bytes!, 'base64');

    const a = await r.sign(day1, 'a');
    expect(a.documents).toEqual([
      expect.objectContaining({ documentId: 'report', sha256Published: published, sha256Before: published }),
    ]);
    const b = await r.sign(day1, 'b', 'dissent');
    expect(b.documents[0]?.sha256Before).toBe(a.documents[0]?.sha256After);
    const bPdf = await revision(r, b.documents[0]!.blob);
    expect(sha(bPdf)).toBe(b.documents[0]?.sha256After);
    expect(verifyPdf(bPdf)).toMatchObject({ ok: true, signatures: [{ intact: true }, { intact: true }] });

    // The next day's package reuses the project and document ids (and here even the same PDF).
    const day2 = await r.pkg('2026-12-08');
    expect(day2.packageId).not.toBe(day1.packageId);
    const next = await r.sign(day2, 'a');
    expect(next.documents[0]).toMatchObject({ sha256Published: published, sha256Before: published });
    const nextPdf = await revision(r, next.documents[0]!.blob);
    expect(verifyPdf(nextPdf).signatures).toHaveLength(1);
    expect(nextPdf.subarray(0, original.length).equals(original)).toBe(true);

    // A corrected PDF in a new version of the same package starts from the new original.
    const fixed = await corrected(day1);
    const onFixed = await r.sign(fixed, 'a');
    expect(onFixed.documents[0]).toMatchObject({
      sha256Published: fixed.projects[0]!.documents[0]!.sha256,
      sha256Before: fixed.projects[0]!.documents[0]!.sha256,
    });

    // After a restart the working copy of day 1's report is still B's revision. A already
    // stamped it: a second stamp needs a staff override (issue 16), then it is a new revision.
    await r.restart();
    await expect(r.sign(day1, 'a')).rejects.toMatchObject({ code: 'BOOTH_ERR_SEAT_STAMPED' });
    const again = await r.sign(day1, 'a', 'sign', 'staff-01');
    expect(again.documents[0]?.sha256Before).toBe(b.documents[0]?.sha256After);
    expect(verifyPdf(await revision(r, again.documents[0]!.blob)).signatures).toHaveLength(3);

    // Every sign record is what the central server accepts, and its sha256Before is the published
    // PDF or the sha256After of an earlier record of the same package and document.
    const signs = (await r.records('sign')).map((x) => x.payload as unknown as SignPayload);
    expect(signs).toHaveLength(5);
    const seen = new Map<string, Set<string>>();
    for (const s of signs) {
      validSign.parse(structuredClone(s), 'sign payload');
      for (const d of s.documents) {
        const key = `${s.packageId} ${d.documentId} ${d.sha256Published}`;
        const earlier = seen.get(key) ?? new Set([d.sha256Published]);
        expect(earlier.has(d.sha256Before), `${key}: ${d.sha256Before}`).toBe(true);
        earlier.add(d.sha256After);
        seen.set(key, earlier);
      }
    }
  });

  it('a refusal writes nothing and changes no working copy; the dynamics in the PDF open only with the escrow key', async () => {
    rig = await sealRig();
    const r = rig;
    const pkg = await r.pkg('2026-12-07');
    const a = await r.sign(pkg, 'a');
    const refused = await r.sign(pkg, 'b', 'refuse');
    expect(refused.documents[0]).toMatchObject({
      blob: null,
      placesStamped: 0,
      sha256Before: a.documents[0]?.sha256After,
      sha256After: a.documents[0]?.sha256After,
    });
    expect((await r.sign(pkg, 'b')).documents[0]?.sha256Before).toBe(a.documents[0]?.sha256After);
    // No intent for a refusal (nothing is written); one for each seal that writes a revision.
    const intents = (await r.records('audit')).filter((x) => x.payload.event === 'seal.intent');
    expect(intents.map((x) => x.payload.signId)).toEqual([a.signId, expect.any(String)]);

    const files = attachments(await PDFDocument.load(await revision(r, a.documents[0]!.blob)));
    const envelope = files.get(`${a.signId}.iso19794-7.escrow.json`);
    expect(envelope).toBeDefined();
    const dynamics = openEscrow(JSON.parse(envelope!.toString('utf8')), r.escrow.privateKey, r.escrow.publicKey);
    const sign = (await r.records('sign'))[0]!.payload as { signature: { dynamicsBlob: string } };
    // The booth's own copy (encrypted at rest) is the same dynamics.
    expect((await r.store.getBlob(sign.signature.dynamicsBlob)).equals(dynamics)).toBe(true);
  });

  it('a sign record that failed to commit is finished before the next seal, so the document never forks', async () => {
    rig = await sealRig();
    const r = rig;
    const pkg = await r.pkg('2026-12-07');
    r.failNextSign();
    await expect(r.sign(pkg, 'a')).rejects.toMatchObject({ code: 'BOOTH_ERR_STORE_FULL' });
    expect(await r.records('sign')).toEqual([]);
    const b = await r.sign(pkg, 'b');
    const [recovered, next] = (await r.records('sign')).map((x) => x.payload);
    expect(recovered).toMatchObject({ expertId: 'EXP-1001', recovered: { intentId: expect.any(String) } });
    expect(next?.signId).toBe(b.signId);
    expect(b.documents[0]?.sha256Before).toBe((recovered?.documents as { sha256After: string }[])[0]?.sha256After);
    expect(r.log.events.map((e) => e.name)).toContain('seal.recovered');
  });

  it('refuses an original that is not the published PDF, and records nothing', async () => {
    rig = await sealRig();
    const pkg = structuredClone(await rig.pkg('2026-12-07'));
    const doc = pkg.projects[0]!.documents[0]!;
    doc.bytes = (await demoReport('Something else', 1, 2)).toString('base64');
    await expect(rig.sign(pkg, 'a')).rejects.toMatchObject({
      code: 'BOOTH_ERR_SESSION_REJECTED',
      details: { reason: 'tampered' },
    });
    expect(await rig.records()).toEqual([]);
  });
});
