import { request } from 'node:https';

/**
 * One HTTPS request on a fresh connection (no agent: every call is a new TLS handshake, so a
 * test sees what the listener does at handshake time), with an optional client certificate.
 * Resolves with the answer, or rejects with the socket error (ECONNRESET, EPROTO...).
 */
export interface HttpsAnswer {
  status: number;
  body: unknown;
}

export function httpsJson(
  url: string,
  o: { method?: string; body?: unknown; ca: string; cert?: string; key?: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const payload = o.body === undefined ? null : Buffer.from(JSON.stringify(o.body));
    const req = request(
      url,
      {
        method: o.method ?? (payload ? 'POST' : 'GET'),
        agent: false,
        ca: [o.ca],
        ...(o.cert && o.key ? { cert: o.cert, key: o.key } : {}),
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = JSON.parse(text) as unknown;
          } catch {
            // not JSON: keep the text
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(payload ?? undefined);
  });
}
