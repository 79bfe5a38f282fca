import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { access } from 'node:fs/promises';
import { appendBlob, blobStatus } from '../../central/collect/blob-ledger.js';
import { ingestBatch } from '../../central/collect/ingest.js';
import { quarantinePath } from '../../central/collect/sealed-pdf.js';
import { createSelfSignedCertificate } from '../../protocol/crypto/x509.js';
import { createPublicKey } from 'node:crypto';
import { sealedChain, signPayload, type SealedRevision, type SampleContext } from '../../bench/central-samples.js';
import { makeReport } from '../../bench/documents-samples.js';
import { BACKENDS } from './helpers/db.js';
import { TestBooth, testContext, type TestContext } from './helpers/collect.js';

/**
 * Sealed PDF revisions named by sign records, made by the booth's own sealing code
 * (device/documents stampAndSeal) with its enrolled key and certificate: a chain from the
 * published original verifies; a revision stamped on another file, a record lying about what
 * it was stamped on, or a signature by a certificate the centre did not enroll is flagged,
 * kept apart in <dataDir>/quarantine, and reported; the sign record stays stored.
 */
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe.each(BACKENDS)('sealed PDFs on %s', (backend) => {
  let t: TestContext;
  let b: TestBooth;
  let c: SampleContext;
  let good: { published: Buffer; revisions: SealedRevision[] };
  let elsewhere: { published: Buffer; revisions: SealedRevision[] };
  let selfSigned: SealedRevision;

  beforeAll(async () => {
    t = await testContext(backend);
    b = await TestBooth.create(t.ctx, `pdf-${backend}`);
    c = { boothId: b.id, packageId: `2026-12-07.${b.id}`, dayStart: Date.UTC(2026, 11, 7, 1) };
    good = await sealedChain(b.enrolled, { signers: 2 });
    // The same booth, but on another file (what the booth's old working-copy defect produced).
    elsewhere = await sealedChain(b.enrolled, { signers: 1, published: Buffer.from(await makeReport(2)) });
    const pub = createPublicKey(b.enrolled.keyPem).export({ type: 'spki', format: 'pem' }).toString();
    const ownCert = await createSelfSignedCertificate({
      subject: `CN=${b.id}`,
      keys: { privateKeyPem: b.enrolled.keyPem, publicKeyPem: pub },
      days: 10,
      profile: 'signing',
    });
    const chain = await sealedChain(
      { keyPem: b.enrolled.keyPem, certPem: ownCert },
      { signers: 1, published: good.published },
    );
    selfSigned = chain.revisions[0] as SealedRevision;
    // The package as published: its document is the original of `good`.
    await t.ctx.db.query(
      `INSERT INTO packages (package_id, version, booth_id, date, sha256, size, body, unlock_at, expires_at)
       VALUES ($1, 1, $2, '2026-12-07', $3, 1, '\\x00', now(), now())`,
      [c.packageId, b.id, '0'.repeat(64)],
    );
    await t.ctx.db.query(
      `INSERT INTO package_documents (package_id, version, project_id, document_id, sha256) VALUES ($1, 1, 'P-2026-001', 'report', $2)`,
      [c.packageId, sha256(good.published)],
    );
  }, 60_000);
  afterAll(async () => {
    await b?.cleanup();
    await t?.close();
  });

  async function upload(r: SealedRevision) {
    const half = Math.floor(r.pdf.length / 2);
    await appendBlob(t.ctx, r.blob, 0, r.pdf.length, r.pdf.subarray(0, half));
    await appendBlob(t.ctx, r.blob, half, r.pdf.length, r.pdf.subarray(half));
  }

  async function sign(docs: Omit<SealedRevision, 'pdf'>[]) {
    const i = b.records.length;
    b.add('sign', signPayload(c, i, docs, { projectId: 'P-2026-001', seat: i + 1 }));
    const r = await ingestBatch(t.ctx, {
      boothId: b.id,
      certSerial: b.enrolled.serial,
      signed: b.batch(i),
      via: 'push',
    });
    expect(r.acks).toEqual([{ seq: i + 1, id: b.records[i]?.id, status: 'stored' }]);
    return i + 1;
  }

  async function pdfRow(blob: string) {
    const r = await t.ctx.db.query<{ status: string; problems: string[]; seq: number }>(
      'SELECT status, problems, seq FROM sealed_pdfs WHERE blob_id = $1',
      [blob],
    );
    return r.rows[0];
  }

  it('a chain of revisions from the published original verifies', async () => {
    for (const r of good.revisions) {
      await upload(r);
      await sign([r]);
      expect(await pdfRow(r.blob)).toMatchObject({ status: 'valid', problems: [] });
    }
    expect(await exists(t.ctx.blobs.pathOf(good.revisions[1]?.blob ?? ''))).toBe(true);
  });

  it('a revision that does not start from the published original is flagged, kept apart, reported', async () => {
    const r = elsewhere.revisions[0] as SealedRevision;
    await upload(r);
    // It names the package's document as published, and the file it was really stamped on.
    const seq = await sign([{ ...r, sha256Published: sha256(good.published) }]);
    const row = await pdfRow(r.blob);
    expect(row).toMatchObject({ status: 'flagged', seq });
    expect(row?.problems.join(' ')).toMatch(/does not start from the published original/);
    expect(await exists(t.ctx.blobs.pathOf(r.blob))).toBe(false);
    expect(await exists(quarantinePath(t.ctx, r.blob))).toBe(true);
    expect((await blobStatus(t.ctx, r.blob)).complete).toBe(true); // held: the booth does not send it again
    const p = await t.ctx.db.query('SELECT kind, seq FROM problems WHERE booth_id = $1 AND kind = $2', [
      b.id,
      'sealed-pdf',
    ]);
    expect(p.rows).toContainEqual({ kind: 'sealed-pdf', seq });
    const rec = await t.ctx.db.query('SELECT status FROM records WHERE booth_id = $1 AND seq = $2', [b.id, seq]);
    expect(rec.rows).toEqual([{ status: 'stored' }]);
  });

  it('a record claiming the published original for bytes stamped on another file is flagged', async () => {
    // A fresh revision on `elsewhere`'s original, claimed to be built on the published one.
    const other = await sealedChain(b.enrolled, { signers: 1, published: elsewhere.published, documentId: 'report' });
    const r = { ...(other.revisions[0] as SealedRevision), sha256Published: sha256(good.published) };
    r.sha256Before = r.sha256Published;
    await upload(r);
    await sign([r]);
    const row = await pdfRow(r.blob);
    expect(row?.status).toBe('flagged');
    expect(row?.problems.join(' ')).toMatch(/does not start with the bytes/);
  });

  it('a signature by a certificate the centre did not enroll is flagged', async () => {
    await upload(selfSigned);
    await sign([selfSigned]);
    const row = await pdfRow(selfSigned.blob);
    expect(row?.status).toBe('flagged');
    expect(row?.problems.join(' ')).toMatch(/not a certificate enrolled for booth/);
  });
});
