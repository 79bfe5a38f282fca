import { Type, type Static } from '@sinclair/typebox';

/**
 * The sync API's data, as TypeBox schemas: the pull routes declare them (fastify validates and
 * serialises with them), the push client validates the central server's answers with them, and
 * docs/openapi-sync.json is generated from them.
 */
const Hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const Seq = Type.Integer({ minimum: 0 });

export const RecordSchema = Type.Object(
  {
    id: Type.String({ minLength: 26, maxLength: 36, description: 'ULID' }),
    seq: Type.Integer({ minimum: 1, description: 'per-booth sequence number, no gaps' }),
    kind: Type.Union([Type.Literal('sign'), Type.Literal('audit'), Type.Literal('visit'), Type.Literal('session')]),
    time: Type.Object({ wall: Type.Integer(), synced: Type.Boolean() }, { additionalProperties: false }),
    payload: Type.Record(Type.String(), Type.Unknown()),
    prevHash: Hex64,
    hash: Hex64,
    signature: Type.String({ description: 'base64 signature of the hash bytes by the booth' }),
  },
  { additionalProperties: false },
);

export const SignerInfoSchema = Type.Object(
  {
    alg: Type.Union([Type.Literal('ecdsa-p256-sha256'), Type.Literal('sm2-sm3')]),
    publicKeyPem: Type.String(),
    binding: Type.Optional(Type.String({ description: 'sm2-sm3 only: the certificate key signs the SM2 key' })),
  },
  { additionalProperties: false },
);

export const BatchSchema = Type.Object(
  {
    v: Type.Literal(1),
    boothId: Type.String({ minLength: 1, maxLength: 64 }),
    batchId: Type.String({ minLength: 26, maxLength: 26, description: 'ULID; an ack names it once' }),
    after: Seq,
    firstSeq: Seq,
    lastSeq: Seq,
    count: Type.Integer({ minimum: 0 }),
    createdAt: Type.Integer(),
    signer: SignerInfoSchema,
    records: Type.Array(RecordSchema),
    batchHash: Type.String({
      description: 'hash over boothId, batchId, after, firstSeq, lastSeq and the record hashes',
    }),
  },
  { additionalProperties: false },
);

export const SignedBatchSchema = Type.Object(
  { batch: BatchSchema, signature: Type.String({ description: 'base64 signature of the batchHash bytes' }) },
  { additionalProperties: false },
);

export const BatchesQuerySchema = Type.Object(
  {
    after: Type.Integer({ minimum: 0, default: 0, description: 'the highest seq the caller already holds' }),
    limit: Type.Integer({ minimum: 1, maximum: 10_000, default: 500 }),
  },
  { additionalProperties: false },
);

export const AckRequestSchema = Type.Object(
  {
    boothId: Type.String({ minLength: 1, maxLength: 64 }),
    batchId: Type.String({ minLength: 26, maxLength: 26 }),
    batchHash: Type.String({ minLength: 1, maxLength: 128 }),
    upTo: Seq,
    rejected: Type.Optional(
      Type.Array(Type.Object({ seq: Seq, reason: Type.String({ maxLength: 500 }) }, { additionalProperties: false }), {
        maxItems: 10_000,
      }),
    ),
  },
  { additionalProperties: false },
);

export const AckResponseSchema = Type.Object({ ackedSeq: Seq, lastSeq: Seq }, { additionalProperties: false });

export const AckStatusSchema = Type.Union([
  Type.Literal('stored'),
  Type.Literal('duplicate'),
  Type.Literal('rejected'),
]);

export const PushResponseSchema = Type.Object(
  {
    acks: Type.Array(
      Type.Object(
        { seq: Seq, id: Type.String(), status: AckStatusSchema, reason: Type.Optional(Type.String()) },
        { additionalProperties: false },
      ),
    ),
    centralLastSeq: Type.Integer({
      minimum: 0,
      description: 'the highest seq the central server holds for this booth',
    }),
  },
  { additionalProperties: false },
);

export const ErrorSchema = Type.Object(
  {
    code: Type.String(),
    messageKey: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

/** A blob's name: `h-` and the hex hash of its bytes (SHA-256, or SM3 for a booth on the sm suite). */
export const BlobParamsSchema = Type.Object(
  { id: Type.String({ pattern: '^h-[0-9a-f]{64}$' }) },
  { additionalProperties: false },
);

export const BlobStatusSchema = Type.Object(
  {
    id: Type.String(),
    received: Type.Integer({ minimum: 0, description: 'bytes held so far: the next piece starts here' }),
    complete: Type.Boolean({ description: 'the whole blob is held and matched its name' }),
  },
  { additionalProperties: false },
);

export const BlobUploadQuerySchema = Type.Object(
  {
    offset: Type.Integer({ minimum: 0 }),
    size: Type.Integer({ minimum: 1, maximum: 1024 * 1024 * 1024, description: 'the whole blob' }),
  },
  { additionalProperties: false },
);

export type BlobStatus = Static<typeof BlobStatusSchema>;
export type Batch = Static<typeof BatchSchema>;
export type SignedBatch = Static<typeof SignedBatchSchema>;
export type AckRequest = Static<typeof AckRequestSchema>;
export type AckResponse = Static<typeof AckResponseSchema>;
export type PushResponse = Static<typeof PushResponseSchema>;
export type AckStatus = Static<typeof AckStatusSchema>;
