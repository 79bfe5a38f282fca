import { webcrypto, createPrivateKey, createPublicKey, X509Certificate, randomBytes } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { BoothError } from '../errors.js';
import { smallInt } from '../pdf/der.js';

/**
 * X.509 for the booth: its ECDSA P-256 key pair, a self-signed certificate until provisioning
 * gives a real one, certificate signing requests for enrollment, and (for the reference central
 * server and tests) a small CA that issues certificates from CSRs. Node's crypto cannot create
 * certificates, hence @peculiar/x509 over WebCrypto. Keys cross this module as PKCS#8/SPKI PEM.
 */
type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Crypto = webcrypto.Crypto;
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyPairPem {
  privateKeyPem: string;
  publicKeyPem: string;
}

export type CertificateProfile = 'ca' | 'client' | 'server' | 'signing' | 'client-server';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  fingerprint256: string;
  publicKeyPem: string;
  pem: string;
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function importPrivate(pem: string): Promise<CryptoKey> {
  const der = createPrivateKey(pem).export({ format: 'der', type: 'pkcs8' });
  return webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign']) as Promise<CryptoKey>;
}

async function importPublic(pem: string): Promise<CryptoKey> {
  const der = createPublicKey(pem).export({ format: 'der', type: 'spki' });
  return webcrypto.subtle.importKey('spki', der, EC, true, ['verify']) as Promise<CryptoKey>;
}

export async function generateKeyPair(): Promise<KeyPairPem> {
  const keys = (await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])) as CryptoKeyPair;
  return {
    privateKeyPem: toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY'),
    publicKeyPem: toPem(await webcrypto.subtle.exportKey('spki', keys.publicKey), 'PUBLIC KEY'),
  };
}

/** A positive serial of 16 random bytes (RFC 5280 allows up to 20). */
/**
 * A 16-byte positive serial whose DER INTEGER is minimal: the first byte in 0x01-0x7f. A first
 * byte of 0 (1 serial in 128) was written as a padded INTEGER; OpenSSL (and so Node) reads the
 * serial without it while @peculiar/x509 keeps it, and the CRL entry of such a certificate was not
 * found by its Node serial: a revoked booth could look unrevoked to that check (CI saw it once).
 */
export function newSerial(random: (n: number) => Buffer = randomBytes): string {
  const bytes = random(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f || 0x01;
  return bytes.toString('hex');
}

function extensionsFor(profile: CertificateProfile): x509.Extension[] {
  const { KeyUsageFlags: K } = x509;
  switch (profile) {
    case 'ca':
      return [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(K.keyCertSign | K.cRLSign | K.digitalSignature, true),
      ];
    case 'client':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(K.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      ];
    case 'server':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(K.digitalSignature | K.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ];
    case 'client-server':
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(K.digitalSignature | K.keyAgreement, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth, x509.ExtendedKeyUsage.serverAuth]),
      ];
    case 'signing':
      // Document signing (PAdES): digitalSignature + nonRepudiation (contentCommitment).
      return [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(K.digitalSignature | K.nonRepudiation, true),
      ];
  }
}

export interface SelfSignedOptions {
  /** Distinguished name, e.g. "CN=booth-dev, O=Booth". */
  subject: string;
  keys: KeyPairPem;
  days: number;
  profile: CertificateProfile;
  /** DNS names, IPs or URIs (`urn:booth:<id>`) for the subject alternative name. */
  altNames?: string[];
  notBefore?: Date;
}

/** Subject alternative names: `urn:...` and `https://...` are URIs, dotted quads and IPv6 are IPs, the rest DNS names. */
function altNamesExtension(names: string[] | undefined): x509.Extension[] {
  if (!names?.length) return [];
  const type = (n: string): 'url' | 'ip' | 'dns' =>
    /^urn:|^[a-z][a-z0-9+.-]*:\/\//i.test(n) ? 'url' : /^[\d.]+$/.test(n) || n.includes(':') ? 'ip' : 'dns';
  return [new x509.SubjectAlternativeNameExtension(names.map((n) => ({ type: type(n), value: n })))];
}

export async function createSelfSignedCertificate(o: SelfSignedOptions): Promise<string> {
  const notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: newSerial(),
    name: o.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + o.days * 86_400_000),
    signingAlgorithm: SIGN,
    keys: { privateKey: await importPrivate(o.keys.privateKeyPem), publicKey: await importPublic(o.keys.publicKeyPem) },
    extensions: [
      ...extensionsFor(o.profile),
      ...altNamesExtension(o.altNames),
      await x509.SubjectKeyIdentifierExtension.create(await importPublic(o.keys.publicKeyPem)),
    ],
  });
  return cert.toString('pem') + '\n';
}

