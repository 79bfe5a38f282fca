import { request, type Agent } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';

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
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, peer: raw ? new X509Certificate(raw) : null });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
