import { createHash, X509Certificate } from 'node:crypto';
import { mkdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { verifyPdf } from '../../protocol/pdf/verify.js';
import type { CentralContext } from '../context.js';
import { recordProblem } from './problems.js';
import { jsonParam } from '../db/nul.js';

/**
 * Verification of the sealed PDF revisions named by stored sign records, as an archive
 * verifier would before trusting them:
 *  - every signature intact and the last one covering the whole file (protocol/pdf/verify.ts);
 *  - the SHA-256 of the bytes is the record's sha256After;
 *  - the revision chain starts from the published original: sha256Before is the document the
 *    package published (table package_documents; else the record's sha256Published) or the
 *    sha256After of an earlier, valid revision of the same package and document, and the file
 *    starts with the bytes of that earlier file (an incremental update appends, never rewrites);
 *  - every signature added after that earlier file is made with a certificate enrolled for
 *    this booth, issued by the centre's CA.
 * The result goes to sealed_pdfs (valid / flagged + problems). A flagged file is moved to
 * <dataDir>/quarantine (kept apart, never served as evidence) and a problem is recorded; the
 * sign record stays stored: it is authentic evidence of what the booth did.
 *
 * Runs after the transaction that stored the sign records (a PDF can be large: no chain lock is
 * held meanwhile), for the records whose flag `pdfs_pending` is set; a crash in between leaves
 * the flag and the next sweep finishes. Two processes may check the same file: the first to
 * write the sealed_pdfs row wins, the other's work is dropped.
 */
interface SignedDoc {
  documentId: string;
  sha256Published: string;
  sha256Before: string;
  sha256After: string;
  blob: string | null;
}

interface PendingFact {
  booth_id: string;
  seq: number;
  sign_id: string;
  package_id: string;
  package_version: number;
  project_id: string;
  documents: SignedDoc[];
}

export interface RevisionCheck {
  blobId: string;
  sha256: string;
  status: 'valid' | 'flagged';
  problems: string[];
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Where a flagged revision is kept apart. */
export function quarantinePath(ctx: CentralContext, blobId: string): string {
  return join(ctx.paths.quarantine, `${blobId}.pdf`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The blob's bytes, wherever they are (a flagged one is in quarantine). */
async function blobBytes(ctx: CentralContext, blobId: string): Promise<Buffer | null> {
  for (const path of [ctx.blobs.pathOf(blobId), quarantinePath(ctx, blobId)]) {
    try {
      return await readFile(path);
    } catch {
      // next place
    }
  }
  return null;
}

/**
 * The length of the prefix of `bytes` whose SHA-256 is `want`, or null. The earlier file's
 * bytes, when the central holds them (published PDF or an earlier sealed revision, both named
 * h-<sha256>), give the length; otherwise every end of an incremental-update section (%%EOF and
 * an optional end of line) is a candidate, hashed in one pass.
 */
async function prefixOf(ctx: CentralContext, bytes: Buffer, want: string): Promise<number | null> {
  const earlier = await blobBytes(ctx, `h-${want}`);
  if (earlier && sha256(earlier) === want)
    return earlier.length <= bytes.length && bytes.subarray(0, earlier.length).equals(earlier) ? earlier.length : null;
  const h = createHash('sha256');
  let pos = 0;
  const marker = Buffer.from('%%EOF');
  for (let at = bytes.indexOf(marker); at >= 0; at = bytes.indexOf(marker, at + marker.length)) {
    const ends = [at + 5];
    if (bytes[at + 5] === 0x0d) ends.push(at + 6, ...(bytes[at + 6] === 0x0a ? [at + 7] : []));
    else if (bytes[at + 5] === 0x0a) ends.push(at + 6);
    for (const end of ends) {
      if (end > bytes.length) break;
      h.update(bytes.subarray(pos, end));
      pos = end;
      if (h.copy().digest('hex') === want) return end;
    }
  }
  return null;
}

function chainsTo(cert: X509Certificate, ca: X509Certificate): boolean {
  try {
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** Checks one sealed revision; 'defer' when the revision it builds on is itself not checked yet. */
export async function checkRevision(
  ctx: CentralContext,
  fact: PendingFact,
  doc: SignedDoc & { blob: string },
): Promise<RevisionCheck | 'defer'> {
  const bytes = await blobBytes(ctx, doc.blob);
  if (!bytes) return 'defer';
  const problems: string[] = [];
  const digest = sha256(bytes);
  if (digest !== doc.sha256After) problems.push(`SHA-256 of the file (${digest}) is not the record's sha256After`);
  const report = verifyPdf(bytes);
  for (const s of report.signatures)
    if (!s.intact) problems.push(`signature #${s.index} is broken: ${s.problems.join('; ') || 'does not verify'}`);
  if (report.signatures.length === 0) problems.push('the file carries no signature');
  else if (report.unsignedTailBytes > 0)
    problems.push(`${report.unsignedTailBytes} bytes after the last intact signature are not signed`);

  // Where the revision chain starts: the published document, or an earlier valid revision.
  const published = await ctx.db.query<{ sha256: string }>(
    `SELECT sha256 FROM package_documents WHERE package_id = $1 AND version = $2 AND project_id = $3
        AND document_id = $4`,
    [fact.package_id, fact.package_version, fact.project_id, doc.documentId],
  );
  const publishedSha = published.rows[0]?.sha256 ?? null;
  if (publishedSha && publishedSha !== doc.sha256Published)
    problems.push(
      `sha256Published ${doc.sha256Published} is not the document published in ${fact.package_id} v${fact.package_version} (${publishedSha})`,
    );
  let fromOrigin = doc.sha256Before === (publishedSha ?? doc.sha256Published);
  if (!fromOrigin) {
    const earlier = await ctx.db.query<{ status: string }>(
      `SELECT status FROM sealed_pdfs WHERE package_id = $1 AND project_id = $2 AND document_id = $3 AND sha256 = $4`,
      [fact.package_id, fact.project_id, doc.documentId, doc.sha256Before],
    );
    fromOrigin = earlier.rows.some((e) => e.status === 'valid');
    if (!fromOrigin && earlier.rows.length === 0) {
      // Built on a revision whose own check has not run yet (another process, or later in this sweep).
      const pending = await ctx.db.query(
        `SELECT 1 FROM sign_facts f, jsonb_array_elements(f.documents) d
          WHERE f.booth_id = $1 AND f.seq < $2 AND f.pdfs_pending AND f.package_id = $3 AND f.project_id = $4
            AND d->>'documentId' = $5 AND d->>'sha256After' = $6 LIMIT 1`,
        [fact.booth_id, fact.seq, fact.package_id, fact.project_id, doc.documentId, doc.sha256Before],
      );
      if (pending.rowCount > 0) return 'defer';
    }
  }
  if (!fromOrigin)
    problems.push(
      `does not start from the published original: sha256Before ${doc.sha256Before} is neither the published document nor an earlier valid revision of ${fact.package_id}/${fact.project_id}/${doc.documentId}`,
    );
  const cut = await prefixOf(ctx, bytes, doc.sha256Before);
  if (cut === null)
    problems.push(`the file does not start with the bytes of ${doc.sha256Before} (not an incremental update of it)`);

  // Every signature added by this revision: the booth's enrolled certificate, from the centre's CA.
  const added = report.signatures.filter((s) => s.revisionEnd > (cut ?? 0));
  if (report.signatures.length > 0 && added.length === 0) problems.push('no signature was added by this revision');
  if (added.length > 0) {
    const certs = await ctx.db.query<{ cert_pem: string }>(
      'SELECT cert_pem FROM booth_certificates WHERE booth_id = $1',
      [fact.booth_id],
    );
    const ca = new X509Certificate(ctx.keys.ca.certPem);
    const enrolled = new Map(
      certs.rows.map((c) => {
        const x = new X509Certificate(c.cert_pem);
        return [x.fingerprint256, x] as const;
      }),
    );
    for (const s of added) {
      const cert = s.signerFingerprint256 ? enrolled.get(s.signerFingerprint256) : undefined;
      if (!cert)
        problems.push(
          `signature #${s.index} (${s.subject ?? '?'}): not a certificate enrolled for booth ${fact.booth_id}`,
        );
      else if (!chainsTo(cert, ca)) problems.push(`signature #${s.index}: certificate not issued by the centre's CA`);
    }
  }
  return { blobId: doc.blob, sha256: digest, status: problems.length ? 'flagged' : 'valid', problems };
}

/** Moves a flagged file out of the blob store (idempotent: a crash before the move is repaired by the next sweep). */
async function quarantine(ctx: CentralContext, blobId: string): Promise<void> {
  const from = ctx.blobs.pathOf(blobId);
  if (!(await exists(from))) return;
  await mkdir(ctx.paths.quarantine, { recursive: true, mode: 0o700 });
  await rename(from, quarantinePath(ctx, blobId));
}

/**
 * Checks the sealed revisions of stored sign records not checked yet (of one booth, or all),
 * in chain order. Returns how many files were checked and flagged.
 */
export async function verifyPendingPdfs(
  ctx: CentralContext,
  o: { boothId?: string } = {},
): Promise<{ checked: number; flagged: number }> {
  let checked = 0;
  let flagged = 0;
  const skip = new Set<string>();
  for (;;) {
    const facts = await ctx.db.query<PendingFact>(
      `SELECT booth_id, seq, sign_id, package_id, package_version, project_id, documents FROM sign_facts
        WHERE pdfs_pending AND ($1::text IS NULL OR booth_id = $1) ORDER BY booth_id, seq LIMIT 100`,
      [o.boothId ?? null],
    );
    const todo = facts.rows.filter((f) => !skip.has(`${f.booth_id}/${f.seq}`));
    if (todo.length === 0) break;
    let progress = false;
    for (const fact of todo) {
      const checks: RevisionCheck[] = [];
      let deferred = false;
      for (const doc of fact.documents) {
        if (!doc.blob) continue;
        const c = await checkRevision(ctx, fact, doc as SignedDoc & { blob: string });
        if (c === 'defer') {
          deferred = true;
          break;
        }
        checks.push(c);
      }
      if (deferred) {
        skip.add(`${fact.booth_id}/${fact.seq}`);
        continue;
      }
      progress = true;
      const now = new Date(ctx.clock.now());
      const inserted = await ctx.db.tx(async (q) => {
        const still = await q.query(
          'SELECT 1 FROM sign_facts WHERE booth_id = $1 AND seq = $2 AND pdfs_pending FOR UPDATE',
          [fact.booth_id, fact.seq],
        );
        if (still.rowCount === 0) return [] as RevisionCheck[];
        const mine: RevisionCheck[] = [];
        for (const c of checks) {
          const doc = fact.documents.find((d) => d.blob === c.blobId) as SignedDoc;
          const r = await q.query(
            `INSERT INTO sealed_pdfs (blob_id, sha256, booth_id, seq, sign_id, package_id, project_id, document_id,
               status, problems, checked_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11) ON CONFLICT (blob_id) DO NOTHING`,
            [
              c.blobId,
              c.sha256,
              fact.booth_id,
              fact.seq,
              fact.sign_id,
              fact.package_id,
              fact.project_id,
              doc.documentId,
              c.status,
              jsonParam(c.problems),
              now,
            ],
          );
          if (r.rowCount === 0 || c.status !== 'flagged') continue;
          mine.push(c);
          await q.query('UPDATE blobs SET quarantined = true WHERE id = $1', [c.blobId]);
          await recordProblem(q, {
            boothId: fact.booth_id,
            seq: fact.seq,
            kind: 'sealed-pdf',
            detail: `sealed PDF ${c.blobId} of ${fact.project_id}/${doc.documentId} flagged and kept apart: ${c.problems.join('; ')}`,
          });
        }
        await q.query('UPDATE sign_facts SET pdfs_pending = false WHERE booth_id = $1 AND seq = $2', [
          fact.booth_id,
          fact.seq,
        ]);
        return mine;
      });
      for (const c of inserted) await quarantine(ctx, c.blobId);
      checked += checks.length;
      flagged += checks.filter((c) => c.status === 'flagged').length;
    }
    if (!progress && todo.length < 100) break;
  }
  // A crash between the commit and the move left a flagged file in the store: move it now.
  if (!o.boothId) {
    const q = await ctx.db.query<{ id: string }>('SELECT id FROM blobs WHERE quarantined');
    for (const { id } of q.rows) await quarantine(ctx, id);
  }
  return { checked, flagged };
}
