import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { BoothError } from '../../protocol/errors.js';
import { readIfExists, writeFileDurable } from '../../protocol/crypto/key-files.js';
import { buildKeyRotation } from '../../protocol/session/commands.js';
import { keyId } from '../../protocol/session/keys.js';
import type { KeyRotation } from '../../protocol/session/schema.js';
import type { CentralContext } from '../context.js';
import type { Queryable } from '../db/db.js';
import { defineOp } from '../ops/op.js';

/**
 * `booth-central keys rotate --purpose session|escrow`: a new central key, announced to booths
 * by a key-rotation command signed by the session key they trust now (protocol/session/commands.ts).
 *
 * The old key is never deleted: it moves to keys/retired/<purpose>.<keyId>.key.pem. A retired
 * session key still signs the rotation away from it, and a retired escrow key still opens the
 * dynamics sealed to it. A booth accepts a command only within a day of its date, and a booth
 * can be off for longer. So a rotation is not one stored command: every manifest carries every
 * rotation, oldest first, signed afresh at that moment by the key it rotates from. A booth
 * still on key 1 gets "1 to 2" and then "2 to 3". A booth already on key 3 cannot verify
 * either, so nothing can roll it back. Packages and commands are signed with the new session
 * key from the moment of the rotation, and enrollment hands out the new keys.
 */
export function retiredPath(dataDir: string, purpose: 'session' | 'escrow', id: string): string {
  return join(dataDir, 'keys', 'retired', `${purpose}.${id}.key.pem`);
}

export async function rotateKey(ctx: CentralContext, input: { purpose: 'session' | 'escrow' }) {
  const { purpose } = input;
  const current = ctx.keys[purpose];
  const signer = ctx.keys.session;
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  const next = { privateKeyPem, publicKeyPem, keyId: keyId(createPublicKey(privateKey)) };
  // The retired copy first: a crash after it leaves the old key in place and its copy, never neither.
  await writeFileDurable(retiredPath(ctx.paths.dataDir, purpose, current.keyId), current.privateKeyPem, 0o600);
  if (purpose === 'session')
    await writeFileDurable(retiredPath(ctx.paths.dataDir, purpose, signer.keyId), signer.privateKeyPem, 0o600);
  // The row and the key file change together: the file is written inside the transaction, which
  // rolls back if the write fails (booths never hear of a key the centre does not hold).
  await ctx.db.tx(async (q) => {
    await q.query(
      `INSERT INTO key_rotations (purpose, key_id, public_key_pem, previous_key_id, signer_key_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [purpose, next.keyId, publicKeyPem, current.keyId, signer.keyId, new Date(ctx.clock.now()).toISOString()],
    );
    await writeFileDurable(purpose === 'session' ? ctx.paths.sessionKey : ctx.paths.escrowKey, privateKeyPem, 0o600);
  });
  // A running service signs with the new key from now on (this op runs inside it via the admin API).
  ctx.keys[purpose] = next;
  ctx.log.info({ purpose, keyId: next.keyId, previous: current.keyId }, 'central key rotated');
  return { purpose, keyId: next.keyId, previousKeyId: current.keyId, signedBy: signer.keyId };
}

/** Every rotation for one booth, oldest first, signed now by the session key each rotates from. */
export async function rotationCommands(ctx: CentralContext, q: Queryable, boothId: string): Promise<KeyRotation[]> {
  const r = await q.query<{ purpose: 'session' | 'escrow'; public_key_pem: string; signer_key_id: string }>(
    'SELECT purpose, public_key_pem, signer_key_id FROM key_rotations ORDER BY id LIMIT 100',
  );
  const out: KeyRotation[] = [];
  for (const row of r.rows) {
    const pem =
      row.signer_key_id === ctx.keys.session.keyId
        ? ctx.keys.session.privateKeyPem
        : await readIfExists(retiredPath(ctx.paths.dataDir, 'session', row.signer_key_id));
    if (!pem)
      throw new BoothError(
        'BOOTH_ERR_INTERNAL',
        `the retired session key ${row.signer_key_id} is missing from keys/retired`,
      );
    out.push(
      buildKeyRotation(
        { purpose: row.purpose, boothId, publicKeyPem: row.public_key_pem, issuedAt: ctx.clock.now() },
        pem,
      ),
    );
  }
  return out;
}

export const keysRotateOp = defineOp({
  name: 'keys.rotate',
  summary: 'Replace the session or escrow key; booths learn the new key through a rotation signed by the old.',
  method: 'POST',
  url: '/admin/v1/keys/rotate',
  input: Type.Object(
    { purpose: Type.Union([Type.Literal('session'), Type.Literal('escrow')]) },
    { additionalProperties: false },
  ),
  output: Type.Object(
    { purpose: Type.String(), keyId: Type.String(), previousKeyId: Type.String(), signedBy: Type.String() },
    { additionalProperties: false },
  ),
  run: (ctx, input) => rotateKey(ctx, input),
});
