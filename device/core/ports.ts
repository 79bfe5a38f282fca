/**
 * The ports the services depend on. Each hardware port has a real adapter and a simulator
 * (device/hardware/*) honouring the same contract, checked by the same test suite.
 */

/** A wall clock plus a monotonic one; injected so core logic and timeouts are testable. */
export interface Clock {
  /** Milliseconds since the epoch (wall clock; may jump when NTP syncs). */
  now(): number;
  /** Milliseconds from an arbitrary origin; never goes backwards. */
  monotonic(): number;
}

export interface Lifecycle {
  start(): Promise<void>;
  /** Idempotent; releases every resource (ports, timers, listeners). */
  stop(): Promise<void>;
}

/** Which implementation of a port is in use and why (for logs, /readyz and doctor). */
export interface AdapterInfo {
  readonly kind: 'real' | 'sim';
  /** Short adapter name, e.g. "fswebcam", "folder", "serial", "gpio-sysfs", "memory". */
  readonly adapter: string;
  /** Human-readable description (device path, folder). */
  readonly description: string;
}

/**
 * Camera contract: grab() resolves with one JPEG frame or rejects with a BoothError
 * (BOOTH_ERR_CAMERA_TIMEOUT after timeoutMs, BOOTH_ERR_CAMERA_FAILED, BOOTH_ERR_CAMERA_BAD_IMAGE,
 * BOOTH_ERR_CAMERA_UNPLUGGED, BOOTH_ERR_CAMERA_ENDED).
 * A grab that times out leaves no process or file behind. Frames are never written to
 * persistent storage.
 */
export interface Camera extends Lifecycle {
  readonly info: AdapterInfo;
  grab(options?: { timeoutMs?: number }): Promise<CameraFrame>;
  /**
   * Streaming cameras only: every frame as it arrives, at the camera's rate (the live preview).
   * Such a camera's grab() hands out the newest frame that no earlier grab() had, waiting for
   * the next one if needed: a slow consumer never gets a stale frame. Without onFrame the
   * camera takes one picture per grab().
   */
  onFrame?(listener: (frame: CameraFrame) => void): () => void;
  /** Streaming cameras only: state changes ('unplugged': the device vanished; grabs fail with BOOTH_ERR_CAMERA_UNPLUGGED). */
  onState?(listener: (state: CameraState, detail?: string) => void): () => void;
}

/** 'ended': a video file (not looped) played to its end. */
export type CameraState = 'stopped' | 'starting' | 'streaming' | 'restarting' | 'unplugged' | 'failed' | 'ended';

export interface CameraFrame {
  /** JPEG bytes. */
  jpeg: Buffer;
  width: number;
  height: number;
  /** Monotonic time the frame was taken. */
  at: number;
}

/** One chunk of raw bytes from the tablet, stamped with its monotonic arrival time. */
export interface TabletChunk {
  bytes: Buffer;
  at: number;
}

export type TabletState = 'closed' | 'opening' | 'open' | 'disconnected';

/**
 * Tablet contract: after start() the port opens (or keeps retrying with backoff); every byte
 * chunk that arrives goes to the data listeners in order with its arrival time. A disconnect
 * emits state 'disconnected' and the adapter reopens with backoff until stop(). write() sends
 * raw bytes (protocol commands) and rejects when the port is not open. stop() closes the port.
 */
export interface Tablet extends Lifecycle {
  readonly info: AdapterInfo;
  readonly state: TabletState;
  onData(listener: (chunk: TabletChunk) => void): () => void;
  onState(listener: (state: TabletState, detail?: string) => void): () => void;
  write(bytes: Buffer): Promise<void>;
  /** Discards bytes received but not yet read (after a protocol reset). */
  flush(): Promise<void>;
  /** Changes the line speed (protocols that probe 38400 then 19200). */
  setBaudRate(baudRate: number): Promise<void>;
}

export type LedColor = 'red' | 'green' | 'amber';
export const LED_COLORS: readonly LedColor[] = ['red', 'green', 'amber'];
export type LedPatternName = 'off' | 'idle' | 'busy' | 'success' | 'failure' | 'offline' | 'fault';

/**
 * Leds contract: setPattern() switches to a named pattern at once (a blinking pattern keeps
 * blinking until the next call); set() drives one LED directly (doctor's LED check);
 * stop() turns every LED off and releases the pins.
 */
export interface Leds extends Lifecycle {
  readonly info: AdapterInfo;
  readonly pattern: LedPatternName;
  setPattern(pattern: LedPatternName): void;
  set(color: LedColor, on: boolean): void;
}

export type { CommittedRecord, RecordKind, RecordTime } from '../../protocol/records/types.js';
import type { CommittedRecord, RecordKind } from '../../protocol/records/types.js';

/**
 * Store contract: commit() resolves only after the record is durable (fsync'd): a record the
 * kiosk confirmed survives a power cut at any instant. Records are never changed or deleted
 * before the central server acknowledged them. Blobs (sealed PDFs, signature dynamics) are
 * content-addressed; `sensitive` blobs (templates, dynamics) are encrypted at rest.
 */
export interface RecordStore {
  commit(input: { kind: RecordKind; payload: Record<string, unknown> }): Promise<CommittedRecord>;
  /** `sessionId` ties a blob (a face template) to a session: closeSession() deletes it. */
  putBlob(bytes: Buffer, options?: { sensitive?: boolean; sessionId?: string }): Promise<string>;
  getBlob(id: string): Promise<Buffer>;
  /** The id putBlob would give these bytes, without writing them (an intent names blobs before they exist). */
  blobId(bytes: Buffer, options?: { sensitive?: boolean }): string;
  /**
   * Moves a blob out of the store (to `<dataDir>/orphans/`): it is no longer served, synced or
   * used, only kept for an investigation. Returns where it went, or null when it was not there.
   */
  setAsideBlob(id: string): Promise<string | null>;
  /** Retention of templates: deletes the blobs put with this sessionId; returns how many. */
  closeSession(sessionId: string): Promise<number>;
  /** Throws BOOTH_ERR_STORE_FULL (disk nearly full) or BOOTH_ERR_STORE_FAULT: call before a visit starts. */
  assertAcceptingVisits(): void;
  /** Throws BOOTH_ERR_STORE_FULL (disk critical) or BOOTH_ERR_STORE_FAULT: call before a change that must be recorded. */
  assertAcceptingCommits(): void;
}
