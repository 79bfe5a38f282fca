import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { BoothError } from '../../protocol/errors.js';
import { boothUri } from '../../protocol/crypto/booth-id.js';
import { readIfExists } from '../../protocol/crypto/key-files.js';
import { issueCertificate } from '../../protocol/crypto/x509.js';
import { EnrollRequest, EnrollResponse } from '../../protocol/enroll.js';
import { keyId } from '../../protocol/session/keys.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import { compileValidator } from '../../protocol/validate.js';
import type { CentralContext } from '../context.js';
import { CENTRAL_CLIENT_NAME } from '../pki/keys.js';
import { SUPERSEDED, writeCrlFile } from './crl.js';
import { tokenHash } from './tokens.js';
import { jsonParam } from '../db/nul.js';

/**
 * Enrollment (POST /enroll/v1, and `booth-central enroll` for a USB stick): a booth sends its
 * one-time token and a CSR and gets a certificate naming its booth id, the CA, its site
 * configuration and the central keys to pin. Everything is in the database, so a booth retrying
 * its token with the same key after a lost answer, or after the central server restarted, gets
 * the same certificate. Refusals: unknown token 401, booth revoked 403, token used by another
 * key (or its certificate superseded) 409, token expired 410, bad request 400.
 *
 * A fresh enrollment supersedes the booth's earlier certificates (a re-provisioned booth, a new
 * SD card): they are revoked with reason "superseded" and go on the CRL, so an old copy of the
 * booth key cannot speak for the booth any more.
 */
const requestValidator = compileValidator(EnrollRequest);
const responseValidator = compileValidator(EnrollResponse, { code: 'BOOTH_ERR_INTERNAL' });

interface TokenRow {
  booth_id: string;
  expires_at: Date;
  used_key_id: string | null;
  cert_serial: string | null;
  status: string;
}

/** The CSR's public key after checking its self-signature (proof that the booth holds the key). */
async function csrKey(pem: string): Promise<KeyObject> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(pem);
  } catch {
    throw new BoothError('BOOTH_ERR_BAD_INPUT', 'enrollment request: csr is not a PKCS#10 request');
  }
  const key = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new BoothError('BOOTH_ERR_BAD_INPUT', 'enrollment request: the booth key must be ECDSA P-256');
  if (!(await csr.verify()))
    throw new BoothError('BOOTH_ERR_BAD_INPUT', 'enrollment request: the csr signature does not verify');
  return key;
}

