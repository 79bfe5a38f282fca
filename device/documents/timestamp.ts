import { createHash, randomBytes } from 'node:crypto';
import { BoothError } from '../../protocol/errors.js';
import { children, content, oid, octets, read, seq, tlv, TAG, unsignedInteger, whole } from '../../protocol/pdf/der.js';
import { OID } from './cms.js';
import { readTstInfo } from '../../protocol/pdf/tst-info.js';

/**
 * RFC 3161 client for PAdES B-T: asks a timestamp authority to timestamp the signature value
 * (the message imprint is its SHA-256), checks that the answer is granted and carries our
 * imprint and nonce, and returns the TimeStampToken (a CMS ContentInfo) to add as the unsigned
 * signature-time-stamp attribute. Also reads a token back for `verify`.
 */
export interface TimestampOptions {
  url: string;
  timeoutMs: number;
}

const MAX_RESPONSE_BYTES = 64 * 1024;

export function timestampRequest(imprint: Uint8Array, nonce: Uint8Array): Buffer {
  return seq(
    tlv(TAG.integer, Buffer.from([1])),
    seq(seq(oid(OID.sha256)), octets(imprint)),
    unsignedInteger(nonce),
    tlv(0x01, Buffer.from([0xff])), // certReq TRUE: the token carries the TSA certificate
  );
}

/** Requests a token over `signature` from the TSA; throws BOOTH_ERR_PDF_SEAL saying what failed. */
export async function requestTimestamp(signature: Uint8Array, o: TimestampOptions): Promise<Buffer> {
  const imprint = createHash('sha256').update(signature).digest();
  const nonce = randomBytes(8);
  let body: Buffer;
  try {
    const res = await fetch(o.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: timestampRequest(imprint, nonce),
      signal: AbortSignal.timeout(o.timeoutMs),
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    throw new BoothError(
      'BOOTH_ERR_PDF_SEAL',
      `timestamp: the authority at ${o.url} did not answer (${(err as Error).message})`,
    );
  }
  try {
    if (body.length > MAX_RESPONSE_BYTES) throw new Error('response too large');
    const [status, token] = children(body, read(body));
    const [code] = status ? children(body, status) : [];
    const granted = code ? content(body, code) : undefined;
    if (!granted || granted.length !== 1 || (granted[0] ?? 9) > 1) throw new Error('request not granted');
    if (!token) throw new Error('no token in a granted response');
    const tokenBytes = Buffer.from(whole(body, token));
    const info = readTstInfo(tokenBytes);
    if (!info.imprint.equals(imprint)) throw new Error('token is for another message imprint');
    // Compared as numbers: the DER form drops the nonce's leading zero bytes.
    if (!info.nonce || !unsignedInteger(info.nonce).equals(unsignedInteger(nonce)))
      throw new Error('token nonce does not match the request');
    return tokenBytes;
  } catch (err) {
    throw new BoothError('BOOTH_ERR_PDF_SEAL', `timestamp: unusable answer from ${o.url} (${(err as Error).message})`);
  }
}
