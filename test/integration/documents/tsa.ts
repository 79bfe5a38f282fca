import { createServer, type Server } from 'node:http';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { OID, signCms, type SignerPem } from '../../../device/documents/cms.js';
import { children, oid, read, seq, tlv, TAG, unsignedInteger, whole } from '../../../protocol/pdf/der.js';

/**
 * A small RFC 3161 timestamp authority for the tests, on 127.0.0.1: answers a TimeStampReq with
 * a granted TimeStampResp whose token (CMS SignedData over a TSTInfo) is signed by a TSA
 * certificate with the critical timeStamping extended key usage. `fail` makes it answer 500.
 */
export interface TestTsa {
  url: string;
  /** The TSA's certificate (self-signed), as a trust anchor for `openssl ts -verify`. */
  certPem: string;
  requests: number;
  fail: boolean;
  close(): Promise<void>;
}

async function tsaSigner(): Promise<SignerPem> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '0a1b2c',
      name: 'CN=Test TSA, O=Booth tests',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      signingAlgorithm: alg,
      keys: { privateKey: keys.privateKey, publicKey: keys.publicKey },
      extensions: [
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.timeStamping], true),
      ],
    },
    webcrypto as unknown as webcrypto.Crypto,
  );
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  return {
    keyPem: `-----BEGIN PRIVATE KEY-----\n${pkcs8}\n-----END PRIVATE KEY-----\n`,
    certPem: cert.toString('pem'),
  };
}

function generalizedTime(d: Date): Buffer {
  const text = d
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return tlv(TAG.generalizedTime, Buffer.from(text, 'latin1'));
}

function answer(request: Buffer, signer: SignerPem): Buffer {
  const fields = children(request, read(request));
  const imprint = fields[1];
  const nonce = fields.find((f, i) => i > 1 && f.tag === TAG.integer);
  if (!imprint) throw new Error('no message imprint');
  const serial = randomBytes(8);
  const tstInfo = seq(
    tlv(TAG.integer, Buffer.from([1])),
    oid('1.2.3.4.1'),
    whole(request, imprint),
    unsignedInteger(serial),
    generalizedTime(new Date()),
    ...(nonce ? [whole(request, nonce)] : []),
  );
  const token = signCms(createHash('sha256').update(tstInfo).digest(), signer, {
    contentType: OID.tstInfo,
    content: tstInfo,
  }).encode();
  return seq(seq(tlv(TAG.integer, Buffer.from([0]))), token);
}

export async function startTsa(): Promise<TestTsa> {
  const signer = await tsaSigner();
  const state = { requests: 0, fail: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.requests++;
      if (state.fail || req.headers['content-type'] !== 'application/timestamp-query') {
        res.writeHead(500).end();
        return;
      }
      const body = answer(Buffer.concat(chunks), signer);
      res.writeHead(200, { 'content-type': 'application/timestamp-reply' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    certPem: signer.certPem,
    get requests() {
      return state.requests;
    },
    get fail() {
      return state.fail;
    },
    set fail(v: boolean) {
      state.fail = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
