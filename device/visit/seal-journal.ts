import { createHash } from 'node:crypto';
import { BoothError, isBoothError, toBoothError } from '../../protocol/errors.js';
import { verifyPdf } from '../../protocol/pdf/verify.js';
import type { EventBus } from '../core/events.js';
import type { Clock, CommittedRecord, RecordStore } from '../core/ports.js';
import { RevisionIndex, type DocumentKey } from './revisions.js';

/**
 * Sealing as a journaled transaction, so that there is never a signature in a PDF without a
 * record. Before any revision is written, an audit record `seal.intent` is committed: the sign
 * id, package, project, each document's base (sha256Before, its length) and result (sha256After,
 * blob id), and the whole sign payload to commit. Then the dynamics blob and the revision blobs
 * are written, then the sign record. A crash in between leaves an intent without a sign record;
 * recover() (at start) and settlePending() (before the next seal in this process, when a commit
 * failed) resolve it: when every revision exists and verifies (intact, whole file signed, starts
 * with its base, which is still the document's latest) the sign record is committed, marked
 * `recovered`, with `seal.resolved`; otherwise `seal.orphaned` names the revisions, which are
 * moved out of the store (never a base, never synced) and reported (event + log).
 * It also keeps the RevisionIndex: the working copy of each document comes from here.
 */
export interface SealJournalDeps {
  store: RecordStore;
  boothId: string;
  clock: Clock;
  bus: EventBus;
  log: { info(o: object, m: string): void; warn(o: object, m: string): void };
}

/** One document's revision as the intent names it (enough to check it after a crash). */
export interface IntentDocument {
  documentId: string;
  sha256Published: string;
  sha256Before: string;
  bytesBefore: number;
  sha256After: string;
  /** null for a refusal: nothing is written. */
  blob: string | null;
}

export interface SealCommit {
  sign: Record<string, unknown> & { signId: string; packageId: string; projectId: string };
  documents: IntentDocument[];
  /** The revision bytes by blob id. */
  revisions: Map<string, Buffer>;
  dynamics: { blob: string; bytes: Buffer } | null;
}

export type RevisionState = 'ok' | 'missing' | 'damaged' | 'not-a-revision' | 'superseded';

export interface Resolution {
  signId: string;
  outcome: 'recovered' | 'orphaned';
  revisions: { documentId: string; blob: string; state: RevisionState; path: string | null }[];
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const iso = (ms: number) => new Date(ms).toISOString();

/** Crash tests stop the process at these points (test/integration/visit/seal-crash.test.ts). */
export type SealPausePoint = 'after-intent' | 'after-revisions';
async function pauseForTest(point: SealPausePoint): Promise<void> {
  if (process.env.BOOTH_TEST_SEAL_PAUSE !== point) return;
  process.stderr.write(`seal paused: ${point}\n`);
  // Hold the process (store timers are unref'd) until the test kills it.
  await new Promise<void>(() => setInterval(() => undefined, 60_000));
}

export class SealJournal {
  readonly revisions = new RevisionIndex();
  /** Intents of this process whose sign record did not commit (the commit failed, not a crash). */
  private readonly pending = new Map<string, CommittedRecord>();
  private recoveredListener: ((sign: Record<string, unknown>) => void) | null = null;

  constructor(private readonly deps: SealJournalDeps) {}

  /** Told about each sign record finished by recovery (the visit's one-signature memory). */
  onRecovered(fn: (sign: Record<string, unknown>) => void): void {
    this.recoveredListener = fn;
  }

  /**
   * At start: rebuilds the working copies from the committed sign records, then resolves every
   * intent left without a sign record and not yet resolved. `records` in seq order.
   */
  async recover(records: readonly CommittedRecord[]): Promise<Resolution[]> {
    const intents = new Map<string, CommittedRecord>();
    const settled = new Set<string>();
    for (const r of records) {
      const signId = typeof r.payload.signId === 'string' ? r.payload.signId : null;
      if (r.kind === 'sign') {
        this.revisions.add(r.payload);
        if (signId) settled.add(signId);
      } else if (r.kind === 'audit' && signId) {
        if (r.payload.event === 'seal.intent') intents.set(signId, r);
        else if (r.payload.event === 'seal.resolved' || r.payload.event === 'seal.orphaned') settled.add(signId);
      }
    }
    const out: Resolution[] = [];
    for (const [signId, intent] of intents) if (!settled.has(signId)) out.push(await this.resolve(intent));
    return out;
  }

