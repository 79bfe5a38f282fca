import { Type, type Static } from '@sinclair/typebox';

/**
 * The session package: the day's evaluation session as the central server publishes it to the
 * booths. This one schema validates packages at the boundary, gives the TypeScript types and is
 * written to docs/session-package.schema.json (docs/protocol.md explains every field).
 *
 * Only integers, strings, booleans, arrays and objects appear, so the canonical serialisation
 * that the central server signs (see canonical.ts) has exactly one byte form.
 */
export const SESSION_FORMAT = 'booth-session/1';
export const ROSTER_ALGORITHM = 'ECDH-ES-P256+HKDF-SHA256+A256GCM';
export const SIGNATURE_ALGORITHM = 'ECDSA-P256-SHA256';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._:-]+$' });
const Text = (maxLength: number, description?: string) =>
  Type.String({ minLength: 1, maxLength, ...(description ? { description } : {}) });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'lowercase hex SHA-256' });
const B64 = (maxLength: number, description?: string) =>
  Type.String({ maxLength, pattern: '^[A-Za-z0-9+/]*={0,2}$', ...(description ? { description } : {}) });
const Instant = Type.String({
  format: 'date-time',
  pattern: 'Z$',
  description: 'RFC 3339 UTC time, e.g. 2026-11-26T08:30:00Z',
});
const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description: string) =>
  Type.Object(props, { additionalProperties: false, description });

export const SignaturePlace = Obj(
  {
    seat: Type.Integer({ minimum: 1, maximum: 99, description: 'committee seat whose signature goes here' }),
    page: Type.Integer({ minimum: 1, maximum: 100_000, description: '1-based page number' }),
    x: Type.Integer({ minimum: 0, maximum: 100_000, description: 'left edge, PDF points from the page left' }),
    y: Type.Integer({ minimum: 0, maximum: 100_000, description: 'bottom edge, PDF points from the page bottom' }),
    width: Type.Integer({ minimum: 10, maximum: 2000, description: 'box width in PDF points' }),
    height: Type.Integer({ minimum: 5, maximum: 2000, description: 'box height in PDF points' }),
  },
  'a box on a page where one seat signs',
);

export const SessionDocument = Obj(
  {
    id: Id,
    title: Text(200, 'document title, e.g. 评标报告'),
    sha256: Sha256,
    bytes: Type.Optional(B64(40_000_000, 'the PDF inline, base64')),
    url: Type.Optional(Type.String({ minLength: 8, maxLength: 2000, description: 'where to fetch the PDF' })),
    places: Type.Array(SignaturePlace, { maxItems: 10_000, description: 'signature places per seat' }),
  },
  'one PDF to sign, inline or to fetch, checked against sha256',
);

export const SessionProject = Obj(
  {
    id: Id,
    name: Text(200, 'project name'),
    section: Text(200, 'bid section (标段)'),
    scheduledStart: Instant,
    documents: Type.Array(SessionDocument, { minItems: 1, maxItems: 50 }),
  },
  'one project evaluated today',
);

/** One part of a roster entry sealed to the booth: AES-256-GCM under a key from ECDH + HKDF. */
export const SealedPart = Obj(
  {
    iv: B64(16, '12-byte GCM nonce, base64'),
    ciphertext: B64(30_000_000, 'base64'),
    tag: B64(24, '16-byte GCM tag, base64'),
  },
  'AES-256-GCM ciphertext of one canonical JSON document',
);

export const RosterEntry = Obj(
  {
    ref: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'random opaque reference, unique in the package' }),
    ephemeralKey: B64(100, 'the sender ephemeral P-256 public key, uncompressed point (65 bytes), base64'),
    matching: SealedPart,
    identity: SealedPart,
  },
  'one expert, sealed to this booth: "matching" opens at unlock, "identity" when the expert verifies',
);

export const StaffCredential = Obj(
  {
    id: Id,
    salt: B64(64, 'scrypt salt, base64'),
    hash: B64(64, 'scrypt(PIN, salt, N=16384, r=8, p=1, 32 bytes), base64'),
  },
  'a staff member who may witness a verification or record an override',
);

export const PackageSignature = Obj(
  {
    algorithm: Type.Literal(SIGNATURE_ALGORITHM),
    keyId: Sha256,
    value: B64(200, 'DER ECDSA signature over the canonical package without "signature", base64'),
  },
  'the central server signature; keyId = SHA-256 of the signer public key (SPKI DER)',
);