/** A PKCS#10 request: the booth proves it holds the key without sending it. */
export async function createCsr(subject: string, keys: KeyPairPem): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: subject,
    keys: { privateKey: await importPrivate(keys.privateKeyPem), publicKey: await importPublic(keys.publicKeyPem) },
    signingAlgorithm: SIGN,
  });
  return csr.toString('pem') + '\n';
}

export interface IssueOptions {
  csrPem: string;
  caCertPem: string;
  caPrivateKeyPem: string;
  days: number;
  profile: CertificateProfile;
  /** Overrides the CSR's subject (the CA decides the booth's name). */
  subject?: string;
  altNames?: string[];
}

/** CA side: checks the CSR's self-signature, then issues a certificate for its public key. */
export async function issueCertificate(o: IssueOptions): Promise<string> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(o.csrPem);
  } catch (err) {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `certificate request: expected a PEM PKCS#10 request (${String(err)})`);
  }
  if (!(await csr.verify()))
    throw new BoothError('BOOTH_ERR_BAD_INPUT', 'certificate request: its signature does not verify');
  const ca = new x509.X509Certificate(o.caCertPem);
  const notBefore = new Date(Date.now() - 60_000);
  const publicKey = await csr.publicKey.export(EC, ['verify'], webcrypto as unknown as Crypto);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: newSerial(),
    subject: o.subject ?? csr.subject,
    issuer: ca.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + o.days * 86_400_000),
    signingAlgorithm: SIGN,
    publicKey,
    signingKey: await importPrivate(o.caPrivateKeyPem),
    extensions: [
      ...extensionsFor(o.profile),
      ...altNamesExtension(o.altNames),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return cert.toString('pem') + '\n';
}

export interface CrlEntry {
  /** Hexadecimal serial number of the revoked certificate. */
  serialNumber: string;
  revokedAt: Date;
  /** RFC 5280 reason; absent = unspecified (the RFC asks to leave it out then). */
  reason?: 'keyCompromise' | 'superseded' | 'cessationOfOperation';
}

/** DER INTEGER of a non-negative safe integer (the CRL number), minimal (der.ts). */
function derInteger(n: number): ArrayBuffer {
  const der = smallInt(n);
  return new Uint8Array(der).buffer;
}

/**
 * CA side: a certificate revocation list signed by the CA, in the PEM form OpenSSL (and so
 * Node's TLS `crl` option) reads ("X509 CRL"). `number` should grow with every new list.
 */
export async function createCrl(o: {
  caCertPem: string;
  caPrivateKeyPem: string;
  entries: readonly CrlEntry[];
  thisUpdate: Date;
  nextUpdate: Date;
  number: number;
}): Promise<string> {
  const ca = new x509.X509Certificate(o.caCertPem);
  const crl = await x509.X509CrlGenerator.create({
    issuer: ca.subject,
    thisUpdate: o.thisUpdate,
    nextUpdate: o.nextUpdate,
    signingAlgorithm: SIGN,
    signingKey: await importPrivate(o.caPrivateKeyPem),
    entries: o.entries.map((e) => ({
      serialNumber: e.serialNumber,
      revocationDate: e.revokedAt,
      ...(e.reason ? { reason: x509.X509CrlReason[e.reason] } : {}),
    })),
    extensions: [
      await x509.AuthorityKeyIdentifierExtension.create(ca),
      new x509.Extension('2.5.29.20', false, derInteger(o.number)), // cRLNumber
    ],
  });
  return toPem(crl.rawData, 'X509 CRL');
}

export function certificateInfo(pem: string): CertificateInfo {
  let c: X509Certificate;
  try {
    c = new X509Certificate(pem);
  } catch (err) {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `certificate: expected PEM X.509 (${String(err)})`);
  }
  return {
    subject: c.subject,
    issuer: c.issuer,
    serialNumber: c.serialNumber,
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    fingerprint256: c.fingerprint256,
    publicKeyPem: c.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    pem,
  };
}

/** True when `pem` was signed by `issuerPem`'s key and is within its validity at `at`. */
export function verifyIssued(pem: string, issuerPem: string, at = new Date()): boolean {
  const c = new X509Certificate(pem);
  const issuer = new X509Certificate(issuerPem);
  return (
    c.checkIssued(issuer) && c.verify(issuer.publicKey) && new Date(c.validFrom) <= at && at <= new Date(c.validTo)
  );
}
