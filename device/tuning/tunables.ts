import { open, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BoothConfigSchema, type BoothConfig } from '../config/schema.js';
import type { TuningSettings } from '../config/sections/tuning.js';
import { BoothError } from '../../protocol/errors.js';
import type { EventBus } from '../core/events.js';
import type { Clock } from '../core/ports.js';
import { compileValidator, deepFreeze, formatProblems } from '../../protocol/validate.js';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';
import { availableTunables, readPath, writePath, type TunableInfo } from './catalogue.js';
import { liveView } from './live-config.js';

export interface TunablesDeps {
  /** The config as loaded from the file: the base every override sits on. */
  config: BoothConfig;
  /** JSON file of the overrides in force (key -> value), rewritten atomically on each change. */
  file: string;
  /** Append-only JSON lines, one per change with old and new value; fsync'd before the change applies. */
  auditFile: string;
  bus: EventBus;
  clock: Clock;
  /**
   * Commits the change to the hash-chained journal (an audit record, protocol/records/payloads.ts
   * TuningChangedPayload) before it is persisted or applied. Throws when the journal cannot take
   * it: the change is then refused and nothing changes.
   */
  journal: (change: TuneChange) => Promise<void>;
  warn?: (message: string) => void;
}

export interface TuneChange {
  key: string;
  old: unknown;
  new: unknown;
  /** Who: `<editor user>@node-red:<node id>` from a flow, or the caller's name. */
  actor: string;
  at: number;
}

export interface TunableView {
  key: string;
  value: unknown;
  base: unknown;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  schema: TunableInfo['schema'];
  description: string;
}

type SiteLimit = { minimum?: number; maximum?: number; minItems?: number };

type Subscriber = (change: TuneChange, config: BoothConfig) => void;

const configValidator = compileValidator(BoothConfigSchema, { defaults: false, code: 'BOOTH_ERR_TUNABLE_INVALID' });

/**
 * The live tunables: the booth config plus the overrides a site set from Node-RED. Readers take
 * `config` (or get()) per call, so a change applies without a restart. set() validates the whole
 * candidate config against the config schema and the site limits, persists the overrides, appends
 * the audit line and only then swaps the frozen config: an invalid or failed change alters nothing.
 */
export class Tunables {
  private effective: BoothConfig;
  private overrides: Record<string, unknown> = {};
  private readonly catalogue = availableTunables();
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  /** Changes run one at a time so the file, the audit line and memory never disagree. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: TunablesDeps) {
    this.effective = deps.config;
  }

  /** The effective config: read it per call, never cache it. Frozen. */
  get config(): BoothConfig {
    return this.effective;
  }

  /**
   * The effective config as a live view: a feature may keep `live.face` and still read the
   * latest tune at each access. What main.ts hands to the features that read tunables.
   */
  readonly live: BoothConfig = liveView(() => this.effective);

  /** Applies the persisted overrides. One that no longer validates is dropped with a warning. */
  async load(): Promise<void> {
    const text = await readIfExists(this.deps.file);
    if (text === null) return;
    let saved: unknown;
    try {
      saved = JSON.parse(text);
    } catch {
      this.deps.warn?.(`tunables: ${this.deps.file} is not JSON; starting from the config file`);
      return;
    }
    if (saved === null || typeof saved !== 'object' || Array.isArray(saved)) return;
    for (const [key, value] of Object.entries(saved as Record<string, unknown>)) {
      try {
        this.effective = this.candidate(key, value);
        this.overrides[key] = value;
      } catch (err) {
        this.deps.warn?.(`tunables: dropped saved ${key}=${JSON.stringify(value)}: ${(err as Error).message}`);
      }
    }
  }

  get(key: string): unknown {
    this.info(key);
    return readPath(this.effective, key);
  }

  /** Every tunable with its value, base value (config file) and allowed range. */
  list(): TunableView[] {
    return [...this.catalogue.values()].map((t) => {
      const range = this.range(t);
      return {
        key: t.key,
        value: readPath(this.effective, t.key),
        base: readPath(this.deps.config, t.key),
        ...range,
        schema: t.schema,
        description: t.description,
      };
    });
  }

