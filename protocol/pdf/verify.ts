import { read } from './der.js';
import { checkCms, type CmsCheck } from './cms-verify.js';
import { dictName, dictString, pdfDateToIso } from './pdf-strings.js';

/**
 * Verifies every PDF signature in a file from its bytes, as an archive verifier would: find
 * each signature dictionary's /ByteRange, check that the range excludes exactly the /Contents
 * hex string, recompute the digest of the covered bytes, and check the CMS signature and its
 * message-digest. A signature is intact when all of that holds. It is "unchanged since" when
 * its range reaches the end of the file; otherwise later revisions were appended, which is
 * expected when the last of them is itself covered by an intact signature.
 */
export interface SignatureReport {
  index: number;
  signer: string | null;
  subject: string | null;
  issuer: string | null;
  selfSigned: boolean | null;
  /** SHA-256 fingerprint of the signer certificate: a verifier holding the signer's certificate (the central server) matches it. */
  signerFingerprint256: string | null;
  /** /M of the signature dictionary (the claimed signing time), ISO 8601. */
  signingTime: string | null;
  reason: string | null;
  name: string | null;
  subFilter: string | null;
  byteRange: [number, number, number, number];
  /** Bytes 0 .. revisionEnd are the document as it was signed. */
  revisionEnd: number;
  intact: boolean;
  /** No byte was appended after this signature's revision. */
  unchangedSince: boolean;
  /** What was appended after this signature: nothing, revisions covered by a later intact signature, or unsigned bytes. */
  changesAfter: 'none' | 'signed-revisions' | 'unsigned';
  /** PAdES B-T signature timestamp, when present. */
  timestamp: CmsCheck['timestamp'];
  checks: { byteRange: boolean } & Pick<CmsCheck, 'digestMatches' | 'signatureValid' | 'signingCertificateMatches'>;
  problems: string[];
}

export interface VerifyReport {
  /** Every signature intact and nothing unsigned appended after the last one. */
  ok: boolean;
  size: number;
  signatures: SignatureReport[];
  /** Bytes after the end of the last intact signed revision (0 when fully covered). */
  unsignedTailBytes: number;
}

const BYTE_RANGE = /\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/g;
const CN = /(?:^|\n|,\s*)CN=([^\n,]+)/;

/** The text of the object around `at`: from its "obj" keyword to its "endobj". */
function objectText(text: string, at: number): string {
  const start = Math.max(text.lastIndexOf(' obj', at), 0);
  const end = text.indexOf('endobj', at);
  return text.slice(start, end < 0 ? text.length : end);
}

function checkRange(bytes: Uint8Array, br: number[]): string | null {
  const [a = -1, b = -1, c = -1, d = -1] = br;
  if (a !== 0) return 'ByteRange does not start at 0';
  if (!(b < c) || c + d > bytes.length) return 'ByteRange runs past the end of the file';
  if (bytes[b] !== 0x3c || bytes[c - 1] !== 0x3e) return 'ByteRange gap is not exactly the /Contents string';
  return null;
}

function cmsFromGap(bytes: Uint8Array, b: number, c: number): Uint8Array {
  const hex = Buffer.from(bytes.subarray(b + 1, c - 1)).toString('latin1');
  if (!/^[0-9A-Fa-f]*$/.test(hex)) throw new Error('/Contents is not a hex string');
  const der = Buffer.from(hex, 'hex');
  // The reserved space is zero-padded after the DER object: cut at its real end.
  return der.subarray(0, read(der).end);
}

