import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { openStateFile, type StateFile } from '../store/state-file.js';

/**
 * What the booth remembers about packages for good, whatever it holds now: the highest version
 * of each package id it ever installed or saw revoked (an older one is refused as stale, whatever
 * was installed between), whether the package was closed (it never reopens), every command nonce
 * it accepted (a command is obeyed once), and the retired central session keys that still verify
 * a held package. One small file (`session/state.json`, with the last good copy beside it).
 * Device-local state, not protocol: its schema may change with a migration here.
 */
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const EndCause = Type.Union([Type.Literal('close'), Type.Literal('expiry')]);

const PackageMemory = Type.Object(
  {
    highest: Type.Integer({ minimum: 0, description: 'highest version installed or revoked' }),
    closed: Type.Union([
      Type.Null(),
      Type.Object(
        { cause: EndCause, version: Type.Integer({ minimum: 1 }), at: Type.Integer() },
        { additionalProperties: false },
      ),
    ]),
  },
  { additionalProperties: false },
);

export const SessionStateSchema = Type.Object(
  {
    format: Type.Literal(1),
    packages: Type.Record(Id, PackageMemory),
    nonces: Type.Array(Type.String({ pattern: '^[0-9a-f]{32}$' })),
    retiredKeys: Type.Array(
      Type.Object({ keyId: Type.String(), publicKeyPem: Type.String() }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);
export type SessionState = Static<typeof SessionStateSchema>;
export type PackageMemory = Static<typeof PackageMemory>;

export class SessionMemory {
  private file: StateFile<typeof SessionStateSchema> | null = null;
  private nonceSet = new Set<string>();
  /** Set when the file (and its last good copy) could not be read: the floor comes from elsewhere. */
  problem: string | null = null;

  constructor(private readonly dir: string) {}

  async open(): Promise<void> {
    this.file = await openStateFile(join(this.dir, 'state.json'), SessionStateSchema, () => ({
      format: 1 as const,
      packages: {},
      nonces: [],
      retiredKeys: [],
    }));
    this.problem = this.file.adapter.problem;
    this.nonceSet = new Set(this.data.nonces);
  }

  private get data(): SessionState {
    if (!this.file) throw new Error('session state not opened');
    return this.file.db.data;
  }

  of(packageId: string): PackageMemory {
    return this.data.packages[packageId] ?? { highest: 0, closed: null };
  }

  hasNonce(nonce: string): boolean {
    return this.nonceSet.has(nonce);
  }

  get retiredKeys(): SessionState['retiredKeys'] {
    return this.data.retiredKeys;
  }

  /** Changes the state in memory and writes it durably before resolving. */
  async update(fn: (s: SessionState) => void): Promise<void> {
    const next = structuredClone(this.data);
    fn(next);
    if (!this.file) throw new Error('session state not opened');
    this.file.db.data = next;
    await this.file.db.write();
    this.nonceSet = new Set(next.nonces);
  }
}

/** Raises a package's memory (never lowers it): highest version and closed. */
export function raise(s: SessionState, packageId: string, o: { highest?: number; closed?: PackageMemory['closed'] }) {
  const cur = s.packages[packageId] ?? { highest: 0, closed: null };
  s.packages[packageId] = {
    highest: Math.max(cur.highest, o.highest ?? 0),
    closed: cur.closed ?? o.closed ?? null,
  };
}
