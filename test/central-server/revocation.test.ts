import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHANNEL_ROUTES } from '../../protocol/channel.js';
import { createCsr, generateKeyPair, issueCertificate } from '../../protocol/crypto/x509.js';
import { SYNC_ROUTES } from '../../protocol/sync/routes.js';
import type { CentralContext } from '../../central/context.js';
import type { CentralFeature } from '../../central/features.js';
import { authenticateBooth, boothOf } from '../../central/http/booth-auth.js';
import { enrollmentFeature } from '../../central/inventory/feature.js';
import { boothAddOp, boothListOp, boothRevokeOp, enrollOp, tokenIssueOp } from '../../central/inventory/ops.js';
import { statusOp } from '../../central/status/status.js';
import { BACKENDS } from './helpers/db.js';
import { startTestCentral, type TestCentral } from './helpers/central.js';
import { httpsJson } from './helpers/https.js';

/**
 * A revoked booth is refused twice: by authenticateBooth (403, at once) and at the TLS handshake
 * (the listener's CRL, within enrollment.revocationPollMs): its connection is closed before any
 * HTTP is read, so neither push nor the package channel ever sees its requests.
 */
const counts = { reached: 0, whoami: 0, push: 0, manifest: 0 };

/** Routes standing in for the push endpoint and the channel (other features own the real ones). */
const probe: CentralFeature = {
  name: 'probe',
  boothRoutes: async (app, { ctx }) => {
    app.addHook('onRequest', async () => {
      counts.reached += 1;
    });
    app.addHook('onRequest', authenticateBooth(ctx));
    app.get('/test/whoami', async (req) => {
      counts.whoami += 1;
      return { id: boothOf(req).id, address: boothOf(req).address };
    });
    app.post(SYNC_ROUTES.push.url, async () => {
      counts.push += 1;
      return {};
    });
    app.get(CHANNEL_ROUTES.manifest.url, async () => {
      counts.manifest += 1;
      return {};
    });
  },
};

interface Booth {
  id: string;
  cert: string;
  key: string;
}

