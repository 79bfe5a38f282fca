/**
 * A minimal DER encoder and reader: enough for CMS SignedData (RFC 5652) and the ESS attribute,
 * written out here so that every byte the seal signs is under our control (DER set ordering,
 * no default values) and the verifier can read back the exact signed-attribute bytes.
 */
export const TAG = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

function lengthBytes(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function tlv(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), lengthBytes(body.length), body]);
}

export const seq = (...items: Uint8Array[]): Buffer => tlv(TAG.sequence, ...items);

/** SET OF in DER: elements sorted by their encodings (X.690 11.6). */
export function setOf(...items: Uint8Array[]): Buffer {
  return tlv(TAG.set, ...[...items].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
}

export const octets = (bytes: Uint8Array): Buffer => tlv(TAG.octetString, bytes);

/** A context-specific constructed tag [n] (EXPLICIT, or IMPLICIT over a constructed type). */
export const context = (n: number, ...content: Uint8Array[]): Buffer => tlv(0xa0 | n, ...content);

/**
 * A non-negative INTEGER from big-endian unsigned bytes, in its one DER form (X.690 8.3.2): no
 * leading 0x00 unless the next byte has its top bit set, and a 0x00 prepended when the first
 * byte's top bit is set (else it reads as negative). Random bytes (a nonce, a serial) start with
 * 0x00 1 time in 256; strict readers (OpenSSL: "illegal padding") refuse the padded form.
 */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const body = Buffer.from(bytes.subarray(start));
  if (body.length === 0) return tlv(TAG.integer, Buffer.from([0]));
  return tlv(TAG.integer, (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
}

/** A non-negative safe integer (a version, a CRL number) as a DER INTEGER. */
export function smallInt(n: number): Buffer {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`DER: expected a non-negative safe integer, got ${n}`);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return unsignedInteger(Buffer.from(bytes));
}

export function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = parts;
  const out: number[] = [a * 40 + b];
  for (const p of rest) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(TAG.oid, Buffer.from(out));
}

export function oidToString(content: Uint8Array): string {
  const first = content[0] ?? 0;
  const parts = [Math.floor(first / 40), first % 40];
  let v = 0;
  for (let i = 1; i < content.length; i++) {
    const byte = content[i] ?? 0;
    v = v * 128 + (byte & 0x7f);
    if ((byte & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/** One element read back: its tag, where its content lies and where the whole element ends. */
export interface Element {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  contentStart: number;
  end: number;
}

export function read(buf: Uint8Array, offset = 0): Element {
  const tag = buf[offset];
  let lenByte = buf[offset + 1];
  if (tag === undefined || lenByte === undefined) throw new RangeError(`DER: truncated at ${offset}`);
  let pos = offset + 2;
  let length = lenByte;
  if (lenByte & 0x80) {
    const count = lenByte & 0x7f;
    if (count === 0 || count > 4) throw new RangeError(`DER: unsupported length at ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) {
      lenByte = buf[pos++];
      if (lenByte === undefined) throw new RangeError(`DER: truncated length at ${offset}`);
      length = length * 256 + lenByte;
    }
  }
  const end = pos + length;
  if (end > buf.length) throw new RangeError(`DER: element at ${offset} runs past the end`);
  return { tag, start: offset, contentStart: pos, end };
}

/** The elements inside a constructed element. */
export function children(buf: Uint8Array, parent: Element): Element[] {
  const out: Element[] = [];
  for (let pos = parent.contentStart; pos < parent.end;) {
    const el = read(buf, pos);
    out.push(el);
    pos = el.end;
  }
  return out;
}

export const content = (buf: Uint8Array, el: Element): Uint8Array => buf.subarray(el.contentStart, el.end);
export const whole = (buf: Uint8Array, el: Element): Uint8Array => buf.subarray(el.start, el.end);
