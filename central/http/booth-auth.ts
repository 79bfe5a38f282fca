import type { FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { BoothError } from '../../protocol/errors.js';
import { boothIdOf } from '../../protocol/crypto/booth-id.js';
import type { CentralContext } from '../context.js';

/**
 * Who is calling the booth-facing API. A booth is known only by the id its certificate names
 * (SAN URI urn:booth:<id>), never by its address: the certificate must be issued by the centre's
 * CA, be the one on record for that booth, and neither it nor the booth may be revoked. The
 * address is only recorded (last seen), for the operators.
 */
export interface BoothPeer {
  id: string;
  serial: string;
  address: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    booth: BoothPeer | null;
  }
}

/** The onRequest hook of every booth-facing route but enrollment: sets request.booth or refuses (401/403). */
export function authenticateBooth(ctx: CentralContext) {
  return async (req: FastifyRequest): Promise<void> => {
    const socket = req.raw.socket as TLSSocket;
    const cert = typeof socket.getPeerX509Certificate === 'function' ? socket.getPeerX509Certificate() : undefined;
    if (!cert) throw new BoothError('BOOTH_ERR_UNAUTHORIZED', 'a booth certificate is required');
    if (!socket.authorized)
      throw new BoothError(
        'BOOTH_ERR_FORBIDDEN',
        `client certificate refused (${String(socket.authorizationError)}): not issued by the centre's CA, or revoked`,
      );
    const id = boothIdOf(cert);
    if (!id) throw new BoothError('BOOTH_ERR_FORBIDDEN', 'the client certificate names no booth');
    const serial = cert.serialNumber.toUpperCase();
    const r = await ctx.db.query<{ status: string; revoked_at: Date | null }>(
      `SELECT b.status, c.revoked_at FROM booths b JOIN booth_certificates c ON c.booth_id = b.id
        WHERE b.id = $1 AND c.serial = $2`,
      [id, serial],
    );
    const row = r.rows[0];
    if (!row) throw new BoothError('BOOTH_ERR_FORBIDDEN', `booth ${id}: this certificate is not the one enrolled`);
    if (row.status !== 'active' || row.revoked_at)
      throw new BoothError('BOOTH_ERR_FORBIDDEN', `booth ${id} is revoked`);
    const address = socket.remoteAddress ?? '';
    await ctx.db.query('UPDATE booths SET last_contact_at = now(), last_address = $2 WHERE id = $1', [id, address]);
    req.booth = { id, serial, address };
  };
}

/** The caller of a route behind authenticateBooth. */
export function boothOf(req: FastifyRequest): BoothPeer {
  if (!req.booth) throw new BoothError('BOOTH_ERR_UNAUTHORIZED', 'a booth certificate is required');
  return req.booth;
}
