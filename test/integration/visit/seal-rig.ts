import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EventBus } from '../../../device/core/events.js';
import { BoothError } from '../../../protocol/errors.js';
import type { CommittedRecord } from '../../../device/core/ports.js';
import type { Visit } from '../../../device/core/visit/types.js';
import { loadOrCreateIdentity } from '../../../device/crypto/identity.js';
import { buildDemoPackage, DEMO_EXPERTS } from '../../../device/session/demo.js';
import type { JournalRecordStore } from '../../../device/store/record-store.js';
import { completeProject, type CompleteDeps, type Completed } from '../../../device/visit/complete-project.js';
import { inlineOriginals } from '../../../device/visit/originals.js';
import { SealJournal, type Resolution } from '../../../device/visit/seal-journal.js';
import { PdfSealer } from '../../../device/visit/sealer.js';
import type { SessionPackage } from '../../../protocol/session/schema.js';
import { eventLog, openStore, tempDir, type EventLog } from '../../fixtures/store/helpers.js';

/**
 * Sealing without the kiosk, the face engine or the tablet: the real journal store, the real
 * sealer (PAdES, escrow), the seal journal and completeProject, over demo packages. Restarting
 * opens a new store and seal journal on the same data directory, as the booth does at start.
 */
export const BOOTH_ID = 'booth-seal';
export const fixturesDir = resolve('test/fixtures');
const T0 = Date.parse('2026-12-07T01:30:00Z');

export type ExpertKey = 'a' | 'b';
/** The demo's P-2026-001: expert A on seat 1, expert B on seat 2. */
const SEATS: Record<ExpertKey, number> = { a: 1, b: 2 };

export interface SealRig {
  dataDir: string;
  store: JournalRecordStore;
  seals: SealJournal;
  log: EventLog;
  warnings: string[];
  escrow: { publicKey: KeyObject; privateKey: KeyObject };
  /** Resolutions of the last (re)start's recovery. */
  recovered: Resolution[];
  /** A demo package for this booth; `day` changes its package id (demo-<day>). */
  pkg(day: string, version?: number): Promise<SessionPackage>;
  /** `overrideBy`: a staff override recorded for the project (a re-sign: a new revision). */
  sign(
    pkg: SessionPackage,
    expert: ExpertKey,
    action?: 'sign' | 'dissent' | 'refuse',
    overrideBy?: string,
  ): Promise<Completed>;
  records(kind?: string): Promise<CommittedRecord[]>;
  /** Stops the store, runs `between` (another process may use the data directory then), opens it again. */
  restart(between?: () => Promise<void>): Promise<void>;
  /** The next sign-record commit fails (a disk-full moment): the seal's intent stays pending. */
  failNextSign(): void;
  close(): Promise<void>;
}

export async function sealRig(dir?: { path: string; cleanup: () => Promise<void> }): Promise<SealRig> {
  const d = dir ?? (await tempDir('booth-seal-'));
  const identity = await loadOrCreateIdentity(d.path, BOOTH_ID);
  const png = await readFile(join(fixturesDir, 'signature', 'expected.png'));
  const escrow = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const log = eventLog(new EventBus());
  const warnings: string[] = [];
  let store: JournalRecordStore;
  let seals: SealJournal;
  let recovered: Resolution[] = [];
  let n = 0;
  let failSign = false;
  // The seal journal's view of the store, with a commit failure on demand.
  const faulty = (): JournalRecordStore =>
    new Proxy(store, {
      get(target, prop) {
        if (prop === 'commit')
          return (input: Parameters<JournalRecordStore['commit']>[0]) => {
            if (failSign && input.kind === 'sign') {
              failSign = false;
              return Promise.reject(new BoothError('BOOTH_ERR_STORE_FULL', 'injected: the disk is full'));
            }
            return target.commit(input);
          };
        const v: unknown = Reflect.get(target, prop);
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });

  async function open(): Promise<void> {
    store = openStore(d.path, { boothId: BOOTH_ID, bus: log.bus });
    await store.start();
    seals = new SealJournal({
      store: faulty(),
      boothId: BOOTH_ID,
      clock: { now: () => Date.now(), monotonic: () => performance.now() },
      bus: log.bus,
      log: { info: () => undefined, warn: (_o, m) => warnings.push(m) },
    });
    recovered = await seals.recover(await store.read(0, Number.MAX_SAFE_INTEGER));
  }
  await open();

  const deps = (): CompleteDeps => ({
    sealer: new PdfSealer({
      signer: async () => ({ keyPem: identity.privateKeyPem, certPem: identity.certificatePem }),
      options: {},
      escrowKey: async () => escrow.publicKey,
    }),
    seals,
    originals: inlineOriginals,
    store,
    clock: { now: () => Date.now(), monotonic: () => performance.now() },
    boothId: BOOTH_ID,
    newId: () => `01JE${String(++n).padStart(22, '0')}`,
  });

  return {
    dataDir: d.path,
    get store() {
      return store;
    },
    get seals() {
      return seals;
    },
    get recovered() {
      return recovered;
    },
    log,
    warnings,
    escrow,
    pkg: (day, version = 1) =>
      buildDemoPackage({
        fixturesDir,
        boothId: BOOTH_ID,
        boothPublicKeyPem: identity.certificate.publicKeyPem,
        now: Date.parse(`${day}T01:30:00Z`),
        version,
      }),
    async sign(pkg, expert, action = 'sign', overrideBy) {
      const e = DEMO_EXPERTS[expert];
      const projectId = 'P-2026-001';
      const visit: Visit = {
        id: `V-${++n}`,
        startedAt: T0,
        consent: { version: 'face-consent/1', accepted: true, at: T0 },
        method: 'face',
        attempts: 1,
        failedAttempts: 1,
        faceScore: 0.7,
        livenessScore: 0.95,
        witnessStaffId: null,
        verifiedAt: T0 + 60_000,
        expert: { ref: 'r', expertId: e.expertId, maskedName: 'x', projects: [] },
        override: overrideBy ? { projectId, staffId: overrideBy, at: T0 + 30_000 } : null,
        choice: { projectId, action, reason: action === 'dissent' ? '评分有误' : '' },
      };
      return completeProject(deps(), {
        pkg,
        identity: {
          expertId: e.expertId,
          displayName: e.displayName,
          assignments: [{ projectId, seat: SEATS[expert], scheduledSignIn: new Date(T0).toISOString() }],
        },
        visit,
        choice: visit.choice!,
        signature: { valid: true, reasons: [], png, dynamics: randomBytes(600), samples: 120, strokes: 3 },
      });
    },
    async records(kind) {
      const all = await store.read(0, Number.MAX_SAFE_INTEGER);
      return kind ? all.filter((r) => r.kind === kind) : all;
    },
    failNextSign() {
      failSign = true;
    },
    async restart(between) {
      await store.stop();
      await between?.();
      await open();
    },
    async close() {
      await store.stop();
      await d.cleanup();
    },
  };
}