describe.each(BACKENDS)('revocation on %s', (backend) => {
  let c: TestCentral;
  let ca: string;
  const ctx = (): CentralContext => c.service.ctx as CentralContext;
  const enrolled = async (id: string): Promise<Booth> => {
    await boothAddOp.run(ctx(), { id, room: 'room 1' });
    const { token } = await tokenIssueOp.run(ctx(), { boothId: id });
    const keys = await generateKeyPair();
    const answer = await enrollOp.run(ctx(), { token, csr: await createCsr('CN=x', keys) });
    return { id, cert: answer.certificate, key: keys.privateKeyPem };
  };
  const as = (b: Booth, path = '/test/whoami', method = 'GET') =>
    httpsJson(`${c.boothUrl}${path}`, {
      ca,
      cert: b.cert,
      key: b.key,
      method,
      ...(method === 'POST' ? { body: {} } : {}),
    });

  beforeAll(async () => {
    c = await startTestCentral(backend, {
      raw: { enrollment: { revocationPollMs: 100 } },
      features: [enrollmentFeature(), probe],
    });
    ca = await readFile(join(c.dataDir, 'keys', 'ca.cert.pem'), 'utf8');
  });
  afterAll(async () => c?.stop());

  it('application level: a revoked booth, a certificate not on record and no certificate are refused', async () => {
    const b = await enrolled('r1');
    expect(await as(b)).toMatchObject({ status: 200, body: { id: 'r1' } });
    const seen = (await boothListOp.run(ctx(), {})).booths.find((x) => x.id === 'r1');
    expect(seen?.lastContactAt).not.toBeNull();
    expect(seen?.lastAddress).toMatch(/127\.0\.0\.1$/);

    // Only the booth row: the certificate is not on the CRL, TLS lets it through, the app refuses.
    await ctx().db.query("UPDATE booths SET status = 'revoked' WHERE id = 'r1'");
    const before = counts.whoami;
    expect(await as(b)).toMatchObject({ status: 403, body: { code: 'BOOTH_ERR_FORBIDDEN' } });

    // Issued by the CA for a booth id, but not the certificate enrolled for it.
    const keys = await generateKeyPair();
    const stray = await issueCertificate({
      csrPem: await createCsr('CN=r2', keys),
      caCertPem: ctx().keys.ca.certPem,
      caPrivateKeyPem: ctx().keys.ca.keyPem,
      days: 1,
      profile: 'client-server',
      altNames: ['urn:booth:r2'],
    });
    await enrolled('r2');
    expect(await as({ id: 'r2', cert: stray, key: keys.privateKeyPem })).toMatchObject({
      status: 403,
      body: { code: 'BOOTH_ERR_FORBIDDEN' },
    });
    expect(await httpsJson(`${c.boothUrl}/test/whoami`, { ca })).toMatchObject({
      status: 401,
      body: { code: 'BOOTH_ERR_UNAUTHORIZED' },
    });
    expect(counts.whoami).toBe(before);
  });

  it('TLS level: after `booth revoke` the handshake is closed before any HTTP; other booths carry on', async () => {
    const gone = await enrolled('t1');
    const other = await enrolled('t2');
    expect(await as(gone)).toMatchObject({ status: 200 });

    // A connection the booth holds open when it is revoked is closed too.
    const held = connect({
      host: '127.0.0.1',
      port: Number(new URL(c.boothUrl).port),
      ca,
      cert: gone.cert,
      key: gone.key,
      servername: 'localhost',
    });
    await new Promise<void>((resolve, reject) => held.once('secureConnect', resolve).once('error', reject));
    const heldClosed = new Promise<void>((resolve) => held.once('close', () => resolve()));
    held.on('error', () => undefined);

    const r = await boothRevokeOp.run(ctx(), { id: 't1', reason: 'stolen from hall 1' });
    expect(r).toMatchObject({ certificatesRevoked: 1, alreadyRevoked: false, booth: { status: 'revoked' } });

    // Until the service's poller swaps the TLS context the application refuses (403); then TLS does.
    let refusedAtTls: unknown = null;
    for (let i = 0; i < 100 && !refusedAtTls; i++) {
      const answer = await as(gone).catch((err: unknown) => ({ err }));
      if ('err' in answer) refusedAtTls = answer.err;
      else {
        expect(answer.status).toBe(403);
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    expect(refusedAtTls).toMatchObject({ code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) as unknown });
    await heldClosed;

    const reached = counts.reached;
    // The client sees the reset while reading (ECONNRESET) or, with a body, while writing (EPIPE).
    const reset = { code: expect.stringMatching(/^(ECONNRESET|EPIPE)$/) as unknown };
    await expect(as(gone, SYNC_ROUTES.push.url, 'POST')).rejects.toMatchObject(reset);
    await expect(as(gone, CHANNEL_ROUTES.manifest.url)).rejects.toMatchObject(reset);
    expect(counts.reached).toBe(reached);
    expect(counts.push + counts.manifest).toBe(0);

    expect(await as(other)).toMatchObject({ status: 200, body: { id: 't2' } });

    const crl = new x509.X509Crl(await readFile(join(c.dataDir, 'keys', 'ca.crl.pem'), 'utf8'));
    expect(await crl.verify({ publicKey: await new x509.X509Certificate(ca).publicKey.export() })).toBe(true);
    expect(crl.findRevoked(new X509Certificate(gone.cert).serialNumber)).not.toBeNull();
    expect(crl.findRevoked(new X509Certificate(other.cert).serialNumber)).toBeNull();

    const status = await statusOp.run(ctx(), {});
    expect(status.booths.find((b) => b.id === 't1')).toMatchObject({ status: 'revoked' });
    expect(status.alerts.join('\n')).not.toContain('booth t1');
    expect(await boothRevokeOp.run(ctx(), { id: 't1', reason: 'again' })).toMatchObject({ alreadyRevoked: true });
  });
});
