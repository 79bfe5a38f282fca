import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { compileValidator } from '../../protocol/validate.js';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';

/**
 * The editor password (as an scrypt hash) and Node-RED's credential secret. Set by
 * `booth provision`; kept beside the booth's key in the data directory with mode 0600, never in
 * the config file. Without a password the editor stays locked: every login fails.
 */
export const TuningSecretsSchema = Type.Object(
  {
    passwordHash: Type.Union([Type.String({ pattern: '^scrypt\\$' }), Type.Null()]),
    credentialSecret: Type.String({ minLength: 32 }),
  },
  { additionalProperties: false },
);

export interface TuningSecrets {
  passwordHash: string | null;
  credentialSecret: string;
}

const validator = compileValidator(TuningSecretsSchema, { code: 'BOOTH_ERR_CONFIG_INVALID' });

export function tuningSecretsPath(dataDir: string): string {
  return join(dataDir, 'identity', 'tuning.json');
}

// N=2^14 keeps a login under ~50 ms on a Pi 4 while costing an offline guesser 16 MiB per try.
const PARAMS = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const [tag, n, r, p, salt, key] = hash.split('$');
  if (tag !== 'scrypt' || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export async function readTuningSecrets(dataDir: string): Promise<TuningSecrets | null> {
  const text = await readIfExists(tuningSecretsPath(dataDir));
  if (text === null) return null;
  return validator.parse(JSON.parse(text), tuningSecretsPath(dataDir));
}

/** Writes a new password (keeping the credential secret, so encrypted flow credentials stay readable). */
export async function setTuningPassword(dataDir: string, password: string | null): Promise<TuningSecrets> {
  const existing = await readTuningSecrets(dataDir);
  const secrets: TuningSecrets = {
    passwordHash: password === null ? null : await hashPassword(password),
    credentialSecret: existing?.credentialSecret ?? randomBytes(32).toString('base64url'),
  };
  await writeFileDurable(tuningSecretsPath(dataDir), `${JSON.stringify(secrets, null, 2)}\n`, 0o600);
  return secrets;
}

/** The secrets in force; on a booth never provisioned, a credential secret and a locked editor. */
export async function ensureTuningSecrets(dataDir: string): Promise<TuningSecrets> {
  return (await readTuningSecrets(dataDir)) ?? setTuningPassword(dataDir, null);
}
