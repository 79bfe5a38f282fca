import type { Static } from '@sinclair/typebox';
import { monotonicFactory } from 'ulid';
import type { StoreConfig } from '../config/sections/store.js';
import { BoothError } from '../../protocol/errors.js';
import type { EventBus } from '../core/events.js';
import type { Clock, CommittedRecord, Lifecycle, RecordKind, RecordStore } from '../core/ports.js';
import { BlobStore } from './blobs.js';
import { canonicalJson } from '../../protocol/records/canonical.js';
import { clockSyncedByFlag } from './clock-sync.js';
import { loadOrCreateDataKey } from './data-key.js';
import { DiskGuard } from './disk-guard.js';
import { Journal, type IndexEntry, type RecoveryReport } from './journal.js';
import { storePaths } from './layout.js';
import { chainProblems, GENESIS_HASH, RECORD_KINDS, sealRecord } from '../../protocol/records/record-codec.js';
import { Retention } from './retention.js';
import { loadSigner } from './signer.js';
import type { BoothSigner } from '../../protocol/records/signer-info.js';
import { openStoreState, type AckSource } from './store-state.js';

export type StoreSettings = Static<typeof StoreConfig>;

export interface StoreDeps {
  dataDir: string;
  boothId: string;
  config: StoreSettings;
  clock: Clock;
  bus: EventBus;
  /** Whether the wall clock is synchronised; default: systemd-timesyncd's flag file. */
  clockSynced?: () => boolean;
  /** A signer made elsewhere (signerFromKeyPem); default: loaded from the booth identity. */
  signer?: BoothSigner;
  /** Free bytes on the data medium; default statfs (tests inject a full disk). */
  freeBytes?: (path: string) => Promise<number>;
}

interface Pending {
  record: CommittedRecord;
  resolve: (r: CommittedRecord) => void;
  reject: (e: unknown) => void;
}

const OWNER = 'store';

/**
 * The RecordStore port on the journal. commit() seals the record (ULID, next seq, prevHash,
 * signature) at once, so concurrent commits keep their call order, then resolves after the
 * journal fsync'd it. start() recovers the journal; a fault found there (corrupt segment, gap)
 * leaves the store readable but refusing commits until an operator looks (docs/store-sync.md).
 */
export class JournalRecordStore implements RecordStore, Lifecycle {
  private journal: Journal | null = null;
  private blobs: BlobStore | null = null;
  private signer: BoothSigner | null = null;
  private state: Awaited<ReturnType<typeof openStoreState>> | null = null;
  private retention: Retention | null = null;
  private disk: DiskGuard | null = null;
  private head = { seq: 0, hash: GENESIS_HASH };
  private queue: Pending[] = [];
  private flushing = false;
  private timers: NodeJS.Timeout[] = [];
  private readonly newId = monotonicFactory();
  private readonly clockSynced: () => boolean;
  recovery: RecoveryReport | null = null;
  fault: string | null = null;

  constructor(private readonly deps: StoreDeps) {
    this.clockSynced = deps.clockSynced ?? clockSyncedByFlag();
  }

  get isOpen(): boolean {
    return this.journal !== null;
  }
  get lastSeq(): number {
    return this.journal?.lastSeq ?? 0;
  }
  get firstSeq(): number {
    return this.journal?.firstSeq ?? 0;
  }
  get boothSigner(): BoothSigner {
    return this.need(this.signer);
  }

  async start(): Promise<void> {
    if (this.journal) return;
    const { dataDir, boothId, config, bus } = this.deps;
    const paths = storePaths(dataDir, config.dataKeyFile);
    this.signer = this.deps.signer ?? (await loadSigner(dataDir, boothId, config.crypto));
    this.blobs = new BlobStore(paths.blobs, this.signer.suite, await loadOrCreateDataKey(paths.dataKey));
    this.state = await openStoreState(paths.storeState);
    if (this.state.adapter.problem)
      bus.emit('store.fault', { code: 'BOOTH_ERR_STORE_FAULT', message: this.state.adapter.problem });
    const journal = new Journal({
      dir: paths.journal,
      quarantineDir: paths.quarantine,
      segmentMaxBytes: config.segmentMaxBytes,
      today: () => new Date(this.deps.clock.now()).toISOString().slice(0, 10).replaceAll('-', ''),
    });
    const report = await journal.open();
    this.recovery = report;
    this.head = { seq: report.lastSeq, hash: report.lastHash ?? GENESIS_HASH };
    if (report.fault) {
      this.fault = report.fault.message;
      bus.emit('store.fault', { code: 'BOOTH_ERR_STORE_FAULT', ...report.fault });
    }
    bus.emit('store.recovered', {
      records: report.records,
      segments: report.segments,
      tornBytes: report.tornBytes,
      lastSeq: report.lastSeq,
    });
    this.journal = journal;
    this.disk = new DiskGuard({
      path: dataDir,
      lowFreeBytes: config.disk.lowFreeBytes,
      criticalFreeBytes: config.disk.criticalFreeBytes,
      onChange: (state, freeBytes) => bus.emit('store.disk', { state, freeBytes }),
      ...(this.deps.freeBytes ? { freeBytes: this.deps.freeBytes } : {}),
    });
    await this.disk.check();
    this.retention = new Retention({
      journal,
      blobs: this.blobs,
      days: config.retention.ackedRecordDays,
    });
    this.every(config.disk.checkIntervalMs, () => this.disk?.check());
    this.every(config.retention.sweepIntervalMs, () => this.sweep());
  }

