/**
 * The one typed event bus. The kiosk UI, LEDs, Node-RED and the audit log listen here;
 * nothing polls. Listeners belong to an owner and are removed with it on stop(); a listener
 * that throws is isolated and reported, never breaking the emitter or other listeners.
 */

/** Hardware devices that report state. */
export type DeviceName = 'camera' | 'tablet' | 'leds';
export type DeviceState = 'ready' | 'absent' | 'faulty' | 'disconnected' | 'stopped';

/**
 * Event name -> payload. Features add their events here; payloads are plain data
 * (they cross into Node-RED and the browser as JSON).
 */
export interface BoothEvents {
  'booth.started': { version: string; hardware: Record<DeviceName, string> };
  'booth.stopping': { reason: string };
  'hardware.state': { device: DeviceName; state: DeviceState; adapter: string; detail?: string };
  'hardware.fault': { device: DeviceName; code: string; message: string };
  'leds.pattern': { pattern: string };
  'listener.error': { event: string; owner: string; message: string };
  /** One expert's stamp and seal was appended to a document (or a refusal recorded). */
  'documents.sealed': { recordId: string; seat: string; action: 'sign' | 'dissent' | 'refuse'; placesStamped: number };
  /** A tunable changed at run time (Node-RED `booth tune`); the audit log records old and new. */
  'tuning.changed': { key: string; old: unknown; new: unknown; actor: string; at: number };
  /** A tune was refused (out of range, unknown key); nothing changed. */
  'tuning.refused': { key: string; value: unknown; actor: string; reason: string };
  'record.committed': { id: string; seq: number; kind: string };
  /** Recovery at open: how many records, and what was cut from a torn tail. */
  'store.recovered': { records: number; segments: number; tornBytes: number; lastSeq: number };
  'store.fault': { code: string; message: string; file?: string };
  /** Free space crossed a threshold: 'low' stops new visits, 'critical' stops commits. */
  'store.disk': { state: 'ok' | 'low' | 'critical'; freeBytes: number };
  'sync.progress': { via: 'push' | 'pull'; ackedSeq: number; lastSeq: number };
  'sync.deadLetter': { seq: number; id: string; reason: string };
  /** The oldest unacknowledged record is older than sync.alertUnsentAgeMs (or the alert cleared). */
  'sync.alert': { active: boolean; oldestSeq: number; ageMs: number };
  /** 'failed': the inference thread died; the engine refuses frames until restarted. */
  'face.state': { state: 'ready' | 'stopped' | 'failed'; detail: string };
  /** One analysed image: counts and reason codes only (no image, no template, no identity). */
  'face.checked': {
    purpose: 'live' | 'reference';
    faces: number;
    reasons: string[];
    liveness: number | null;
    ms: number;
  };
  /** A signature capture began (the kiosk shows the signing pad). */
  'signature.started': { timeoutMs: number };
  /** The expert pressed "clear": the ink so far is gone, the capture goes on. */
  'signature.cleared': Record<string, never>;
  /** A capture in progress was thrown away (tablet unplugged, timeout); never half-kept. */
  'signature.discarded': { reason: 'tablet-disconnected' | 'timeout' | 'stopped' };
  /** A capture finished; reasons are validity codes the kiosk translates. */
  'signature.captured': { valid: boolean; reasons: string[]; samples: number; strokes: number };
  /** The visit moved to another screen (ids and state names only: no roster data). */
  'visit.state': { visitId: string | null; from: string; to: string };
  /** A project's sign record was committed (`documents`: the sealed revisions' blob ids; null = refusal). */
  'visit.signed': { recordId: string; signId: string; projectId: string; action: string; documents: (string | null)[] };
  'visit.ended': { visitId: string; outcome: string };
  /** A seal interrupted by a crash was finished from its journaled intent (the sign record is committed now). */
  'seal.recovered': { signId: string; packageId: string; projectId: string; recordId: string };
  /**
   * A seal interrupted by a crash could not be finished (a revision missing or not verifying):
   * no sign record; the revisions that exist were moved to <dataDir>/orphans/ (never used or synced).
   */
  'seal.orphaned': {
    signId: string;
    packageId: string;
    projectId: string;
    revisions: { documentId: string; blob: string; state: string; path: string | null }[];
  };
  /** A session package was installed, or refused with a reason (nothing changed). */
  'session.installed': { packageId: string; version: number };
  'session.rejected': { reason: string; message: string; packageId?: string; version?: number };
  /** One version of a package ended: its no-shows are recorded (none when its roster never unlocked). */
  'session.ended': {
    packageId: string;
    version: number;
    cause: 'close' | 'expiry' | 'replaced' | 'revoked';
    noShows: number;
  };
}

export type EventName = keyof BoothEvents;
type Listener<K extends EventName> = (payload: BoothEvents[K]) => void;

interface Entry {
  owner: string;
  fn: (payload: unknown) => void;
}

export class EventBus {
  private readonly listeners = new Map<EventName, Entry[]>();
  private readonly anyListeners: { owner: string; fn: (event: EventName, payload: unknown) => void }[] = [];

  on<K extends EventName>(owner: string, event: K, fn: Listener<K>): () => void {
    const entry: Entry = { owner, fn: fn as (payload: unknown) => void };
    const list = this.listeners.get(event) ?? [];
    list.push(entry);
    this.listeners.set(event, list);
    return () => {
      const current = this.listeners.get(event);
      if (current)
        this.listeners.set(
          event,
          current.filter((e) => e !== entry),
        );
    };
  }

  /** Every event, for the audit log, the kiosk stream and Node-RED. */
  onAny(owner: string, fn: (event: EventName, payload: unknown) => void): () => void {
    const entry = { owner, fn };
    this.anyListeners.push(entry);
    return () => {
      const i = this.anyListeners.indexOf(entry);
      if (i >= 0) this.anyListeners.splice(i, 1);
    };
  }

  emit<K extends EventName>(event: K, payload: BoothEvents[K]): void {
    for (const entry of [...(this.listeners.get(event) ?? [])]) this.call(event, entry.owner, () => entry.fn(payload));
    for (const entry of [...this.anyListeners]) this.call(event, entry.owner, () => entry.fn(event, payload));
  }

  /** Removes every listener of an owner: a feature calls this from stop(). */
  removeOwner(owner: string): void {
    for (const [event, list] of this.listeners)
      this.listeners.set(
        event,
        list.filter((e) => e.owner !== owner),
      );
    for (let i = this.anyListeners.length - 1; i >= 0; i--) {
      if (this.anyListeners[i]?.owner === owner) this.anyListeners.splice(i, 1);
    }
  }

  listenerCount(event?: EventName): number {
    if (event) return this.listeners.get(event)?.length ?? 0;
    let n = this.anyListeners.length;
    for (const list of this.listeners.values()) n += list.length;
    return n;
  }

  private call(event: EventName, owner: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      if (event === 'listener.error') return; // never recurse
      this.emit('listener.error', { event, owner, message: err instanceof Error ? err.message : String(err) });
    }
  }
}
