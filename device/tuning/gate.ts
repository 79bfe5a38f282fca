import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { BoothError, toBoothError } from '../../protocol/errors.js';
import { LoginLimiter, type Client } from './login-limiter.js';
import { forbiddenError, forbiddenTypes } from './node-allowlist.js';
import { peerOf } from './peer.js';
import { verifyPassword } from './secrets.js';

/**
 * The booth's front door to Node-RED (issue 15), in front of its admin and http-in handlers:
 * - the editor login (POST <path>/auth/token) is checked here first, with a lockout per client
 *   answered 429 + Retry-After; Node-RED only ever sees correct passwords, so its own global
 *   per-username lockout (answered 500) never engages;
 * - http-in routes (<path>/api/...) need the editor's user and password (HTTP Basic);
 * - a deploy naming a node type outside the allowlist is refused (400) before Node-RED stores it.
 * Express's body parsers skip a request whose body is already parsed (req._body), so what is
 * read here is handed on as req.body.
 */
export interface GateDeps {
  user: string;
  /** The scrypt hash set by `booth provision`; null: every login fails. */
  passwordHash: string | null;
  logger: Logger;
  now?: () => number;
  limiter?: LoginLimiter;
  /** Where /proc is (tests); peer uids are read from <procDir>/net/tcp{,6}. */
  procDir?: string;
}

type Next = () => void;
type ParsedRequest = IncomingMessage & { body?: unknown; _body?: boolean };

const LOGIN_MAX_BYTES = 16 * 1024;
/** Node-RED's own admin API limit (apiMaxLength default). */
const FLOWS_MAX_BYTES = 5 * 1024 * 1024;

export class TuningGate {
  readonly limiter: LoginLimiter;
  private readonly now: () => number;

  constructor(private readonly deps: GateDeps) {
    this.limiter = deps.limiter ?? new LoginLimiter();
    this.now = deps.now ?? Date.now;
  }

  /** POST <path>/auth/token: the password grant of the editor and the admin API. */
  async login(req: ParsedRequest, res: ServerResponse, next: Next): Promise<void> {
    const body = await readBody(req, LOGIN_MAX_BYTES);
    const fields = parseForm(req, body);
    const ok = await this.check(req, res, fields?.username, fields?.password);
    if (!ok) return;
    req.body = fields;
    req._body = true;
    next();
  }

  /** <path>/api/...: the technician's http-in routes, behind the editor's credentials. */
  async nodeAuth(req: IncomingMessage, res: ServerResponse, next: Next): Promise<void> {
    const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '');
    if (!basic?.[1]) {
      send(
        res,
        401,
        { error: 'unauthorized', message: 'the editor user and password are required (HTTP Basic)' },
        {
          'www-authenticate': 'Basic realm="booth tuning", charset="UTF-8"',
        },
      );
      return;
    }
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const ok = await this.check(req, res, decoded.slice(0, colon), decoded.slice(colon + 1), 401);
    if (ok) next();
  }

  /** POST <path>/flows, POST <path>/flow, PUT <path>/flow/:id: refuse forbidden node types. */
  async deploy(req: ParsedRequest, res: ServerResponse, next: Next): Promise<void> {
    const body = await readBody(req, FLOWS_MAX_BYTES);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      send(res, 400, { error: 'invalid_request', message: 'the flow is not JSON' });
      return;
    }
    const bad = forbiddenTypes(parsed);
    if (bad.length) {
      const err = forbiddenError(bad);
      this.deps.logger.warn({ types: bad }, `tuning: ${err.message}`);
      send(res, err.statusCode, { code: err.code, message: err.message, types: bad });
      return;
    }
    req.body = parsed;
    req._body = true;
    next();
  }

  /** Answers a request the gate failed on (body too large, socket error) without a 500 body leak. */
  fail(res: ServerResponse, err: unknown): void {
    const e = toBoothError(err);
    if (res.headersSent) return void res.destroy();
    send(res, e.statusCode, { code: e.code, message: e.statusCode >= 500 ? 'internal error' : e.message });
  }

  /**
   * Counts the attempt as failed before checking (parallel guesses cannot outrun the count) and
   * clears it on success. Answers 429 while locked, `failStatus` on wrong credentials.
   */
  private async check(
    req: IncomingMessage,
    res: ServerResponse,
    username: unknown,
    password: unknown,
    failStatus = 403,
  ): Promise<boolean> {
    const client = await peerOf(req.socket, this.deps.procDir);
    const wait = this.limiter.retryAfterMs(client, this.now());
    if (wait > 0) {
      this.locked(res, client, wait);
      return false;
    }
    this.limiter.fail(client, this.now());
    const hash = this.deps.passwordHash;
    const ok =
      typeof username === 'string' &&
      typeof password === 'string' &&
      username === this.deps.user &&
      hash !== null &&
      (await verifyPassword(password, hash));
    if (ok) {
      this.limiter.succeed(client);
      return true;
    }
    this.deps.logger.warn({ client }, 'tuning: editor login failed');
    send(res, failStatus, { error: 'invalid_grant', message: 'wrong user or password' });
    return false;
  }

  private locked(res: ServerResponse, client: Client, waitMs: number): void {
    const seconds = Math.ceil(waitMs / 1000);
    const err = new BoothError(
      'BOOTH_ERR_TUNING_LOCKED_OUT',
      `too many failed logins from this client: retry in ${seconds} s`,
      {
        retryAfter: seconds,
      },
    );
    this.deps.logger.warn({ client, retryAfter: seconds }, `tuning: ${err.message}`);
    send(res, 429, { code: err.code, message: err.message }, { 'retry-after': String(seconds) });
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new BoothError('BOOTH_ERR_PAYLOAD_TOO_LARGE', `request body over ${limit} bytes`, { limit });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The login form as the editor (urlencoded) or a script (JSON) sends it; null when neither. */
function parseForm(req: IncomingMessage, body: Buffer): Record<string, unknown> | null {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  try {
    if (type === 'application/json') {
      const v = JSON.parse(body.toString('utf8')) as unknown;
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
    }
    if (type === 'application/x-www-form-urlencoded')
      return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  } catch {
    return null;
  }
  return null;
}