  /**
   * Sets one tunable; throws BOOTH_ERR_TUNABLE_UNKNOWN / _INVALID / _OUT_OF_LIMITS (or the journal's
   * error) and changes nothing then.
   */
  set(key: string, value: unknown, actor: string): Promise<TuneChange> {
    const run = this.queue.then(() => this.apply(key, value, actor));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Drops the override: the config file's value applies again. */
  reset(key: string, actor: string): Promise<TuneChange> {
    return this.set(key, readPath(this.deps.config, key), actor);
  }

  /** Calls fn after each change of `key` ('*' = every key). Returns the unsubscribe function. */
  subscribe(key: string, fn: Subscriber): () => void {
    const set = this.subscribers.get(key) ?? new Set<Subscriber>();
    set.add(fn);
    this.subscribers.set(key, set);
    return () => set.delete(fn);
  }

  private async apply(key: string, value: unknown, actor: string): Promise<TuneChange> {
    let next: BoothConfig;
    try {
      next = this.candidate(key, value);
    } catch (err) {
      const reason = err instanceof BoothError ? err.message : String(err);
      this.deps.bus.emit('tuning.refused', { key, value, actor, reason });
      throw err;
    }
    const change: TuneChange = {
      key,
      old: readPath(this.effective, key),
      new: readPath(next, key),
      actor,
      at: this.deps.clock.now(),
    };
    // The journal first: a change in force is always in the hash-chained journal (a crash right
    // after leaves a record of a change that did not apply, which the audit line then lacks).
    try {
      await this.deps.journal(change);
    } catch (err) {
      const reason = `not journaled, value kept: ${err instanceof Error ? err.message : String(err)}`;
      this.deps.bus.emit('tuning.refused', { key, value, actor, reason });
      throw err;
    }
    const overrides = { ...this.overrides };
    if (JSON.stringify(change.new) === JSON.stringify(readPath(this.deps.config, key))) delete overrides[key];
    else overrides[key] = change.new;
    await writeFileDurable(this.deps.file, `${JSON.stringify(overrides, null, 2)}\n`, 0o600);
    await appendDurable(this.deps.auditFile, `${JSON.stringify({ event: 'tuning.changed', ...change })}\n`);
    this.overrides = overrides;
    this.effective = next;
    this.deps.bus.emit('tuning.changed', change);
    for (const fn of [...(this.subscribers.get(key) ?? []), ...(this.subscribers.get('*') ?? [])]) {
      try {
        fn(change, next);
      } catch (err) {
        this.deps.warn?.(`tunables: subscriber of ${key} failed: ${(err as Error).message}`);
      }
    }
    return change;
  }

  private info(key: string): TunableInfo {
    const t = this.catalogue.get(key);
    if (!t)
      throw new BoothError(
        'BOOTH_ERR_TUNABLE_UNKNOWN',
        `${key}: not a tunable (tunables: ${[...this.catalogue.keys()].join(', ')})`,
        { key },
      );
    return t;
  }

  private limit(key: string): SiteLimit | undefined {
    return ((this.deps.config.tuning as TuningSettings).limits as Record<string, SiteLimit | undefined>)[key];
  }

  private range(t: TunableInfo): { minimum?: number; maximum?: number; minItems?: number } {
    const limit = this.limit(t.key);
    const s = t.schema as { minimum?: number; maximum?: number; minItems?: number };
    const minimum = Math.max(s.minimum ?? -Infinity, limit?.minimum ?? -Infinity);
    const maximum = Math.min(s.maximum ?? Infinity, limit?.maximum ?? Infinity);
    const minItems = Math.max(s.minItems ?? 0, limit?.minItems ?? 0);
    return {
      ...(Number.isFinite(minimum) ? { minimum } : {}),
      ...(Number.isFinite(maximum) ? { maximum } : {}),
      ...(minItems > 0 ? { minItems } : {}),
    };
  }

  /** Site limits apply to what a flow sets; the config file's own value (a reset) is the officer's choice. */
  private checkLimits(t: TunableInfo, value: unknown): void {
    if (JSON.stringify(value) === JSON.stringify(readPath(this.deps.config, t.key))) return;
    const { minimum, maximum, minItems } = this.range(t);
    if (
      typeof value === 'number' &&
      ((minimum !== undefined && value < minimum) || (maximum !== undefined && value > maximum))
    )
      throw new BoothError(
        'BOOTH_ERR_TUNABLE_OUT_OF_LIMITS',
        `${t.key}: ${value} is outside the site range ${minimum ?? '-∞'}..${maximum ?? '∞'}; value kept`,
        { key: t.key, value, minimum, maximum },
      );
    if (Array.isArray(value) && minItems !== undefined && value.length < minItems)
      throw new BoothError(
        'BOOTH_ERR_TUNABLE_OUT_OF_LIMITS',
        `${t.key}: ${value.length} item(s), the site requires at least ${minItems}; value kept`,
        { key: t.key, value, minItems },
      );
  }

  /** The config with key set to value, validated; throws BOOTH_ERR_TUNABLE_* naming the problem. */
  private candidate(key: string, value: unknown): BoothConfig {
    const t = this.info(key);
    const copy = structuredClone(this.effective) as unknown as Record<string, unknown>;
    writePath(copy, key, structuredClone(value));
    const check = configValidator.check(copy);
    if (!check.ok)
      throw new BoothError('BOOTH_ERR_TUNABLE_INVALID', `${key}: ${formatProblems(check.problems)}; value kept`, {
        key,
        problems: check.problems,
      });
    this.checkLimits(t, value);
    return deepFreeze(copy as unknown as BoothConfig);
  }
}

async function appendDurable(path: string, line: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const fh = await open(path, 'a', 0o600);
  try {
    await fh.write(line);
    await fh.sync();
  } finally {
    await fh.close();
  }
}
