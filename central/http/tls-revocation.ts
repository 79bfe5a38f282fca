import type { FastifyInstance } from 'fastify';
import type { SecureContextOptions, Server as TlsServer, TLSSocket } from 'node:tls';
import type { CentralContext } from '../context.js';
import { writeFileDurable } from '../../protocol/crypto/key-files.js';
import { buildCrl, revocationState, revokedCertificates } from '../inventory/crl.js';

/**
 * Revoked booths are refused at the TLS level, before any HTTP is read:
 *  - the listener's TLS context carries the CA's revocation list (`crl`), so OpenSSL marks a
 *    revoked certificate CERT_REVOKED during the handshake;
 *  - on 'secureConnection' such a socket (or one whose serial is on the list: a resumed TLS
 *    session skips the check) is destroyed at once;
 *  - sockets already open when a revocation arrives are destroyed too (keep-alive).
 * The database is the source of truth: a revocation made by another process (a command run
 * straight against PostgreSQL, another central host) is seen by polling a cheap fingerprint of
 * the revoked certificates every `enrollment.revocationPollMs`; a change rebuilds the list and
 * swaps the TLS context (server.setSecureContext; new handshakes use it, and TLS sessions cached
 * under the old context can no longer be resumed). The list is renewed daily before it expires.
 * Polling was chosen over re-reading on each handshake because handshakes cannot wait for a
 * database query, and over watching the CRL file because other hosts do not share the data dir.
 * authenticateBooth (booth-auth.ts) refuses the same booths again at the application level.
 */
const RENEW_MS = 86_400_000;

export class TlsRevocation {
  private state: string | null = null;
  private builtAt = 0;
  private revoked = new Set<string>();
  private readonly open = new Set<TLSSocket>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly ctx: CentralContext,
    private readonly server: TlsServer,
    /** The listener's context without the list (key, certificate, CA). */
    private readonly tlsOptions: () => SecureContextOptions,
  ) {}

  /** Builds the first list (before the listener accepts anyone), then polls. */
  async start(): Promise<void> {
    // First in line: before the HTTP server's own listener attaches a parser to the socket.
    this.server.prependListener('secureConnection', this.onSecureConnection);
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(this.warn), this.ctx.config.enrollment.revocationPollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.server.off('secureConnection', this.onSecureConnection);
    await this.running?.catch(() => undefined);
  }

  /** Rebuilds the list and the TLS context when the revocations changed (or the list is a day old). */
  refresh(): Promise<void> {
    this.running ??= this.doRefresh().finally(() => (this.running = null));
    return this.running;
  }

  isRevoked(serial: string): boolean {
    return this.revoked.has(serial.toUpperCase());
  }

  private async doRefresh(): Promise<void> {
    const state = await revocationState(this.ctx.db);
    if (state === this.state && Date.now() - this.builtAt < RENEW_MS) return;
    const revoked = await revokedCertificates(this.ctx.db);
    const pem = await buildCrl(this.ctx, revoked);
    this.server.setSecureContext({ ...this.tlsOptions(), crl: pem });
    this.revoked = new Set(revoked.map((r) => r.serial.toUpperCase()));
    const first = this.state === null;
    this.state = state;
    this.builtAt = Date.now();
    await writeFileDurable(this.ctx.paths.crl, pem, 0o644).catch(this.warn);
    if (!first) this.ctx.log.info({ revoked: revoked.length }, 'TLS revocation list updated');
    for (const socket of this.open) if (this.refuses(socket)) this.drop(socket, 'revoked while connected');
  }

  private refuses(socket: TLSSocket): boolean {
    // Typed as Error, but Node gives the OpenSSL code as a string.
    if (String(socket.authorizationError) === 'CERT_REVOKED') return true;
    const cert = socket.getPeerX509Certificate();
    return cert !== undefined && this.isRevoked(cert.serialNumber);
  }

  private drop(socket: TLSSocket, why: string): void {
    const cert = socket.getPeerX509Certificate();
    this.ctx.log.warn(
      { serial: cert?.serialNumber, subject: cert?.subject, address: socket.remoteAddress },
      `booth connection refused: certificate ${why}`,
    );
    socket.destroy();
  }

  private readonly onSecureConnection = (socket: TLSSocket): void => {
    if (this.refuses(socket)) return this.drop(socket, 'revoked');
    if (!socket.getPeerX509Certificate()) return;
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
  };

  private readonly warn = (err: unknown): void => {
    this.ctx.log.warn({ err }, 'revocation list: update failed (the previous list stays in force)');
  };
}

/** Installs the revocation guard on the booth-facing fastify app (its https server). */
export async function installTlsRevocation(
  app: FastifyInstance,
  ctx: CentralContext,
  tlsOptions: () => SecureContextOptions,
): Promise<TlsRevocation> {
  const guard = new TlsRevocation(ctx, app.server as unknown as TlsServer, tlsOptions);
  await guard.start();
  app.addHook('onClose', async () => guard.stop());
  return guard;
}