  /** Resolves this process's intents whose sign record failed to commit, before anything else is sealed. */
  async settlePending(): Promise<Resolution[]> {
    const out: Resolution[] = [];
    for (const intent of [...this.pending.values()]) out.push(await this.resolve(intent));
    return out;
  }

  /** The working copy of a document of this package: its latest sealed revision, checked; null when none. */
  async latest(key: DocumentKey): Promise<Buffer | null> {
    const ref = this.revisions.get(key);
    if (!ref) return null;
    const bytes = await this.deps.store.getBlob(ref.blob).catch((err: unknown) => {
      throw new BoothError(
        'BOOTH_ERR_STORE_FAULT',
        `the latest sealed revision of ${key.projectId}/${key.documentId} (${ref.blob}) is unreadable: ${toBoothError(err).message}`,
        { blob: ref.blob },
      );
    });
    if (sha256(bytes) !== ref.sha256)
      throw new BoothError(
        'BOOTH_ERR_STORE_FAULT',
        `the latest sealed revision of ${key.projectId}/${key.documentId} does not match its sign record`,
        { blob: ref.blob },
      );
    return bytes;
  }

  /** Intent, blobs, sign record; resolves once the sign record is durable. */
  async commit(c: SealCommit): Promise<CommittedRecord> {
    const { store } = this.deps;
    const written = c.documents.filter((d) => d.blob !== null);
    if (written.length === 0) return this.commitSign(c.sign);
    const intent = await store.commit({
      kind: 'audit',
      payload: {
        event: 'seal.intent',
        boothId: this.deps.boothId,
        signId: c.sign.signId,
        packageId: c.sign.packageId,
        packageVersion: c.sign.packageVersion ?? null,
        projectId: c.sign.projectId,
        documents: c.documents,
        dynamicsBlob: c.dynamics?.blob ?? null,
        sign: c.sign,
      },
    });
    this.pending.set(c.sign.signId, intent);
    await pauseForTest('after-intent');
    if (c.dynamics) await this.put(c.dynamics.bytes, c.dynamics.blob, true);
    for (const d of written) {
      const bytes = d.blob ? c.revisions.get(d.blob) : undefined;
      if (!bytes || !d.blob) throw new BoothError('BOOTH_ERR_INTERNAL', `no revision bytes for ${d.documentId}`);
      await this.put(bytes, d.blob, false);
    }
    await pauseForTest('after-revisions');
    const record = await this.commitSign(c.sign);
    this.pending.delete(c.sign.signId);
    return record;
  }

  private async commitSign(sign: Record<string, unknown>): Promise<CommittedRecord> {
    const record = await this.deps.store.commit({ kind: 'sign', payload: sign });
    this.revisions.add(record.payload);
    return record;
  }

  private async put(bytes: Buffer, expected: string, sensitive: boolean): Promise<void> {
    const id = await this.deps.store.putBlob(bytes, { sensitive });
    if (id !== expected)
      throw new BoothError('BOOTH_ERR_STORE_FAULT', `blob stored as ${id}, the intent names ${expected}`);
  }

  private async resolve(intent: CommittedRecord): Promise<Resolution> {
    const p = intent.payload;
    const signId = String(p.signId);
    const sign = p.sign as Record<string, unknown>;
    const docs = (Array.isArray(p.documents) ? p.documents : []) as IntentDocument[];
    const checks: Resolution['revisions'] = [];
    for (const d of docs) {
      const blob = d.blob;
      if (!blob) continue;
      const state = await this.check(String(p.packageId), String(p.projectId), { ...d, blob });
      checks.push({ documentId: d.documentId, blob, state, path: null });
    }
    const resolution: Resolution = checks.every((c) => c.state === 'ok')
      ? await this.finish(intent, sign, checks)
      : await this.orphan(intent, checks);
    this.pending.delete(signId);
    return resolution;
  }

