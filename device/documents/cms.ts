import { createHash, createPrivateKey, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import { OID } from '../../protocol/pdf/oid.js';
import {
  children,
  context,
  oid,
  octets,
  read,
  seq,
  setOf,
  smallInt,
  tlv,
  whole,
  type Element,
} from '../../protocol/pdf/der.js';

/**
 * CMS SignedData for a PAdES baseline B-B signature (ETSI EN 319 142-1): detached over the
 * document's ByteRange, SHA-256, with the signed attributes content-type, message-digest and
 * ESS signing-certificate-v2. The signing time is the /M entry of the signature dictionary:
 * PAdES forbids the CMS signing-time attribute, which would be a second, possibly different
 * claim of the same time.
 */

export interface SignerPem {
  keyPem: string;
  certPem: string;
}

interface ParsedCert {
  der: Buffer;
  issuer: Uint8Array;
  serial: Uint8Array;
}

/** Issuer Name and serialNumber INTEGER, exactly as encoded in the certificate. */
export function parseCertificate(certPem: string): ParsedCert {
  let der: Buffer;
  try {
    der = new X509Certificate(certPem).raw;
  } catch (err) {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `signer certificate: expected PEM X.509 (${(err as Error).message})`);
  }
  const cert = read(der);
  const [tbs] = children(der, cert);
  if (!tbs) throw new BoothError('BOOTH_ERR_BAD_INPUT', 'signer certificate: no TBSCertificate');
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const serial = fields[offset];
  const issuer = fields[offset + 2];
  if (!serial || !issuer) throw new BoothError('BOOTH_ERR_BAD_INPUT', 'signer certificate: truncated TBSCertificate');
  return { der, issuer: whole(der, issuer), serial: whole(der, serial) };
}

function algorithm(dotted: string, withNull: boolean): Buffer {
  return withNull ? seq(oid(dotted), tlv(0x05)) : seq(oid(dotted));
}

function signatureAlgorithm(key: KeyObject): Buffer {
  // SM2 and EdDSA keys are not accepted by common PAdES verifiers yet: refuse them clearly.
  if (key.asymmetricKeyType === 'ec') return algorithm(OID.ecdsaWithSha256, false);
  if (key.asymmetricKeyType === 'rsa') return algorithm(OID.sha256WithRsa, true);
  throw new BoothError(
    'BOOTH_ERR_BAD_INPUT',
    `signer key: expected an EC (P-256) or RSA key, got ${String(key.asymmetricKeyType)}`,
  );
}

function attribute(type: string, value: Uint8Array): Buffer {
  return seq(oid(type), setOf(value));
}

/** The signed attributes as a DER SET (tag 0x31): the bytes the signature covers. */
export function signedAttributes(digest: Uint8Array, cert: ParsedCert, contentType: string = OID.data): Buffer {
  const certHash = createHash('sha256').update(cert.der).digest();
  // ESSCertIDv2 with the default hash algorithm (SHA-256) omitted, as DER requires, plus
  // issuerSerial (GeneralNames with one directoryName [4]) to pin the exact certificate.
  const issuerSerial = seq(seq(context(4, cert.issuer)), cert.serial);
  const signingCertificateV2 = seq(seq(seq(octets(certHash), issuerSerial)));
  return setOf(
    attribute(OID.contentType, oid(contentType)),
    attribute(OID.messageDigest, octets(digest)),
    attribute(OID.signingCertificateV2, signingCertificateV2),
  );
}

/** A signed CMS whose unsigned attributes (a signature timestamp) can still be added. */
export interface CmsSignature {
  /** The signature value: what a signature timestamp is taken over. */
  signature: Buffer;
  /** The ContentInfo DER, with the given unsigned attributes (each an encoded Attribute). */
  encode(unsignedAttributes?: Buffer[]): Buffer;
}

export interface CmsContent {
  /** eContentType; id-data for a PDF signature. */
  contentType: string;
  /** Encapsulated content (a timestamp token's TSTInfo); absent for a detached signature. */
  content?: Uint8Array;
}

/** Signs a digest (of the detached content, or of `content.content`) into CMS SignedData. */
export function signCms(
  digest: Uint8Array,
  signer: SignerPem,
  what: CmsContent = { contentType: OID.data },
): CmsSignature {
  let key: KeyObject;
  try {
    key = createPrivateKey(signer.keyPem);
  } catch (err) {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `signer key: expected a PEM private key (${(err as Error).message})`);
  }
  const cert = parseCertificate(signer.certPem);
  const sigAlg = signatureAlgorithm(key);
  const attrs = signedAttributes(digest, cert, what.contentType);
  const signature = sign('sha256', attrs, key);
  const digestAlg = algorithm(OID.sha256, false);
  const encap = what.content
    ? seq(oid(what.contentType), context(0, octets(what.content)))
    : seq(oid(what.contentType));
  return {
    signature,
    encode(unsigned = []) {
      const signerInfo = seq(
        smallInt(1),
        seq(cert.issuer, cert.serial),
        digestAlg,
        // [0] IMPLICIT SET OF Attribute: same content as the signed SET, tag changed.
        Buffer.concat([Buffer.from([0xa0]), attrs.subarray(1)]),
        sigAlg,
        octets(signature),
        ...(unsigned.length > 0 ? [Buffer.concat([Buffer.from([0xa1]), setOf(...unsigned).subarray(1)])] : []),
      );
      // RFC 5652 5.1: version 3 when the content is not id-data (a timestamp's TSTInfo), else 1.
      const version = smallInt(what.contentType === OID.data ? 1 : 3);
      const signedData = seq(version, setOf(digestAlg), encap, context(0, cert.der), setOf(signerInfo));
      return seq(oid(OID.signedData), context(0, signedData));
    },
  };
}

/** Detached CMS SignedData (ContentInfo DER) over a SHA-256 digest of the signed byte ranges. */
export function buildSignedData(digest: Uint8Array, signer: SignerPem): Buffer {
  return signCms(digest, signer).encode();
}

export function unsignedAttribute(type: string, value: Uint8Array): Buffer {
  return attribute(type, value);
}

export type { Element };
export { OID };
