import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BoothError } from '../protocol/errors.js';

export interface JsonResponse {
  status: number;
  body: unknown;
}

/**
 * POSTs JSON and reads a JSON answer. HTTPS trusts `caPem` when given (the central server's CA,
 * pinned at provisioning), else the system's roots. Plain HTTP only to loopback: an enrollment
 * token must never cross a network in clear.
 */
export function postJson(
  url: string,
  body: unknown,
  o: { caPem?: string; timeoutMs?: number } = {},
): Promise<JsonResponse> {
  const target = new URL(url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname);
  if (target.protocol !== 'https:' && !(target.protocol === 'http:' && loopback))
    throw new BoothError('BOOTH_ERR_BAD_INPUT', `central URL ${url}: expected https:// (http:// only on loopback)`);
  const data = Buffer.from(JSON.stringify(body));
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': data.length, accept: 'application/json' },
        timeout: o.timeoutMs ?? 15_000,
        ...(o.caPem ? { ca: [o.caPem] } : {}),
      },
      (res) => {
        readJsonBody(res).then((body) => resolve({ status: res.statusCode ?? 0, body }), reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 15_000} ms`)));
    req.on('error', (err) =>
      reject(
        new BoothError('BOOTH_ERR_ENROLL_FAILED', `cannot reach ${target.origin}: ${err.message}`, {}, { cause: err }),
      ),
    );
    req.end(data);
  });
}

/** A response's body, parsed as JSON, or its text when it is not JSON (the caller reports it). */
export function readJsonBody(res: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(JSON.parse(text));
      } catch {
        resolve(text);
      }
    });
  });
}
