import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { monotonicFactory } from 'ulid';
import { BlobFiles } from '../../../central/blobs.js';
import { parseCentralConfig } from '../../../central/config/load.js';
import type { CentralContext } from '../../../central/context.js';
import { centralPaths } from '../../../central/data-dir.js';
import { initKeys, loadKeys } from '../../../central/pki/keys.js';
import { signerFromKeyPem } from '../../../device/store/signer.js';
import { GENESIS_HASH, sealRecord } from '../../../protocol/records/record-codec.js';
import { generateSm2KeyPair } from '../../../protocol/records/crypto-suite.js';
import type { BoothSigner } from '../../../protocol/records/signer-info.js';
import type { CommittedRecord, RecordKind } from '../../../protocol/records/types.js';
import { buildBatch } from '../../../protocol/sync/batch.js';
import type { SignedBatch } from '../../../protocol/sync/schemas.js';
import { enrollBooth, registerBooth, type EnrolledBooth } from '../../../bench/central-samples.js';
import { testDb, type Backend } from './db.js';

/**
 * For tests of central/collect/ without the HTTP layers: a CentralContext over a fresh database
 * (PGlite or PostgreSQL) and freshly initialised keys, and booths whose records and batches are
 * sealed with their real (CA-issued) identity keys.
 */
export interface TestContext {
  ctx: CentralContext;
  dataDir: string;
  close(): Promise<void>;
}

export async function testContext(backend: Backend, raw: Record<string, unknown> = {}): Promise<TestContext> {
  const dataDir = await mkdtemp(join(tmpdir(), 'central-collect-'));
  await initKeys(dataDir, { centreName: 'Test centre', serverNames: ['localhost'] });
  const t = await testDb(backend);
  const config = parseCentralConfig({ dataDir, log: { level: 'silent' }, ...raw }, 'test config', {}, {});
  const paths = centralPaths(dataDir);
  const ctx: CentralContext = {
    config,
    db: t.db,
    keys: await loadKeys(dataDir),
    paths,
    blobs: new BlobFiles(paths.blobs),
    clock: { now: () => Date.now() },
    log: pino({ level: 'silent' }),
  };
  return {
    ctx,
    dataDir,
    async close() {
      await t.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A booth enrolled with the context's CA, registered in its inventory, writing its own chain. */
export class TestBooth {
  readonly records: CommittedRecord[] = [];
  readonly signer: BoothSigner;
  private readonly newId = monotonicFactory();

  constructor(
    readonly enrolled: EnrolledBooth,
    readonly dataDir: string,
    /** An SM2 key (PEM): the sm suite, its key bound by the identity key as the booth does. */
    sm2KeyPem?: string,
  ) {
    this.signer = sm2KeyPem
      ? signerFromKeyPem(enrolled.boothId, sm2KeyPem, enrolled.keyPem)
      : signerFromKeyPem(enrolled.boothId, enrolled.keyPem);
  }

  get id(): string {
    return this.enrolled.boothId;
  }

  static async create(
    ctx: CentralContext,
    boothId: string,
    o: { pullUrl?: string; suite?: 'p256' | 'sm' } = {},
  ): Promise<TestBooth> {
    const dir = await mkdtemp(join(tmpdir(), `booth-${boothId}-`));
    const enrolled = await enrollBooth(ctx.keys.ca, dir, boothId);
    await registerBooth(ctx.db, enrolled, o.pullUrl ? { pullUrl: o.pullUrl } : {});
    return new TestBooth(enrolled, dir, o.suite === 'sm' ? generateSm2KeyPair().privateKeyPem : undefined);
  }

  add(kind: RecordKind, payload: Record<string, unknown>, time = Date.now()): CommittedRecord {
    const prev = this.records.at(-1);
    const r = sealRecord(this.signer, {
      id: this.newId(time),
      seq: (prev?.seq ?? 0) + 1,
      kind,
      time: { wall: time, synced: true },
      payload,
      prevHash: prev?.hash ?? GENESIS_HASH,
    });
    this.records.push(r);
    return r;
  }

  /** A signed batch of records after..upTo (default: all after `after`). */
  batch(after: number, upTo = this.records.length, records?: CommittedRecord[]): SignedBatch {
    return buildBatch(this.signer, {
      batchId: this.newId(),
      after,
      createdAt: Date.now(),
      records: records ?? this.records.slice(after, upTo),
    });
  }

  async cleanup(): Promise<void> {
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
