import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr, generateKeyPair, verifyIssued, type KeyPairPem } from '../../protocol/crypto/x509.js';
import { boothIdOf } from '../../protocol/crypto/booth-id.js';
import { EnrollResponse } from '../../protocol/enroll.js';
import { compileValidator } from '../../protocol/validate.js';
import type { CentralContext } from '../../central/context.js';
import { boothAddOp, boothListOp, boothRevokeOp, enrollOp, tokenIssueOp } from '../../central/inventory/ops.js';
import { enrollmentFeature } from '../../central/inventory/feature.js';
import { FailureDelay } from '../../central/inventory/failure-delay.js';
import { statusOp } from '../../central/status/status.js';
import { BACKENDS } from './helpers/db.js';
import { startTestCentral, type TestCentral } from './helpers/central.js';
import { httpsJson } from './helpers/https.js';

/**
 * Enrollment against the real central service, over HTTPS, on both databases: what is stored
 * survives a restart (the reference kept CA, tokens and certificates in memory: a retry after a
 * restart got 401), certificates name the booth id and nothing else (the reference wrote
 * localhost/127.0.0.1), and every refusal has its code.
 */
const validResponse = compileValidator(EnrollResponse);
let now = Date.now();
const clock = { now: () => now };

describe.each(BACKENDS)('enrollment on %s', (backend) => {
  let c: TestCentral;
  let ca: string;
  const ctx = (): CentralContext => {
    const x = c.service.ctx;
    if (!x) throw new Error('service not running');
    return x;
  };
  const enroll = (token: string, keys: KeyPairPem) =>
    createCsr('CN=booth-enrolling', keys).then((csr) =>
      httpsJson(`${c.boothUrl}/enroll/v1`, { ca, body: { token, csr, hardware: { camera: 'USB 2.0 Camera' } } }),
    );
  const addWithToken = async (id: string, ttlMs?: number) => {
    await boothAddOp.run(ctx(), { id, room: 'room 2', hall: '评标室 2' });
    return (await tokenIssueOp.run(ctx(), { boothId: id, ...(ttlMs ? { ttlMs } : {}) })).token;
  };

  // 1 ms per failure keeps the test fast; the count shows the route feeds it.
  const failures = new FailureDelay({ stepMs: 1 });

  beforeAll(async () => {
    c = await startTestCentral(backend, { clock, features: [enrollmentFeature(failures)] });
    ca = await readFile(join(c.dataDir, 'keys', 'ca.cert.pem'), 'utf8');
  });
  afterAll(async () => c?.stop());

  it('issues a certificate naming only the booth id, chained to the CA, with the site and the keys to pin', async () => {
    const token = await addWithToken('hall2-b1');
    const keys = await generateKeyPair();
    const res = await enroll(token, keys);
    expect(res.status).toBe(200);
    const answer = validResponse.parse(res.body);
    const cert = new X509Certificate(answer.certificate);
    expect(cert.subject).toBe('CN=hall2-b1');
    expect(cert.subjectAltName).toBe('URI:urn:booth:hall2-b1');
    expect(boothIdOf(cert)).toBe('hall2-b1');
    expect(verifyIssued(answer.certificate, ca)).toBe(true);
    expect(answer.caCertificate).toBe(ca);
    expect(cert.publicKey.export({ type: 'spki', format: 'pem' })).toBe(keys.publicKeyPem);
    const port = new URL(c.boothUrl).port;
    expect(answer.site).toEqual({
      booth: { id: 'hall2-b1', centre: c.config.centre.name, hall: '评标室 2' },
      sync: {
        push: { url: `https://localhost:${port}/sync/v1/push` },
        channel: { url: `https://localhost:${port}` },
        centralClientNames: ['central'],
      },
    });
    expect(answer.keys.session).toEqual({
      publicKeyPem: ctx().keys.session.publicKeyPem,
      keyId: ctx().keys.session.keyId,
    });
    expect(answer.keys.escrow).toEqual({
      publicKeyPem: ctx().keys.escrow.publicKeyPem,
      keyId: ctx().keys.escrow.keyId,
    });

    const stored = await ctx().db.query<{ serial: string; hardware: unknown; public_key_pem: string }>(
      'SELECT serial, hardware, public_key_pem FROM booth_certificates WHERE booth_id = $1',
      ['hall2-b1'],
    );
    expect(stored.rows).toEqual([
      {
        serial: cert.serialNumber.toUpperCase(),
        hardware: { camera: 'USB 2.0 Camera' },
        public_key_pem: keys.publicKeyPem,
      },
    ]);
    const tokens = await ctx().db.query<{ token_hash: string }>('SELECT token_hash FROM enroll_tokens');
    expect(JSON.stringify(tokens.rows)).not.toContain(token);
    const { booths } = await boothListOp.run(ctx(), {});
    expect(booths.find((b) => b.id === 'hall2-b1')?.certificate).toMatchObject({
      serial: cert.serialNumber.toUpperCase(),
      fingerprint256: cert.fingerprint256,
      revokedAt: null,
    });
  });

  it('stores a hardware description holding NUL with U+FFFD (PostgreSQL refuses NUL: it was a 500)', async () => {
    const token = await addWithToken('hall2-nul');
    const keys = await generateKeyPair();
    const csr = await createCsr('CN=booth-enrolling', keys);
    const res = await httpsJson(`${c.boothUrl}/enroll/v1`, {
      ca,
      body: { token, csr, hardware: { camera: 'cam\u0000' } },
    });
    expect(res.status).toBe(200);
    const stored = await ctx().db.query<{ hardware: unknown }>(
      'SELECT hardware FROM booth_certificates WHERE booth_id = $1',
      ['hall2-nul'],
    );
    expect(stored.rows).toEqual([{ hardware: { camera: 'cam\ufffd' } }]);
  });

  it('a retry with the same key gets the same certificate, also after the central server restarted', async () => {
    const token = await addWithToken('hall2-b2');
    const keys = await generateKeyPair();
    const first = await enroll(token, keys);
    expect(first.status).toBe(200);
    const again = await enroll(token, keys);
    expect(again.body).toEqual(first.body);
    await c.restart();
    const afterRestart = await enroll(token, keys);
    expect(afterRestart.status).toBe(200);
    const port = new URL(c.boothUrl).port;
    expect(afterRestart.body).toMatchObject({
      certificate: (first.body as EnrollResponse).certificate,
      site: { sync: { push: { url: `https://localhost:${port}/sync/v1/push` } } },
    });
    const n = await ctx().db.query('SELECT 1 FROM booth_certificates WHERE booth_id = $1', ['hall2-b2']);
    expect(n.rowCount).toBe(1);
  });

  it('refuses a token used by another key (409), an expired one (410), an unknown one (401), a bad CSR (400)', async () => {
    const token = await addWithToken('hall2-b3');
    expect((await enroll(token, await generateKeyPair())).status).toBe(200);
    const other = await enroll(token, await generateKeyPair());
    expect(other).toMatchObject({ status: 409, body: { code: 'BOOTH_ERR_ENROLL_TOKEN_USED' } });

    const short = await addWithToken('hall2-b4', 60_000);
    now += 61_000;
    const late = await enroll(short, await generateKeyPair());
    expect(late).toMatchObject({ status: 410, body: { code: 'BOOTH_ERR_ENROLL_TOKEN_EXPIRED' } });
    expect((late.body as { message: string }).message).toMatch(/expired at .*ask the central office/);

    const unknown = await enroll('A'.repeat(43), await generateKeyPair());
    expect(unknown).toMatchObject({ status: 401, body: { code: 'BOOTH_ERR_ENROLL_TOKEN_UNKNOWN' } });
    // Three token failures from this address: the next request from it waits 3 steps.
    expect(failures.delayFor('127.0.0.1')).toBe(3);

    const t5 = await addWithToken('hall2-b5');
    const bad = await httpsJson(`${c.boothUrl}/enroll/v1`, {
      ca,
      body: {
        token: t5,
        csr: `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(200)}\n-----END CERTIFICATE REQUEST-----\n`,
      },
    });
    expect(bad).toMatchObject({ status: 400, body: { code: 'BOOTH_ERR_BAD_INPUT' } });
    const none = await ctx().db.query('SELECT 1 FROM booth_certificates WHERE booth_id IN ($1, $2)', [
      'hall2-b4',
      'hall2-b5',
    ]);
    expect(none.rowCount).toBe(0);
  });

  it("refuses a revoked booth's token, even for a retry with the key that used it", async () => {
    const unused = await addWithToken('hall2-b6');
    const t7 = await addWithToken('hall2-b7');
    const keys = await generateKeyPair();
    expect((await enroll(t7, keys)).status).toBe(200);
    await boothRevokeOp.run(ctx(), { id: 'hall2-b6', reason: 'stolen' });
    await boothRevokeOp.run(ctx(), { id: 'hall2-b7', reason: 'decommissioned' });
    expect(await enroll(unused, await generateKeyPair())).toMatchObject({
      status: 403,
      body: { code: 'BOOTH_ERR_FORBIDDEN' },
    });
    expect(await enroll(t7, keys)).toMatchObject({ status: 403, body: { code: 'BOOTH_ERR_FORBIDDEN' } });
    await expect(tokenIssueOp.run(ctx(), { boothId: 'hall2-b7' })).rejects.toMatchObject({
      code: 'BOOTH_ERR_CONFLICT',
    });
  });

  it('a new enrollment supersedes the booth’s earlier certificate; the old token then gets 409', async () => {
    const t1 = await addWithToken('hall2-b8');
    const k1 = await generateKeyPair();
    const first = (await enroll(t1, k1)).body as EnrollResponse;
    const t2 = (await tokenIssueOp.run(ctx(), { boothId: 'hall2-b8' })).token;
    const second = (await enroll(t2, await generateKeyPair())).body as EnrollResponse;
    expect(second.certificate).not.toBe(first.certificate);
    const certs = await ctx().db.query<{ serial: string; revoke_reason: string | null }>(
      'SELECT serial, revoke_reason FROM booth_certificates WHERE booth_id = $1 ORDER BY issued_at',
      ['hall2-b8'],
    );
    expect(certs.rows.map((r) => r.revoke_reason)).toEqual(['superseded', null]);
    expect(await enroll(t1, k1)).toMatchObject({ status: 409, body: { code: 'BOOTH_ERR_ENROLL_TOKEN_USED' } });
    const { booths } = await boothListOp.run(ctx(), {});
    expect(booths.find((b) => b.id === 'hall2-b8')?.certificate?.serial).toBe(
      new X509Certificate(second.certificate).serialNumber.toUpperCase(),
    );
  });

  it('answers a request from a USB stick with the same code (the offline path)', async () => {
    const token = await addWithToken('hall3-b1');
    const keys = await generateKeyPair();
    const request = { token, csr: await createCsr('CN=x', keys) };
    const offline = await enrollOp.run(ctx(), request);
    expect(boothIdOf(offline.certificate)).toBe('hall3-b1');
    // The booth later goes online with the same token and key: the same certificate.
    expect((await enroll(token, keys)).body).toMatchObject({ certificate: offline.certificate });
  });

  it('refuses a booth id that exists and a pull URL that is not https://address:port', async () => {
    await expect(boothAddOp.run(ctx(), { id: 'hall2-b1', room: 'r' })).rejects.toMatchObject({
      code: 'BOOTH_ERR_CONFLICT',
    });
    await expect(
      boothAddOp.run(ctx(), { id: 'hall9-b1', room: 'r', pullUrl: 'https://10.0.0.9:8443/sync' }),
    ).rejects.toMatchObject({ code: 'BOOTH_ERR_BAD_INPUT' });
    const ok = await boothAddOp.run(ctx(), { id: 'hall9-b1', room: 'r', pullUrl: 'https://10.0.0.9:8443' });
    expect(ok).toMatchObject({ pullUrl: 'https://10.0.0.9:8443', certificate: null, status: 'active' });
  });

  it('status: alerts for booths not enrolled, never contacted, certificates expiring or expired; none for revoked', async () => {
    const alerts = async () => (await statusOp.run(ctx(), {})).alerts.join('\n');
    const first = await alerts();
    expect(first).toContain('booth hall9-b1: not enrolled');
    expect(first).toMatch(/booth hall2-b1: enrolled .*, never contacted/);
    expect(first).not.toContain('hall2-b6');
    expect(first).not.toContain('hall2-b7');
    expect(first).not.toContain('certificate expire');
    const booth = (await statusOp.run(ctx(), {})).booths.find((b) => b.id === 'hall2-b1');
    expect(booth).toMatchObject({ status: 'active', certificate: { serial: expect.any(String) as unknown } });
    const saved = now;
    try {
      now += (c.config.enrollment.certDays - 10) * 86_400_000;
      expect(await alerts()).toMatch(/booth hall2-b1: certificate expires .* \(in (10|11) days\)/);
      now += 20 * 86_400_000;
      expect(await alerts()).toMatch(/booth hall2-b1: certificate expired /);
    } finally {
      now = saved;
    }
  });
});
