import {
  createCipheriv,
  createDecipheriv,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { BoothError } from '../errors.js';

/**
 * Roster sealing (docs/protocol.md, "Roster encryption"): per entry, the central server makes an
 * ephemeral P-256 key pair and derives, from ECDH with the booth's static public key, one
 * AES-256-GCM key per part with HKDF-SHA256 (salt = the ephemeral point, info = the part's
 * label). The same label is the GCM additional data, so a part moved to another entry, another
 * package or another part fails to open instead of revealing the wrong person.
 */
export type PartName = 'matching' | 'identity';

export interface SealedPartData {
  iv: string;
  ciphertext: string;
  tag: string;
}

export function partLabel(packageId: string, ref: string, part: PartName, recipientKeyId: string): string {
  return `booth-session/1 roster ${packageId} ${ref} ${part} ${recipientKeyId}`;
}

function rawPoint(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (!jwk.x || !jwk.y) throw new BoothError('BOOTH_ERR_INTERNAL', 'EC public key without coordinates');
  return Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
}

function pointKey(raw: Buffer): KeyObject {
  if (raw.length !== 65 || raw[0] !== 4) throw new Error('ephemeral key is not an uncompressed P-256 point');
  return createPublicKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      x: raw.subarray(1, 33).toString('base64url'),
      y: raw.subarray(33).toString('base64url'),
    },
    format: 'jwk',
  });
}

function partKey(shared: Buffer, ephemeral: Buffer, label: string): Buffer {
  return Buffer.from(hkdfSync('sha256', shared, ephemeral, Buffer.from(label, 'utf8'), 32));
}

/**
 * Seals one plaintext to a P-256 public key under `label` (HKDF info and GCM additional data):
 * a fresh ephemeral key per call, so two seals of the same bytes share nothing.
 */
export function sealTo(recipient: KeyObject, label: string, plain: Buffer): { ephemeralKey: string } & SealedPartData {
  const eph = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ephemeral = rawPoint(eph.publicKey);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: recipient });
  return { ephemeralKey: ephemeral.toString('base64'), ...sealWith(shared, ephemeral, label, plain) };
}

function sealWith(shared: Buffer, ephemeral: Buffer, label: string, plain: Buffer): SealedPartData {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', partKey(shared, ephemeral, label), iv);
  cipher.setAAD(Buffer.from(label, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
  return {
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Central side: seals the parts of one entry to the booth's public key (one ephemeral key for both parts). */
export function sealEntry(
  boothPublicKey: KeyObject,
  labels: Record<PartName, string>,
  parts: Record<PartName, Buffer>,
): { ephemeralKey: string } & Record<PartName, SealedPartData> {
  const eph = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ephemeral = rawPoint(eph.publicKey);
  const shared = diffieHellman({ privateKey: eph.privateKey, publicKey: boothPublicKey });
  return {
    ephemeralKey: ephemeral.toString('base64'),
    matching: sealWith(shared, ephemeral, labels.matching, parts.matching),
    identity: sealWith(shared, ephemeral, labels.identity, parts.identity),
  };
}

/**
 * Booth side: opens one part with the booth's private key. Any failure (wrong key, moved or
 * altered ciphertext) is BOOTH_ERR_SESSION_REJECTED with reason "tampered".
 */
export function openPart(
  boothPrivateKey: KeyObject,
  ephemeralKey: string,
  label: string,
  sealed: SealedPartData,
): Buffer {
  try {
    const ephemeral = Buffer.from(ephemeralKey, 'base64');
    const shared = diffieHellman({ privateKey: boothPrivateKey, publicKey: pointKey(ephemeral) });
    const decipher = createDecipheriv(
      'aes-256-gcm',
      partKey(shared, ephemeral, label),
      Buffer.from(sealed.iv, 'base64'),
    );
    decipher.setAAD(Buffer.from(label, 'utf8'));
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.ciphertext, 'base64')), decipher.final()]);
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_SESSION_REJECTED',
      'a roster entry does not open with this booth key',
      { reason: 'tampered' },
      { cause: err },
    );
  }
}