export async function enroll(ctx: CentralContext, raw: unknown, o: { port?: number } = {}): Promise<EnrollResponse> {
  const req = requestValidator.parse(structuredClone(raw), 'enrollment request');
  const outcome = await ctx.db.tx(async (q) => {
    const t = await q.query<TokenRow>(
      `SELECT t.booth_id, t.expires_at, t.used_key_id, t.cert_serial, b.status
         FROM enroll_tokens t JOIN booths b ON b.id = t.booth_id
        WHERE t.token_hash = $1 FOR UPDATE OF t`,
      [tokenHash(req.token)],
    );
    const tok = t.rows[0];
    if (!tok) throw new BoothError('BOOTH_ERR_ENROLL_TOKEN_UNKNOWN', 'enrollment token not recognised');
    const boothId = tok.booth_id;
    if (tok.status !== 'active')
      throw new BoothError('BOOTH_ERR_FORBIDDEN', `booth ${boothId} is revoked: its enrollment token is refused`);
    const key = await csrKey(req.csr);
    const kid = keyId(key);
    if (tok.used_key_id !== null) {
      if (tok.used_key_id !== kid)
        throw new BoothError(
          'BOOTH_ERR_ENROLL_TOKEN_USED',
          `enrollment token already used by another booth key (booth ${boothId}); ask the central office for a new token`,
        );
      const c = await q.query<{ cert_pem: string; revoked_at: Date | null }>(
        'SELECT cert_pem, revoked_at FROM booth_certificates WHERE serial = $1',
        [tok.cert_serial],
      );
      const cert = c.rows[0];
      if (!cert || cert.revoked_at)
        throw new BoothError(
          'BOOTH_ERR_ENROLL_TOKEN_USED',
          `enrollment token already used, and the certificate it gave booth ${boothId} was replaced since; ask the central office for a new token`,
        );
      return { boothId, certPem: cert.cert_pem, superseded: 0 };
    }
    if (ctx.clock.now() > tok.expires_at.getTime())
      throw new BoothError(
        'BOOTH_ERR_ENROLL_TOKEN_EXPIRED',
        `enrollment token expired at ${tok.expires_at.toISOString()}; ask the central office for a new token`,
      );
    const certPem = await issueCertificate({
      csrPem: req.csr,
      caCertPem: ctx.keys.ca.certPem,
      caPrivateKeyPem: ctx.keys.ca.keyPem,
      days: ctx.config.enrollment.certDays,
      profile: 'client-server',
      subject: `CN=${boothId}`,
      // The booth id only: no localhost or address (pullers check the id: expectBooth).
      altNames: [boothUri(boothId)],
    });
    const cert = new X509Certificate(certPem);
    const serial = cert.serialNumber.toUpperCase();
    const now = new Date(ctx.clock.now());
    const superseded = await q.query(
      'UPDATE booth_certificates SET revoked_at = $2, revoke_reason = $3 WHERE booth_id = $1 AND revoked_at IS NULL',
      [boothId, now, SUPERSEDED],
    );
    await q.query(
      `INSERT INTO booth_certificates
         (serial, booth_id, key_id, public_key_pem, cert_pem, fingerprint256, issued_at, not_after, hardware)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        serial,
        boothId,
        kid,
        key.export({ type: 'spki', format: 'pem' }).toString(),
        certPem,
        cert.fingerprint256,
        now,
        new Date(cert.validTo),
        req.hardware ? jsonParam(req.hardware) : null,
      ],
    );
    await q.query('UPDATE enroll_tokens SET used_key_id = $2, used_at = $3, cert_serial = $4 WHERE token_hash = $1', [
      tokenHash(req.token),
      kid,
      now,
      serial,
    ]);
    ctx.log.info({ booth: boothId, serial, keyId: kid }, 'booth enrolled');
    return { boothId, certPem, superseded: superseded.rowCount };
  });
  if (outcome.superseded > 0) await writeCrlFile(ctx);
  return responseFor(ctx, outcome.boothId, outcome.certPem, o.port);
}

/** The answer, from what is stored and the current keys (the same after a restart). */
async function responseFor(
  ctx: CentralContext,
  boothId: string,
  certificate: string,
  port: number | undefined,
): Promise<EnrollResponse> {
  const b = await ctx.db.query<{ centre: string; hall: string }>('SELECT centre, hall FROM booths WHERE id = $1', [
    boothId,
  ]);
  const base = await publicUrl(ctx, port);
  const pin = (k: { publicKeyPem: string; keyId: string }) => ({ publicKeyPem: k.publicKeyPem, keyId: k.keyId });
  return responseValidator.parse(
    {
      certificate,
      caCertificate: ctx.keys.ca.certPem,
      site: {
        booth: { id: boothId, centre: b.rows[0]?.centre ?? ctx.config.centre.name, hall: b.rows[0]?.hall ?? '' },
        sync: {
          push: { url: `${base}${SYNC_ROUTES.push.url}` },
          channel: { url: base },
          centralClientNames: [CENTRAL_CLIENT_NAME],
        },
      },
      keys: { session: pin(ctx.keys.session), escrow: pin(ctx.keys.escrow) },
    },
    'enrollment response',
  );
}

/**
 * Where booths reach this server: config server.publicUrl, else https://<first server name>:<port>.
 * With port 0 (tests), the port the listener got: the request's, or the running service's.
 */
export async function publicUrl(ctx: CentralContext, listeningPort?: number): Promise<string> {
  const s = ctx.config.server;
  if (s.publicUrl) {
    let u: URL;
    try {
      u = new URL(s.publicUrl);
    } catch {
      throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `server.publicUrl: "${s.publicUrl}" is not a URL`);
    }
    if (u.protocol !== 'https:')
      throw new BoothError('BOOTH_ERR_CONFIG_INVALID', `server.publicUrl: expected https://..., got "${s.publicUrl}"`);
    return s.publicUrl.replace(/\/+$/, '');
  }
  const name = s.names[0] ?? 'localhost';
  const host = name.includes(':') ? `[${name}]` : name;
  const port = s.port || listeningPort || (await runningPort(ctx));
  if (!port)
    throw new BoothError(
      'BOOTH_ERR_CONFIG_INVALID',
      'server.port is 0 and no service is running: set server.publicUrl so booths are told where to connect',
    );
  return `https://${host}:${port}`;
}

async function runningPort(ctx: CentralContext): Promise<number> {
  try {
    const run = JSON.parse((await readIfExists(ctx.paths.run)) ?? '{}') as { boothUrl?: string };
    return run.boothUrl ? Number(new URL(run.boothUrl).port) : 0;
  } catch {
    return 0;
  }
}
