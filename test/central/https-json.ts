import { request, type Agent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { readJsonBody } from '../../provisioning/http-json.js';

/** A JSON request over HTTPS, returning the status, the parsed body and the server's certificate. */
export interface HttpsJsonResult {
  status: number;
  body: unknown;
  peer: X509Certificate | null;
}

export function httpsJson(url: string, o: { method?: string; body?: unknown; agent: Agent }): Promise<HttpsJsonResult> {
  const body = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: o.method ?? 'GET',
        agent: o.agent,
        headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {},
      },
      (res) => {
        const raw = (res.socket as TLSSocket).getPeerCertificate().raw as Buffer | undefined;
        const peer = raw ? new X509Certificate(raw) : null;
        readJsonBody(res).then((parsed) => resolve({ status: res.statusCode ?? 0, body: parsed, peer }), reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A GET over HTTPS returning the raw body and the headers (blob transfers). */
export function httpsBuffer(
  url: string,
  o: { agent: Agent; headers?: Record<string, string> },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', agent: o.agent, headers: o.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}
