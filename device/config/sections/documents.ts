import { Type } from '@sinclair/typebox';

/** Settings of the documents feature (device/documents/). Owned by that feature; every field has a default. */
export const DocumentsConfig = Type.Object(
  {
    maxPdfBytes: Type.Integer({
      minimum: 1024,
      maximum: 2 ** 31 - 1,
      default: 200 * 1024 * 1024,
      description: 'larger input PDFs are refused before anything is read into pdf-lib',
    }),
    signatureReserveBytes: Type.Integer({
      minimum: 4096,
      maximum: 262_144,
      default: 8192,
      description: 'bytes reserved in each signature dictionary for the CMS (PAdES) signature',
    }),
    stampColor: Type.String({
      pattern: '^#[0-9a-fA-F]{6}$',
      default: '#1a1a80',
      description: 'colour of the name, date and verification code on stamps',
    }),
    timeZone: Type.String({
      minLength: 1,
      default: 'Asia/Shanghai',
      description: 'IANA time zone of the date-time written on stamps and the completion page',
    }),
    tsaUrl: Type.String({
      maxLength: 500,
      default: '',
      description: 'RFC 3161 timestamp authority: set it for PAdES B-T seals; empty seals B-B',
    }),
    tsaTimeoutMs: Type.Integer({ minimum: 100, maximum: 60_000, default: 10_000 }),
    tsaRequired: Type.Boolean({
      default: false,
      description: 'true: a seal fails when the timestamp authority does not answer; false: it falls back to B-B',
    }),
    location: Type.String({ maxLength: 200, default: '', description: 'written as /Location of each PDF signature' }),
    escrowKey: Type.String({
      maxLength: 1000,
      default: '',
      description:
        "PEM public key (P-256) of the centre's escrow: signature dynamics in sealed PDFs are encrypted to it; empty = <dataDir>/identity/central-escrow.pem (written at enrollment). Without a key the PDF carries only the dynamics' hash",
    }),
  },
  { additionalProperties: false, default: {} },
);
