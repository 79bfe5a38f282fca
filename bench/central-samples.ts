import { Readable, Transform } from 'node:stream';
import { createHash, createPublicKey, X509Certificate } from 'node:crypto';
import { writeFileDurable } from '../protocol/crypto/key-files.js';
import { boothUri } from '../protocol/crypto/booth-id.js';
import { createCsr, issueCertificate } from '../protocol/crypto/x509.js';
import { keyId } from '../protocol/session/keys.js';
import type { Queryable } from '../central/db/db.js';
import { identityPaths, loadOrCreateIdentity } from '../device/crypto/identity.js';
import { stampAndSeal } from '../device/documents/index.js';
import { EventBus } from '../device/core/events.js';
import { storePaths } from '../device/store/layout.js';
import type { JournalRecordStore } from '../device/store/record-store.js';
import { Outbox } from '../device/sync/outbox.js';
import { PullActions } from '../device/sync/pull-actions.js';
import { SignedBlobs } from '../device/sync/signed-blobs.js';
import { buildPullServer } from '../device/sync/pull-server.js';
import { loadSyncTls } from '../device/sync/tls.js';
import { makeReport, makeSignaturePng, placesFor } from './documents-samples.js';

/**
 * Booths and their evidence for the central server's tests and benchmark: a booth identity
 * whose certificate the centre's CA issued (SAN URI urn:booth:<id> only, as enrollment issues
 * it: no host name, no address), its rows in the central inventory, record payloads of the
 * shapes protocol/records/payloads.ts defines, and chains of really sealed PDF revisions.
 */
export interface Ca {
  certPem: string;
  keyPem: string;
}

export interface EnrolledBooth {
  boothId: string;
  certPem: string;
  keyPem: string;
  serial: string;
  publicKeyPem: string;
}