  private every(ms: number, fn: () => Promise<unknown> | undefined): void {
    const t = setInterval(() => {
      fn()?.catch((err: unknown) =>
        this.deps.bus.emit('store.fault', { code: 'BOOTH_ERR_STORE_FAULT', message: String(err) }),
      );
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private need<T>(v: T | null): T {
    if (v === null) throw new BoothError('BOOTH_ERR_STORE_CLOSED', 'store is not open (start() it first)');
    return v;
  }

  /** The last free-space verdict: 'low' refuses new visits, 'critical' refuses commits. */
  get diskState(): 'ok' | 'low' | 'critical' {
    return this.disk?.state ?? 'ok';
  }

  /** Checks free space now (it is also checked on a timer); emits store.disk on a change. */
  checkDisk(): Promise<'ok' | 'low' | 'critical'> {
    return this.need(this.disk).check();
  }

  /** Throws unless a new visit may start: a faulted store or a nearly full disk refuses it. */
  assertAcceptingVisits(): void {
    this.need(this.journal);
    if (this.fault) throw new BoothError('BOOTH_ERR_STORE_FAULT', `store fault: ${this.fault}`);
    if (this.disk && this.disk.state !== 'ok')
      throw new BoothError('BOOTH_ERR_STORE_FULL', 'the disk is nearly full: no new visits until space is freed', {
        disk: this.disk.state,
        freeBytes: this.disk.freeBytes,
      });
  }

  /** Throws unless commits are accepted (not faulted, disk not critical): checked before a change that must be recorded. */
  assertAcceptingCommits(): void {
    this.need(this.journal);
    if (this.fault) throw new BoothError('BOOTH_ERR_STORE_FAULT', `store fault, commits refused: ${this.fault}`);
    if (this.disk?.state === 'critical')
      throw new BoothError('BOOTH_ERR_STORE_FULL', 'the disk is full: commits refused before anything is lost', {
        disk: 'critical',
      });
  }

  /** Why the disk refuses what it refuses, for /readyz (null when it refuses nothing). */
  diskProblem(): string | null {
    const d = this.disk;
    if (!d || d.state === 'ok') return null;
    const { lowFreeBytes, criticalFreeBytes } = this.deps.config.disk;
    return d.state === 'critical'
      ? `disk critical: ${d.freeBytes} bytes free, below store.disk.criticalFreeBytes ${criticalFreeBytes}: read-only (no visits, installs or records)`
      : `disk low: ${d.freeBytes} bytes free, below store.disk.lowFreeBytes ${lowFreeBytes}: new visits refused`;
  }

  commit(input: { kind: RecordKind; payload: Record<string, unknown> }): Promise<CommittedRecord> {
    try {
      const signer = this.need(this.signer);
      this.need(this.journal);
      this.assertAcceptingCommits();
      if (!RECORD_KINDS.includes(input.kind))
        throw new BoothError('BOOTH_ERR_BAD_INPUT', `kind: expected one of ${RECORD_KINDS.join(', ')}`);
      if (typeof input.payload !== 'object' || input.payload === null || Array.isArray(input.payload))
        throw new BoothError('BOOTH_ERR_BAD_INPUT', 'payload: expected a JSON object');
      // A detached copy in canonical form: later changes by the caller cannot alter what was signed.
      const payload = JSON.parse(canonicalJson(input.payload)) as Record<string, unknown>;
      const record = sealRecord(signer, {
        id: this.newId(this.deps.clock.now()),
        seq: this.head.seq + 1,
        kind: input.kind,
        time: { wall: this.deps.clock.now(), synced: this.clockSynced() },
        payload,
        prevHash: this.head.hash,
      });
      this.head = { seq: record.seq, hash: record.hash };
      return new Promise((resolve, reject) => {
        this.queue.push({ record, resolve, reject });
        if (!this.flushing) void this.flush();
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Group commit: whatever queued while the previous write was syncing goes in one write. */
  private async flush(): Promise<void> {
    this.flushing = true;
    const journal = this.need(this.journal);
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      try {
        await journal.append(batch.map((p) => p.record));
      } catch (err) {
        // Everything queued after a failed write chains onto it: fail it too and roll back.
        const failed = [...batch, ...this.queue];
        this.queue = [];
        this.head = { seq: journal.lastSeq, hash: journal.lastHash ?? GENESIS_HASH };
        for (const p of failed) p.reject(err);
        break;
      }
      for (const p of batch) {
        p.resolve(p.record);
        this.deps.bus.emit('record.committed', { id: p.record.id, seq: p.record.seq, kind: p.record.kind });
      }
    }
    this.flushing = false;
  }

  async putBlob(bytes: Buffer, options: { sensitive?: boolean; sessionId?: string } = {}): Promise<string> {
    const blobs = this.need(this.blobs);
    if (!Buffer.isBuffer(bytes)) throw new BoothError('BOOTH_ERR_BAD_INPUT', 'blob: expected a Buffer');
    if (this.disk?.state === 'critical') throw new BoothError('BOOTH_ERR_STORE_FULL', 'the disk is full: blob refused');
    const id = await blobs.put(bytes, options.sensitive === true);
    if (options.sessionId) {
      const db = this.need(this.state).db;
      const list = db.data.sessions[options.sessionId] ?? [];
      if (!list.includes(id)) {
        db.data.sessions[options.sessionId] = [...list, id];
        await db.write();
      }
    }
    return id;
  }

  getBlob(id: string): Promise<Buffer> {
    return this.need(this.blobs).get(id);
  }

  blobId(bytes: Buffer, options: { sensitive?: boolean } = {}): string {
    return this.need(this.blobs).idFor(bytes, options.sensitive === true);
  }

  /** A plain blob's file and size (the sync pull API streams it, push reads pieces); null when absent. */
  blobFile(id: string): Promise<{ path: string; size: number } | null> {
    return this.need(this.blobs).file(id);
  }

  async setAsideBlob(id: string): Promise<string | null> {
    const { orphans } = storePaths(this.deps.dataDir, this.deps.config.dataKeyFile);
    return this.need(this.blobs).moveOut(id, orphans, id.startsWith('h-') ? `${id}.pdf` : id);
  }

  /** Retention for templates: the session's blobs go when it closes. */
  async closeSession(sessionId: string): Promise<number> {
    const db = this.need(this.state).db;
    const blobs = this.need(this.blobs);
    const ids = db.data.sessions[sessionId] ?? [];
    for (const id of ids) await blobs.delete(id);
    delete db.data.sessions[sessionId];
    await db.write();
    return ids.length;
  }

  /** Records after `after` in seq order, bounded by count and (approximately) bytes. */
  read(after: number, limit: number, maxBytes?: number): Promise<CommittedRecord[]> {
    return this.need(this.journal).read(after, limit, maxBytes);
  }

  /** Index data (seq, hash, wall time) of one record without reading it. */
  entry(seq: number): IndexEntry | null {
    return this.need(this.journal).entry(seq);
  }

  /** Full verification of what the store holds: hashes, links, and every signature. */
  async verify(): Promise<string[]> {
    const journal = this.need(this.journal);
    const signer = this.need(this.signer);
    const records = await journal.read(journal.firstSeq - 1, Number.MAX_SAFE_INTEGER);
    return chainProblems(records, { suite: signer.suite, boothId: signer.boothId, publicKey: signer.publicKey });
  }

  /** Deletes what retention allows (see retention.ts); returns how many records went. */
  async sweep(acks?: AckSource): Promise<number> {
    if (!this.retention) return 0;
    return this.retention.sweep((acks ?? this.ackSource)?.ackPoints() ?? [], this.deps.clock.now());
  }

  /** The sync feature tells the store how far the central server acknowledged (for retention). */
  ackSource: AckSource | null = null;

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    while (this.flushing) await new Promise((r) => setImmediate(r));
    await this.journal?.close();
    this.journal = null;
    this.deps.bus.removeOwner(OWNER);
  }
}
