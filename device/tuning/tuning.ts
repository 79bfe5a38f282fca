import { join } from 'node:path';
import type { Logger } from 'pino';
import type { BoothConfig } from '../config/schema.js';
import type { EventBus } from '../core/events.js';
import type { Clock, Leds, RecordStore } from '../core/ports.js';
import { BoothError } from '../../protocol/errors.js';
import { projectDir } from '../paths.js';
import type { TuningChangedPayload } from '../../protocol/records/payloads.js';
import { createBridge } from './bridge.js';
import { NodeRedHost } from './node-red.js';
import { ensureTuningSecrets } from './secrets.js';
import { Tunables, type TuneChange } from './tunables.js';

export interface TuningDeps {
  config: BoothConfig;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** The LEDs once hardware started (the `booth led` node drives them). */
  leds: () => Leds | null;
  /**
   * Commits a tuning change to the hash-chained journal before it applies (device/main.ts: an
   * audit record through the store). Throws while the journal is not open: the change is refused.
   */
  journal: (change: TuneChange) => Promise<void>;
  /** flows/ (custom nodes and the default site flow); tests may point elsewhere. */
  flowsDir?: string;
}

/** The journal record of a change (protocol/records/payloads.ts TuningChangedPayloadSchema). */
export function tuningChangedPayload(boothId: string, change: TuneChange): TuningChangedPayload {
  return {
    event: 'tuning.changed',
    boothId,
    key: change.key,
    old: change.old,
    new: change.new,
    actor: change.actor,
    at: new Date(change.at).toISOString(),
  };
}

/**
 * The journal of tuning changes on the booth's record store: an audit record per change, before
 * it applies. While the store is not open (boot) a change is refused, never applied unrecorded.
 */
export function journalTo(
  store: () => Pick<RecordStore, 'commit'> | null,
  boothId: string,
): (change: TuneChange) => Promise<void> {
  return async (change) => {
    const s = store();
    if (!s) throw new BoothError('BOOTH_ERR_TUNING_UNAVAILABLE', 'the journal is not open yet: tuning change refused');
    await s.commit({ kind: 'audit', payload: tuningChangedPayload(boothId, change) });
  };
}

/** Where the tuning feature keeps its state inside the data directory. */
export function tuningPaths(dataDir: string) {
  const dir = join(dataDir, 'tuning');
  return { dir, tunables: join(dir, 'tunables.json'), audit: join(dir, 'audit.jsonl'), userDir: join(dir, 'node-red') };
}

/**
 * The tuning feature: the live tunables (always) and the embedded Node-RED editor (when
 * tuning.enabled). Construction does no I/O; start() loads the saved tunables, then Node-RED.
 */
export class Tuning {
  readonly tunables: Tunables;
  private host: NodeRedHost | null = null;
  private editor = '';

  constructor(private readonly deps: TuningDeps) {
    const paths = tuningPaths(deps.config.dataDir);
    this.tunables = new Tunables({
      config: deps.config,
      file: paths.tunables,
      auditFile: paths.audit,
      bus: deps.bus,
      clock: deps.clock,
      journal: deps.journal,
      warn: (m) => deps.logger.warn(m),
    });
  }

  /** The editor's URL ('' while Node-RED is off). */
  get editorUrl(): string {
    return this.editor;
  }

  async start(): Promise<void> {
    const { config, logger } = this.deps;
    await this.tunables.load();
    if (!config.tuning.enabled) {
      logger.info('tuning: Node-RED disabled (tuning.enabled=false); tunables keep their saved values');
      return;
    }
    const secrets = await ensureTuningSecrets(config.dataDir);
    if (!secrets.passwordHash) logger.warn('tuning: no editor password set (run `booth provision`); editor locked');
    this.host = new NodeRedHost({
      settings: config.tuning,
      userDir: tuningPaths(config.dataDir).userDir,
      flowsDir: this.deps.flowsDir ?? join(projectDir(), 'flows'),
      secrets,
      bridge: createBridge({
        bus: this.deps.bus,
        tunables: this.tunables,
        leds: this.deps.leds,
        user: config.tuning.user,
      }),
      logger: logger.child({ feature: 'tuning' }),
    });
    this.editor = await this.host.start();
    logger.info({ editor: this.editor }, `tuning: Node-RED editor at ${this.editor}`);
  }

  async stop(): Promise<void> {
    const host = this.host;
    this.host = null;
    this.editor = '';
    if (host) await host.stop();
  }
}
