import { Type } from '@sinclair/typebox';
import { EnrollRequest, EnrollResponse } from '../../protocol/enroll.js';
import { defineOp } from '../ops/op.js';
import { addBooth, listBooths, revokeBooth } from './booths.js';
import { enroll } from './enroll.js';
import { BoothId, BoothInfo } from './schemas.js';
import { issueToken } from './tokens.js';

/** The inventory's operator actions: booth add | list | revoke, token issue, offline enroll. */
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 200, description });

export const boothAddOp = defineOp({
  name: 'booth.add',
  summary: 'Adds a booth to the inventory (its id is the one its certificate will name).',
  method: 'POST',
  url: '/admin/v1/booths',
  input: Type.Object(
    {
      id: BoothId,
      room: Name('the evaluation room the booth stands in (plans assign booths per room)'),
      centre: Type.Optional(Name('default: config centre.name')),
      hall: Type.Optional(Name('shown by the booth; default: the room')),
      pullUrl: Type.Optional(
        Type.String({
          pattern: '^https://',
          maxLength: 2048,
          description: "https://address:port of the booth's pull API, when the centre can reach it",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  output: BoothInfo,
  run: (ctx, input) => addBooth(ctx, input),
});

export const boothListOp = defineOp({
  name: 'booth.list',
  summary: 'The booths with their current certificate, last contact and the address they were last seen at.',
  method: 'GET',
  url: '/admin/v1/booths',
  input: Type.Object({}, { additionalProperties: false }),
  output: Type.Object({ booths: Type.Array(BoothInfo) }, { additionalProperties: false }),
  run: async (ctx) => ({ booths: await listBooths(ctx.db) }),
});

export const boothRevokeOp = defineOp({
  name: 'booth.revoke',
  summary:
    'Revokes a booth and its certificates: refused at once by the application, at the TLS handshake within enrollment.revocationPollMs.',
  method: 'POST',
  url: '/admin/v1/booths/revoke',
  input: Type.Object(
    { id: BoothId, reason: Type.String({ minLength: 1, maxLength: 500 }) },
    { additionalProperties: false },
  ),
  output: Type.Object(
    { booth: BoothInfo, certificatesRevoked: Type.Integer(), alreadyRevoked: Type.Boolean() },
    { additionalProperties: false },
  ),
  run: (ctx, input) => revokeBooth(ctx, input),
});

export const tokenIssueOp = defineOp({
  name: 'token.issue',
  summary: 'A one-time enrollment token for a booth (shown once; only its SHA-256 is kept).',
  method: 'POST',
  url: '/admin/v1/tokens',
  input: Type.Object(
    {
      boothId: BoothId,
      ttlMs: Type.Optional(
        Type.Integer({ minimum: 60_000, maximum: 30 * 86_400_000, description: 'default: enrollment.tokenTtlMs' }),
      ),
    },
    { additionalProperties: false },
  ),
  output: Type.Object(
    { token: Type.String(), boothId: BoothId, expiresAt: Type.String({ format: 'date-time' }) },
    { additionalProperties: false },
  ),
  run: (ctx, input) => issueToken(ctx, input),
});

export const enrollOp = defineOp({
  name: 'enroll',
  summary:
    'Answers an enrollment request carried on a USB stick (the same code as POST /enroll/v1 on the booth-facing listener).',
  method: 'POST',
  url: '/admin/v1/enroll',
  input: EnrollRequest,
  output: EnrollResponse,
  run: (ctx, input) => enroll(ctx, input),
});

export const INVENTORY_OPS = [boothAddOp, boothListOp, boothRevokeOp, tokenIssueOp, enrollOp] as const;