export const SessionPackageSchema = Type.Object(
  {
    format: Type.Literal(SESSION_FORMAT),
    packageId: Id,
    version: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'a newer version replaces an older one' }),
    centre: Text(200, 'trading centre (交易中心)'),
    hall: Text(200, 'evaluation hall'),
    booths: Type.Array(Id, { minItems: 1, maxItems: 100, description: 'ids of the booths this package is for' }),
    date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'session day (local date)' }),
    unlockAt: Instant,
    expiresAt: Instant,
    projects: Type.Array(SessionProject, { minItems: 1, maxItems: 100 }),
    staff: Type.Array(StaffCredential, { maxItems: 100 }),
    roster: Obj(
      {
        algorithm: Type.Literal(ROSTER_ALGORITHM),
        recipient: Obj(
          { boothId: Id, keyId: Sha256 },
          'the booth the entries are sealed to; keyId = SHA-256 of its public key (SPKI DER)',
        ),
        entries: Type.Array(RosterEntry, { minItems: 1, maxItems: 500 }),
      },
      'the sealed roster',
    ),
    signature: Type.Optional(PackageSignature),
  },
  {
    additionalProperties: false,
    $id: 'https://booth.local/schemas/session-package.json',
    title: 'Session package',
    description: 'the day evaluation session published by the central server to its booths',
  },
);
export type SessionPackage = Static<typeof SessionPackageSchema>;
export type SessionProjectData = Static<typeof SessionProject>;

/** What "matching" opens to: only what 1:N matching and the witnessed alternative need. */
export const MatchingPartSchema = Type.Object(
  {
    photos: Type.Array(B64(2_000_000, 'reference JPEG, base64'), { maxItems: 5 }),
    templates: Type.Array(Type.Unknown({ description: 'face templates (see the face engine)' }), { maxItems: 5 }),
    idNumberHash: Sha256,
  },
  { additionalProperties: false, description: 'opened at unlock; photos or templates, at least one' },
);
export type MatchingPart = Static<typeof MatchingPartSchema>;

export const Assignment = Obj(
  {
    projectId: Id,
    seat: Type.Integer({ minimum: 1, maximum: 99 }),
    scheduledSignIn: Instant,
  },
  'one project this expert evaluates',
);

/** What "identity" opens to: who the expert is and what they do today. */
export const IdentityPartSchema = Type.Object(
  {
    expertId: Id,
    // One line with something visible (issue 16): no control characters, not only spaces.
    displayName: Type.String({
      minLength: 1,
      maxLength: 100,
      pattern:
        '^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]*$',
      description: 'full name as it appears on the report (one line, not blank)',
    }),
    assignments: Type.Array(Assignment, { minItems: 1, maxItems: 100 }),
  },
  { additionalProperties: false, description: 'opened when this expert verifies' },
);
export type IdentityPart = Static<typeof IdentityPartSchema>;

const Nonce = Type.String({
  pattern: '^[0-9a-f]{32}$',
  description: '16 random bytes, hex; a booth accepts each once',
});

/**
 * The central server's order to open the roster before its unlock time. Bound to one version of
 * one package; the booth accepts it once (nonce) and only within its time window.
 */
export const UnlockCommandSchema = Type.Object(
  {
    type: Type.Literal('unlock'),
    packageId: Id,
    version: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'the package version it opens' }),
    boothId: Id,
    issuedAt: Instant,
    nonce: Nonce,
    signature: Type.Optional(PackageSignature),
  },
  { additionalProperties: false, $id: 'https://booth.local/schemas/unlock-command.json', title: 'Unlock command' },
);
export type UnlockCommand = Static<typeof UnlockCommandSchema>;

/**
 * The central server withdraws a package (a session cancelled or moved): every version up to
 * `version` is closed at the booth, its no-shows recorded, and never installed again.
 */
export const RevokeCommandSchema = Type.Object(
  {
    type: Type.Literal('revoke'),
    packageId: Id,
    version: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'versions up to this one are revoked' }),
    boothId: Id,
    issuedAt: Instant,
    nonce: Nonce,
    reason: Text(500, 'why, for the audit record'),
    signature: Type.Optional(PackageSignature),
  },
  { additionalProperties: false, $id: 'https://booth.local/schemas/revoke-command.json', title: 'Revoke command' },
);
export type RevokeCommand = Static<typeof RevokeCommandSchema>;

/**
 * A new central key, signed by the session-signing key the booth trusts now: `session` replaces
 * the key that signs packages and commands (packages installed under the old key stay valid),
 * `escrow` replaces the key signature dynamics are encrypted to.
 */
export const KeyRotationSchema = Type.Object(
  {
    type: Type.Literal('key-rotation'),
    purpose: Type.Union([Type.Literal('session'), Type.Literal('escrow')]),
    boothId: Id,
    publicKeyPem: Type.String({ minLength: 100, maxLength: 1000, pattern: '^-----BEGIN PUBLIC KEY-----' }),
    keyId: Sha256,
    issuedAt: Instant,
    nonce: Nonce,
    signature: Type.Optional(PackageSignature),
  },
  { additionalProperties: false, $id: 'https://booth.local/schemas/key-rotation.json', title: 'Key rotation' },
);
export type KeyRotation = Static<typeof KeyRotationSchema>;

export const CentralCommandSchema = Type.Union([UnlockCommandSchema, RevokeCommandSchema, KeyRotationSchema], {
  description: 'a signed order of the central server, delivered through the package channel',
});
export type CentralCommand = UnlockCommand | RevokeCommand | KeyRotation;
