import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import { children, content, oidToString, read, whole, type Element } from './der.js';
import { OID } from './oid.js';
import { readTstInfo } from './tst-info.js';

/**
 * Checks a detached CMS SignedData against the bytes it claims to sign: the message-digest
 * attribute must equal the digest of the signed byte ranges, the signature over the signed
 * attributes must verify with the embedded signer certificate, and an ESS signing-certificate-v2
 * attribute, when present, must name that certificate. Trust in the certificate (a chain to a
 * known CA) is a separate question and reported as such, not decided here.
 */
const HASHES: Record<string, string> = {
  [OID.sha256]: 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

export interface CmsCheck {
  digestMatches: boolean;
  signatureValid: boolean;
  /** null when the attribute is absent (not PAdES). */
  signingCertificateMatches: boolean | null;
  signer: {
    subject: string;
    issuer: string;
    serialNumber: string;
    selfSigned: boolean;
    validTo: string;
    /** SHA-256 fingerprint of the signer certificate (X509Certificate.fingerprint256): which certificate it is. */
    fingerprint256: string;
  } | null;
  /** The signature timestamp (PAdES B-T), when the CMS carries one. */
  timestamp: TimestampCheck | null;
  problems: string[];
}

export interface TimestampCheck {
  /** genTime of the token, ISO 8601. */
  time: string;
  /** The token's own signature verifies and it is over this signature's value. */
  intact: boolean;
  authority: string | null;
}

/** Checks a signature-time-stamp token against the signature value it claims to cover. */
function checkTimestamp(token: Uint8Array, signatureValue: Uint8Array): TimestampCheck {
  try {
    const info = readTstInfo(token);
    const own = checkCms(token, [info.content]);
    const over = info.imprint.equals(createHash('sha256').update(signatureValue).digest());
    return {
      time: info.genTime,
      intact: own.digestMatches && own.signatureValid && over,
      authority: own.signer?.subject ?? null,
    };
  } catch {
    return { time: '', intact: false, authority: null };
  }
}

function certIssuerSerial(der: Uint8Array): { issuer: Buffer; serial: Buffer } | null {
  try {
    const [tbs] = children(der, read(der));
    if (!tbs) return null;
    const f = children(der, tbs);
    const o = f[0]?.tag === 0xa0 ? 1 : 0;
    const serial = f[o];
    const issuer = f[o + 2];
    return serial && issuer
      ? { issuer: Buffer.from(whole(der, issuer)), serial: Buffer.from(whole(der, serial)) }
      : null;
  } catch {
    return null;
  }
}

function attributesOf(buf: Uint8Array, set: Element): Map<string, Element[]> {
  const map = new Map<string, Element[]>();
  for (const attr of children(buf, set)) {
    const [type, values] = children(buf, attr);
    if (type && values) map.set(oidToString(content(buf, type)), children(buf, values));
  }
  return map;
}

export function checkCms(cms: Uint8Array, signedParts: readonly Uint8Array[]): CmsCheck {
  const problems: string[] = [];
  const fail = (p: string): CmsCheck => ({
    digestMatches: false,
    signatureValid: false,
    signingCertificateMatches: null,
    signer: null,
    timestamp: null,
    problems: [...problems, p],
  });
  let info: Element;
  try {
    info = read(cms);
  } catch (err) {
    return fail(`CMS: not DER (${(err as Error).message})`);
  }
  try {
    const [type, wrapped] = children(cms, info);
    if (!type || oidToString(content(cms, type)) !== OID.signedData || !wrapped) return fail('CMS: not SignedData');
    const [sd] = children(cms, wrapped);
    if (!sd) return fail('CMS: empty SignedData');
    const parts = children(cms, sd);
    const certs = parts.find((e) => e.tag === 0xa0);
    const signerInfos = parts[parts.length - 1];
    const [si] = signerInfos ? children(cms, signerInfos) : [];
    if (!si) return fail('CMS: no SignerInfo');
    const [, sid, digestAlg, ...rest] = children(cms, si);
    const signedAttrs = rest[0]?.tag === 0xa0 ? rest[0] : undefined;
    const sigValue = rest[signedAttrs ? 2 : 1];
    if (!sid || !digestAlg || !sigValue) return fail('CMS: SignerInfo incomplete');
    const [algOid] = children(cms, digestAlg);
    const hash = algOid ? HASHES[oidToString(content(cms, algOid))] : undefined;
    if (!hash) return fail('CMS: unsupported digest algorithm');

    const [sidIssuer, sidSerial] = sid.tag === 0x30 ? children(cms, sid) : [];
    const certDers = certs ? children(cms, certs).map((c) => whole(cms, c)) : [];
    const certDer = certDers.find((d) => {
      const is = certIssuerSerial(d);
      return (
        is !== null &&
        sidIssuer !== undefined &&
        sidSerial !== undefined &&
        is.issuer.equals(whole(cms, sidIssuer)) &&
        is.serial.equals(whole(cms, sidSerial))
      );
    });
    if (!certDer) return fail('CMS: the signer certificate is not embedded');
    const cert = new X509Certificate(certDer);
    const signer = {
      subject: cert.subject,
      issuer: cert.issuer,
      serialNumber: cert.serialNumber,
      selfSigned: cert.subject === cert.issuer && cert.verify(cert.publicKey),
      validTo: new Date(cert.validTo).toISOString(),
      fingerprint256: cert.fingerprint256,
    };

    const h = createHash(hash);
    for (const p of signedParts) h.update(p);
    const digest = h.digest();
    const signature = content(cms, sigValue);
    if (!signedAttrs) {
      const data = Buffer.concat(signedParts.map((p) => Buffer.from(p)));
      const ok = verifySignature(hash, data, cert.publicKey, signature);
      return {
        digestMatches: ok,
        signatureValid: ok,
        signingCertificateMatches: null,
        signer,
        timestamp: null,
        problems,
      };
    }
    const attrs = attributesOf(cms, signedAttrs);
    const md = attrs.get(OID.messageDigest)?.[0];
    const digestMatches = md !== undefined && Buffer.compare(Buffer.from(content(cms, md)), digest) === 0;
    if (!digestMatches) problems.push('message-digest does not match the signed byte ranges');
    if (!attrs.has(OID.contentType)) problems.push('content-type attribute missing');
    const signedBytes = Buffer.from(whole(cms, signedAttrs));
    signedBytes[0] = 0x31; // the signature covers the attributes as a DER SET
    const signatureValid = verifySignature(hash, signedBytes, cert.publicKey, signature);
    if (!signatureValid) problems.push('signature over the signed attributes does not verify');
    let signingCertificateMatches: boolean | null = null;
    const scv2 = attrs.get(OID.signingCertificateV2)?.[0];
    if (scv2) {
      const [certIds] = children(cms, scv2);
      const [first] = certIds ? children(cms, certIds) : [];
      const fields = first ? children(cms, first) : [];
      // ESSCertIDv2: [hashAlgorithm (absent = SHA-256)], certHash, [issuerSerial].
      const algField = fields[0]?.tag === 0x30 ? fields[0] : undefined;
      const algOidEl = algField ? children(cms, algField)[0] : undefined;
      const certHashAlg = algOidEl ? HASHES[oidToString(content(cms, algOidEl))] : 'sha256';
      const hashField = fields.find((f) => f.tag === 0x04);
      signingCertificateMatches =
        certHashAlg !== undefined &&
        hashField !== undefined &&
        Buffer.from(content(cms, hashField)).equals(createHash(certHashAlg).update(certDer).digest());
      if (!signingCertificateMatches) problems.push('signing-certificate-v2 does not name the signer certificate');
    }
    const unsigned = rest[signedAttrs ? 3 : 2];
    const tokenEl =
      unsigned?.tag === 0xa1 ? attributesOf(cms, unsigned).get(OID.signatureTimeStampToken)?.[0] : undefined;
    const timestamp = tokenEl ? checkTimestamp(whole(cms, tokenEl), signature) : null;
    if (timestamp && !timestamp.intact) problems.push('signature timestamp does not verify');
    return { digestMatches, signatureValid, signingCertificateMatches, signer, timestamp, problems };
  } catch (err) {
    return fail(`CMS: malformed (${(err as Error).message})`);
  }
}
