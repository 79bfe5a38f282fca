import { createHash, scrypt, scryptSync, timingSafeEqual, randomBytes } from 'node:crypto';

/**
 * Hashes of secrets typed at the booth. The ID-number hash is salted with the package id so a
 * roster copied out of one package cannot be joined with another; the staff PIN hash is scrypt
 * (docs/protocol.md gives both recipes, which the central server follows).
 */
export function normaliseIdNumber(idNumber: string): string {
  return idNumber.replace(/\s+/g, '').toUpperCase();
}

export function idNumberHash(packageId: string, idNumber: string): string {
  return createHash('sha256')
    .update(`id:${packageId}:${normaliseIdNumber(idNumber)}`, 'utf8')
    .digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

const SCRYPT = { N: 16384, r: 8, p: 1 } as const;

export function hashPin(pin: string, salt: Buffer = randomBytes(16)): { salt: string; hash: string } {
  return { salt: salt.toString('base64'), hash: scryptSync(pin, salt, 32, SCRYPT).toString('base64') };
}

/**
 * Checks a PIN against its scrypt hash on libuv's threadpool (async crypto.scrypt): about 45 ms
 * of work that must not stall the booth's event loop (camera frames, tablet ink, other requests).
 */
export async function checkPin(pin: string, cred: { salt: string; hash: string }): Promise<boolean> {
  const got = await new Promise<Buffer>((resolve, reject) =>
    scrypt(pin, Buffer.from(cred.salt, 'base64'), 32, SCRYPT, (err, key) => (err ? reject(err) : resolve(key))),
  );
  const want = Buffer.from(cred.hash, 'base64');
  return got.length === want.length && timingSafeEqual(got, want);
}
