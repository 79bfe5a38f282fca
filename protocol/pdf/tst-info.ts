import { children, content, oidToString, read, TAG, type Element } from './der.js';
import { OID } from './oid.js';

/** RFC 3161: the TSTInfo of a TimeStampToken, as the sealer checks it and every verifier reads it. */
export interface TstInfo {
  genTime: string;
  imprint: Buffer;
  nonce: Buffer | null;
  content: Uint8Array;
}

function generalizedTimeToIso(text: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?Z$/.exec(text);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z` : text;
}

/** Reads the TSTInfo inside a TimeStampToken (ContentInfo / SignedData / eContent). */
export function readTstInfo(token: Uint8Array): TstInfo {
  const [, wrapped] = children(token, read(token));
  const [sd] = wrapped ? children(token, wrapped) : [];
  const encap = sd ? children(token, sd)[2] : undefined;
  const [type, explicit] = encap ? children(token, encap) : [];
  if (!type || oidToString(content(token, type)) !== OID.tstInfo || !explicit)
    throw new Error('not a timestamp token (no TSTInfo)');
  const [octet] = children(token, explicit);
  if (!octet) throw new Error('empty TSTInfo');
  const tst = content(token, octet);
  const fields = children(tst, read(tst));
  const imprintEl = fields[2];
  const genTimeEl = fields[4];
  if (!imprintEl || !genTimeEl) throw new Error('TSTInfo incomplete');
  const [, hashed] = children(tst, imprintEl);
  const nonceEl = fields.slice(5).find((f: Element) => f.tag === TAG.integer);
  let nonce: Buffer | null = nonceEl ? Buffer.from(content(tst, nonceEl)) : null;
  if (nonce && nonce[0] === 0 && nonce.length > 1) nonce = nonce.subarray(1);
  return {
    genTime: generalizedTimeToIso(Buffer.from(content(tst, genTimeEl)).toString('latin1')),
    imprint: Buffer.from(hashed ? content(tst, hashed) : []),
    nonce,
    content: tst,
  };
}
