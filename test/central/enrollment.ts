import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import * as x509 from '@peculiar/x509';
import { BoothError } from '../../protocol/errors.js';
import { newEnrollToken } from '../../central/inventory/tokens.js';
import { issueCertificate } from '../../protocol/crypto/x509.js';
import { compileValidator } from '../../protocol/validate.js';
import { ENROLL_PATH, EnrollError, EnrollRequest, EnrollResponse, type SiteConfig } from '../../protocol/enroll.js';
import type { CentralCa } from './ca.js';

/**
 * Enrollment on the reference central server (a test and demo tool): one-time, short-lived
 * tokens bound to a site; a booth sends a token and a CSR and gets its certificate, the CA and
 * its site configuration. The server keeps only a hash of each token. Retrying with the same key
 * returns the same certificate (a booth whose answer was lost must not be locked out); a token
 * used by another key, expired or unknown is refused with a clear message.
 */
export interface EnrollmentOptions {
  ca: CentralCa;
  /** Milliseconds since the epoch; tests move it to expire tokens. */
  now?: () => number;
  /** Certificate lifetime. */
  certDays?: number;
  /** The central keys the booth pins (default: fresh ones, kept for the life of this enrollment). */
  keys?: EnrollResponse['keys'];
}

interface TokenEntry {
  site: SiteConfig;
  expiresAt: number;
  /** sha256 of the SPKI of the key that used the token, and what it got. */
  usedBy?: string;
  response?: EnrollResponse;
}

export interface Enrollment {
  /** The fastify plugin: POST /enroll/v1. Register it through buildCentralServer's `plugins`. */
  plugin: FastifyPluginAsync;
  /** Issues a token for a site; what a central operator hands the technician. */
  issueToken(site: SiteConfig, ttlMs?: number): { token: string; expiresAt: number };
  /** The enrollment itself, also used for offline bundles carried on a USB stick. */
  enroll(request: unknown): Promise<EnrollResponse>;
  /** Certificates issued so far (for assertions). */
  readonly issued: number;
}

const requestValidator = compileValidator(EnrollRequest);
const hash = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

export function createEnrollment(o: EnrollmentOptions): Enrollment {
  const now = o.now ?? Date.now;
  const tokens = new Map<string, TokenEntry>();
  const keys = o.keys ?? { session: freshKey(), escrow: freshKey() };
  let issued = 0;

  async function enroll(raw: unknown): Promise<EnrollResponse> {
    const req = requestValidator.parse(raw, 'enrollment request');
    const entry = tokens.get(hash(req.token));
    if (!entry) throw new BoothError('BOOTH_ERR_ENROLL_TOKEN_UNKNOWN', 'enrollment token not recognised');
    let csr: x509.Pkcs10CertificateRequest;
    try {
      csr = new x509.Pkcs10CertificateRequest(req.csr);
    } catch {
      throw new BoothError('BOOTH_ERR_BAD_INPUT', 'enrollment request: csr is not a PKCS#10 request');
    }
    const keyId = hash(createPublicKey(csr.publicKey.toString('pem')).export({ type: 'spki', format: 'der' }));
    if (entry.usedBy !== undefined) {
      if (entry.usedBy === keyId && entry.response) return entry.response;
      throw new BoothError(
        'BOOTH_ERR_ENROLL_TOKEN_USED',
        `enrollment token already used by another booth key (booth ${entry.site.booth.id}); ask the central office for a new token`,
      );
    }
    if (now() > entry.expiresAt)
      throw new BoothError(
        'BOOTH_ERR_ENROLL_TOKEN_EXPIRED',
        `enrollment token expired at ${new Date(entry.expiresAt).toISOString()}; ask the central office for a new token`,
      );
    const certificate = await issueCertificate({
      csrPem: req.csr,
      caCertPem: o.ca.certPem,
      caPrivateKeyPem: o.ca.keyPem,
      days: o.certDays ?? 365,
      profile: 'client-server',
      subject: `CN=${entry.site.booth.id}`,
      altNames: ['localhost', '127.0.0.1'],
    });
    const response: EnrollResponse = { certificate, caCertificate: o.ca.certPem, site: entry.site, keys };
    entry.usedBy = keyId;
    entry.response = response;
    issued += 1;
    return response;
  }

  const plugin: FastifyPluginAsync = async (app) => {
    app.post(
      ENROLL_PATH,
      {
        schema: {
          body: EnrollRequest,
          response: { 200: EnrollResponse, '4xx': EnrollError },
        },
      },
      async (request) => enroll(request.body),
    );
  };

  return {
    plugin,
    issueToken(site, ttlMs = 30 * 60_000) {
      // The central server's own generator: a token never starts with '-', which a command line
      // would read as an option (this harness's raw base64url failed provision.test 1 run in 64).
      const token = newEnrollToken();
      const expiresAt = now() + ttlMs;
      tokens.set(hash(token), { site, expiresAt });
      return { token, expiresAt };
    },
    enroll,
    get issued() {
      return issued;
    },
  };
}

function freshKey(): EnrollResponse['keys']['session'] {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: hash(publicKey.export({ type: 'spki', format: 'der' })),
  };
}