/** The booth's own key gets a certificate from the centre's CA, written where the booth looks for it. */
export async function enrollBooth(ca: Ca, dataDir: string, boothId: string): Promise<EnrolledBooth> {
  const identity = await loadOrCreateIdentity(dataDir, boothId);
  const publicKeyPem = createPublicKey(identity.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  const certPem = await issueCertificate({
    csrPem: await createCsr(`CN=${boothId}`, { privateKeyPem: identity.privateKeyPem, publicKeyPem }),
    caCertPem: ca.certPem,
    caPrivateKeyPem: ca.keyPem,
    days: 30,
    profile: 'client-server',
    subject: `CN=${boothId}`,
    altNames: [boothUri(boothId)],
  });
  const paths = identityPaths(dataDir);
  await writeFileDurable(paths.certificate, certPem, 0o644);
  await writeFileDurable(paths.centralCa, ca.certPem, 0o644);
  const x = new X509Certificate(certPem);
  return {
    boothId,
    certPem,
    keyPem: identity.privateKeyPem,
    serial: x.serialNumber.toUpperCase(),
    publicKeyPem,
  };
}

/** The booth and its certificate in the central inventory (what enrollment records). */
export async function registerBooth(
  db: Queryable,
  b: EnrolledBooth,
  o: { room?: string; pullUrl?: string | null } = {},
): Promise<void> {
  const x = new X509Certificate(b.certPem);
  await db.query(
    `INSERT INTO booths (id, room, pull_url) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET pull_url = EXCLUDED.pull_url`,
    [b.boothId, o.room ?? 'room-1', o.pullUrl ?? null],
  );
  await db.query(
    `INSERT INTO booth_certificates (serial, booth_id, key_id, public_key_pem, cert_pem, fingerprint256, issued_at, not_after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (serial) DO NOTHING`,
    [
      b.serial,
      b.boothId,
      keyId(x.publicKey),
      b.publicKeyPem,
      b.certPem,
      x.fingerprint256,
      new Date(x.validFrom),
      new Date(x.validTo),
    ],
  );
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const iso = (ms: number) => new Date(ms).toISOString();

export interface SealedRevision {
  documentId: string;
  sha256Published: string;
  sha256Before: string;
  sha256After: string;
  placesStamped: number;
  blob: string;
  pdf: Buffer;
}

/**
 * A published document (`pages` pages) and `signers` revisions sealed in turn by the booth's
 * key and certificate, each an incremental update of the one before (what the booth does when
 * experts sign one after the other).
 */
export async function sealedChain(
  booth: { keyPem: string; certPem: string },
  o: { signers: number; pages?: number; documentId?: string; published?: Buffer },
): Promise<{ published: Buffer; revisions: SealedRevision[] }> {
  const pages = o.pages ?? 1;
  const published = o.published ?? Buffer.from(await makeReport(pages));
  const seats = Array.from({ length: o.signers }, (_, i) => String(i + 1));
  const places = seats.flatMap((seat, row) => placesFor(seat, pages, row));
  const revisions: SealedRevision[] = [];
  let pdf = published;
  for (let i = 0; i < o.signers; i++) {
    const r = await stampAndSeal({
      pdf,
      places,
      seat: seats[i] ?? '1',
      signaturePng: makeSignaturePng(120, 40),
      name: `专家${i + 1}`,
      action: 'sign',
      recordId: `S-${i + 1}`,
      project: 'P-2026-001',
      signer: { keyPem: booth.keyPem, certPem: booth.certPem },
      now: new Date(Date.UTC(2026, 11, 7, 2, i)),
    });
    revisions.push({
      documentId: o.documentId ?? 'report',
      sha256Published: sha256(published),
      sha256Before: r.sha256Before,
      sha256After: r.sha256After,
      placesStamped: r.placesStamped,
      blob: `h-${r.sha256After}`,
      pdf: r.pdf,
    });
    pdf = r.pdf;
  }
  return { published, revisions };
}

export interface SampleContext {
  boothId: string;
  packageId: string;
  /** ms: the day's first scheduled sign-in. */
  dayStart: number;
}

/** A sign record payload as the booth writes it (protocol/records/payloads.ts SignPayloadSchema). */
export function signPayload(
  c: SampleContext,
  i: number,
  documents: Omit<SealedRevision, 'pdf'>[] | null,
  o: { action?: 'sign' | 'dissent' | 'refuse'; expertId?: string; projectId?: string; seat?: number } = {},
): Record<string, unknown> {
  const scheduled = c.dayStart + (i % 50) * 60_000;
  const signedIn = scheduled + (i % 7) * 60_000;
  const refused = o.action === 'refuse';
  const doc0 = sha256(Buffer.from(`published ${c.packageId}`));
  return {
    type: 'sign',
    signId: `S-${c.boothId}-${i}`,
    packageId: c.packageId,
    packageVersion: 1,
    boothId: c.boothId,
    visitId: `V-${c.boothId}-${i}`,
    expertId: o.expertId ?? `E-${String(i % 1000).padStart(4, '0')}`,
    projectId: o.projectId ?? `P-2026-${String(i % 20).padStart(3, '0')}`,
    seat: o.seat ?? (i % 5) + 1,
    action: o.action ?? 'sign',
    reason: refused ? '与本项目投标人存在利害关系' : null,
    method: i % 11 === 0 ? 'staff-witness' : 'face',
    consent: { version: '2026-01', accepted: true },
    faceScore: 0.72,
    livenessScore: 0.94,
    attempts: 1 + (i % 3),
    witnessStaffId: i % 11 === 0 ? 'staff-01' : null,
    override: null,
    scheduledSignIn: iso(scheduled),
    signedInAt: iso(signedIn),
    lateMinutes: Math.max(0, Math.floor((signedIn - scheduled) / 60_000)),
    documents: documents?.map(({ documentId, sha256Published, sha256Before, sha256After, placesStamped, blob }) => ({
      documentId,
      sha256Published,
      sha256Before,
      sha256After,
      placesStamped,
      blob,
    })) ?? [
      {
        documentId: 'report',
        sha256Published: doc0,
        sha256Before: doc0,
        sha256After: doc0,
        placesStamped: 0,
        blob: null,
      },
    ],
    signature: refused ? null : { samples: 812, strokes: 9, dynamicsBlob: `k-${sha256(Buffer.from(`dyn ${i}`))}` },
    times: { visitStartedAt: iso(signedIn - 90_000), verifiedAt: iso(signedIn), sealedAt: iso(signedIn + 45_000) },
  };
}

export function visitPayload(c: SampleContext, i: number): Record<string, unknown> {
  const started = c.dayStart + (i % 50) * 60_000;
  return {
    type: 'visit',
    visitId: `V-${c.boothId}-${i}`,
    packageId: c.packageId,
    boothId: c.boothId,
    outcome: i % 13 === 0 ? 'face_rejected' : 'signed',
    method: 'face',
    consent: { version: '2026-01', accepted: true },
    attempts: 1 + (i % 3),
    expertId: `E-${String(i % 1000).padStart(4, '0')}`,
    projectId: `P-2026-${String(i % 20).padStart(3, '0')}`,
    signId: `S-${c.boothId}-${i}`,
    startedAt: iso(started),
    verifiedAt: iso(started + 30_000),
    leftAt: iso(started + 120_000),
  };
}

export function noShowPayload(c: SampleContext, i: number): Record<string, unknown> {
  return {
    type: 'no-show',
    packageId: c.packageId,
    packageVersion: 1,
    boothId: c.boothId,
    expertId: `E-${String((i + 500) % 1000).padStart(4, '0')}`,
    projectId: `P-2026-${String(i % 20).padStart(3, '0')}`,
    seat: (i % 5) + 1,
    scheduledSignIn: iso(c.dayStart + (i % 50) * 60_000),
    closedAt: iso(c.dayStart + 10 * 3_600_000),
    cause: 'close',
  };
}

const EVENTS = ['visit.started', 'face.verified', 'roster.opened', 'document.sealed', 'visit.ended', 'state.changed'];

export function auditPayload(c: SampleContext, i: number): Record<string, unknown> {
  return {
    event: EVENTS[i % EVENTS.length] ?? 'state.changed',
    boothId: c.boothId,
    packageId: c.packageId,
    visitId: `V-${c.boothId}-${i}`,
    at: iso(c.dayStart + i * 1000),
    detail: { from: 'idle', to: 'verifying', attempt: 1 + (i % 3) },
  };
}

/**
 * The i-th record of a booth's day, in a plausible mix (per 10 records: 6 audit, 2 visit,
 * 1 sign, 1 no-show); `sealed` supplies the documents of sign records that name real sealed
 * revisions (the others are refusals, which name none).
 */
export function sampleRecord(
  c: SampleContext,
  i: number,
  sealed: () => Omit<SealedRevision, 'pdf'>[] | null,
): { kind: 'sign' | 'visit' | 'audit'; payload: Record<string, unknown> } {
  switch (i % 10) {
    case 3:
    case 7:
      return { kind: 'visit', payload: visitPayload(c, i) };
    case 5: {
      const docs = sealed();
      // Revisions of one document chain within one project (sealed_pdfs checks the chain per project).
      return {
        kind: 'sign',
        payload: signPayload(c, i, docs, docs ? { projectId: 'P-2026-001' } : { action: 'refuse' }),
      };
    }
    case 9:
      return { kind: 'visit', payload: noShowPayload(c, i) };
    default:
      return { kind: 'audit', payload: auditPayload(c, i) };
  }
}

/**
 * A booth's pull API on 127.0.0.1, as the booth serves it: device/sync's buildPullServer,
 * PullActions and Outbox over the booth's journal, with GET /sync/v1/blobs/:id serving the
 * sealed revisions its sign records name. `cutAt` drops the connection after that many bytes of
 * the first blob transfer (a network cut, for the resume tests); `blobRequests` lists what was asked.
 */
export async function startBoothPullServer(
  store: JournalRecordStore,
  dataDir: string,
  o: { cutAt?: number; maxLimit?: number } = {},
): Promise<{ url: string; outbox: Outbox; blobRequests: string[]; close(): Promise<void> }> {
  const clock = { now: () => Date.now(), monotonic: () => performance.now() };
  const outbox = new Outbox({ store, statePath: storePaths(dataDir).syncState, clock, bus: new EventBus() });
  await outbox.open();
  const identity = await loadOrCreateIdentity(dataDir, store.boothSigner.boothId);
  const tls = await loadSyncTls(dataDir, identity, { centralCaFile: '', centralCaFingerprint256: '' });
  if (!tls) throw new Error('booth not enrolled');
  const actions = new PullActions({
    outbox,
    signer: store.boothSigner,
    clock,
    maxBytes: 4 * 1024 * 1024,
    maxLimit: o.maxLimit ?? 1000,
    blobs: { named: new SignedBlobs(store), store },
  });
  const app = await buildPullServer({ tls, actions, allowedClientNames: ['central'] });
  const blobRequests: string[] = [];
  let cut = o.cutAt;
  app.addHook('onSend', async (req, reply, payload) => {
    const id = /^\/sync\/v1\/blobs\/([^/?]+)/.exec(req.url)?.[1];
    if (!id) return payload;
    blobRequests.push(`${id} from ${/^bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? '0'}`);
    if (cut === undefined || !(payload instanceof Readable)) return payload;
    // Send the head of the body, then drop the connection mid-transfer.
    const at = cut;
    cut = undefined;
    let sent = 0;
    return payload.pipe(
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          const room = at - sent;
          sent += chunk.length;
          if (room > 0) this.push(chunk.subarray(0, room));
          if (sent >= at) setTimeout(() => req.raw.socket.destroy(), 20);
          done();
        },
      }),
    );
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, outbox, blobRequests, close: () => app.close() };
}