  /** Whether a revision named by an intent exists, is intact, covers the whole file and extends the document's latest. */
  private async check(
    packageId: string,
    projectId: string,
    d: IntentDocument & { blob: string },
  ): Promise<RevisionState> {
    let bytes: Buffer;
    try {
      bytes = await this.deps.store.getBlob(d.blob);
    } catch (err) {
      return isBoothError(err, 'BOOTH_ERR_NOT_FOUND') ? 'missing' : 'damaged';
    }
    if (sha256(bytes) !== d.sha256After) return 'damaged';
    if (bytes.length <= d.bytesBefore || sha256(bytes.subarray(0, d.bytesBefore)) !== d.sha256Before)
      return 'not-a-revision';
    const report = verifyPdf(bytes);
    if (!report.ok || report.signatures.at(-1)?.revisionEnd !== bytes.length) return 'not-a-revision';
    // Its base must still be the working copy: a revision beside a later one would fork the document.
    const latest = this.revisions.get({
      packageId,
      projectId,
      documentId: d.documentId,
      sha256Published: d.sha256Published,
    });
    if ((latest?.sha256 ?? d.sha256Published) !== d.sha256Before) return 'superseded';
    return 'ok';
  }

  private async finish(
    intent: CommittedRecord,
    sign: Record<string, unknown>,
    checks: Resolution['revisions'],
  ): Promise<Resolution> {
    const signId = String(intent.payload.signId);
    const recovered: Record<string, unknown> = {
      ...sign,
      recovered: { intentId: intent.id, at: iso(this.deps.clock.now()) },
    };
    const dynamicsBlob = intent.payload.dynamicsBlob;
    if (typeof dynamicsBlob === 'string' && !(await this.exists(dynamicsBlob)))
      // Written before the revisions, so this does not happen; if it did, the record must not name a missing blob.
      recovered.signature = { ...(sign.signature as object), dynamicsBlob: null };
    const record = await this.commitSign(recovered);
    await this.deps.store.commit({
      kind: 'audit',
      payload: {
        event: 'seal.resolved',
        boothId: this.deps.boothId,
        signId,
        packageId: intent.payload.packageId,
        projectId: intent.payload.projectId,
        intentId: intent.id,
        signRecordId: record.id,
      },
    });
    this.deps.log.warn(
      { signId, packageId: intent.payload.packageId, projectId: intent.payload.projectId },
      'an interrupted seal was finished: the sign record was committed from its intent',
    );
    this.deps.bus.emit('seal.recovered', {
      signId,
      packageId: String(intent.payload.packageId),
      projectId: String(intent.payload.projectId),
      recordId: record.id,
    });
    this.recoveredListener?.(record.payload);
    return { signId, outcome: 'recovered', revisions: checks };
  }

  private async orphan(intent: CommittedRecord, checks: Resolution['revisions']): Promise<Resolution> {
    const signId = String(intent.payload.signId);
    for (const c of checks) if (c.state !== 'missing') c.path = await this.deps.store.setAsideBlob(c.blob);
    await this.deps.store.commit({
      kind: 'audit',
      payload: {
        event: 'seal.orphaned',
        boothId: this.deps.boothId,
        signId,
        packageId: intent.payload.packageId,
        projectId: intent.payload.projectId,
        intentId: intent.id,
        revisions: checks.map((c) => ({ documentId: c.documentId, blob: c.blob, state: c.state })),
      },
    });
    this.deps.log.warn(
      { signId, packageId: intent.payload.packageId, revisions: checks },
      'an interrupted seal could not be finished: its revisions are set aside, no sign record',
    );
    this.deps.bus.emit('seal.orphaned', {
      signId,
      packageId: String(intent.payload.packageId),
      projectId: String(intent.payload.projectId),
      revisions: checks,
    });
    return { signId, outcome: 'orphaned', revisions: checks };
  }

  private async exists(blob: string): Promise<boolean> {
    try {
      await this.deps.store.getBlob(blob);
      return true;
    } catch {
      return false;
    }
  }
}