function reportOne(bytes: Uint8Array, text: string, match: RegExpExecArray, index: number): SignatureReport {
  const br = [match[1], match[2], match[3], match[4]].map(Number) as [number, number, number, number];
  const dict = objectText(text, match.index);
  const problems: string[] = [];
  const rangeProblem = checkRange(bytes, br);
  let cms: CmsCheck | null = null;
  if (rangeProblem) problems.push(rangeProblem);
  else {
    try {
      const der = cmsFromGap(bytes, br[1], br[2]);
      cms = checkCms(der, [bytes.subarray(0, br[1]), bytes.subarray(br[2], br[2] + br[3])]);
      problems.push(...cms.problems);
    } catch (err) {
      problems.push(`signature value unreadable (${(err as Error).message})`);
    }
  }
  const signingTime = dictString(dict, 'M');
  const intact =
    !rangeProblem &&
    cms !== null &&
    cms.digestMatches &&
    cms.signatureValid &&
    cms.signingCertificateMatches !== false &&
    cms.timestamp?.intact !== false;
  const revisionEnd = br[2] + br[3];
  return {
    index,
    signer: cms?.signer ? (CN.exec(cms.signer.subject)?.[1] ?? cms.signer.subject) : null,
    subject: cms?.signer?.subject ?? null,
    issuer: cms?.signer?.issuer ?? null,
    selfSigned: cms?.signer?.selfSigned ?? null,
    signerFingerprint256: cms?.signer?.fingerprint256 ?? null,
    signingTime: signingTime ? pdfDateToIso(signingTime) : null,
    reason: dictString(dict, 'Reason') ?? null,
    name: dictString(dict, 'Name') ?? null,
    subFilter: dictName(dict, 'SubFilter') ?? null,
    byteRange: br,
    revisionEnd,
    intact,
    unchangedSince: revisionEnd === bytes.length,
    changesAfter: 'none',
    timestamp: cms?.timestamp ?? null,
    checks: {
      byteRange: rangeProblem === null,
      digestMatches: cms?.digestMatches ?? false,
      signatureValid: cms?.signatureValid ?? false,
      signingCertificateMatches: cms?.signingCertificateMatches ?? null,
    },
    problems,
  };
}

/** Each signature dictionary's /ByteRange match, in file order, once per distinct range. */
function signatureMatches(text: string): RegExpExecArray[] {
  const seen = new Set<string>();
  const out: RegExpExecArray[] = [];
  for (const match of text.matchAll(BYTE_RANGE)) {
    const key = match.slice(1, 5).join(' ');
    // The same signature dictionary may be repeated by a later rewrite: report it once.
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(match as RegExpExecArray);
  }
  return out;
}

const BYTE_RANGE_KEY = Buffer.from('/ByteRange', 'latin1');
const BYTE_RANGE_AT = /^\/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]/;
/** Longest ByteRange text looked at (whitespace included); the regex above is not bounded either, so be generous. */
const BYTE_RANGE_WINDOW = 4096;

/**
 * The ByteRange of every signature verifyPdf would report, without checking any and without
 * turning the whole file into a string: cheap enough to run on every stamp.
 */
export function signatureByteRanges(bytes: Uint8Array): [number, number, number, number][] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const seen = new Set<string>();
  const out: [number, number, number, number][] = [];
  for (let at = buf.indexOf(BYTE_RANGE_KEY); at >= 0; at = buf.indexOf(BYTE_RANGE_KEY, at + 1)) {
    const m = BYTE_RANGE_AT.exec(buf.toString('latin1', at, Math.min(buf.length, at + BYTE_RANGE_WINDOW)));
    if (!m) continue;
    const br = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
    const key = br.join(' ');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(br);
  }
  return out;
}

export function verifyPdf(input: Uint8Array): VerifyReport {
  const bytes = input;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
  const signatures: SignatureReport[] = [];
  for (const match of signatureMatches(text)) signatures.push(reportOne(bytes, text, match, signatures.length + 1));
  signatures.sort((x, y) => x.revisionEnd - y.revisionEnd);
  const lastIntactEnd = Math.max(0, ...signatures.filter((s) => s.intact).map((s) => s.revisionEnd));
  const tailSigned = lastIntactEnd === bytes.length;
  signatures.forEach((s, i) => {
    s.index = i + 1;
    s.changesAfter = s.unchangedSince ? 'none' : tailSigned ? 'signed-revisions' : 'unsigned';
  });
  const ok = signatures.length > 0 && signatures.every((s) => s.intact) && tailSigned;
  return { ok, size: bytes.length, signatures, unsignedTailBytes: bytes.length - lastIntactEnd };
}
