import { X509Certificate } from 'node:crypto';

/**
 * A booth is known by the id its certificate names, never by its network address: the central
 * CA writes it as a subject alternative name URI `urn:booth:<id>` (and as the CN, for people
 * reading the certificate). Pulling from a booth checks this name instead of the host name, so a
 * booth behind NAT or on a changing DHCP address is still recognised, and nothing else is.
 */
export const BOOTH_URI_PREFIX = 'urn:booth:';
export const BOOTH_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export function boothUri(boothId: string): string {
  return `${BOOTH_URI_PREFIX}${boothId}`;
}

/** The booth id a certificate names (SAN URI urn:booth:<id>), or null when it names none or several. */
export function boothIdOf(cert: X509Certificate | string | Buffer): string | null {
  const c = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  const ids = (c.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((n) => n.startsWith(`URI:${BOOTH_URI_PREFIX}`))
    .map((n) => n.slice(`URI:${BOOTH_URI_PREFIX}`.length));
  if (ids.length !== 1) return null;
  const id = ids[0] ?? '';
  return BOOTH_ID_PATTERN.test(id) ? id : null;
}

/**
 * For a TLS client that pulls from a booth: accept the server certificate when (and only when)
 * it names `boothId`, whatever address was dialled. Chain trust is checked by TLS itself.
 */
export function expectBooth(boothId: string): (host: string, cert: { raw: Buffer }) => Error | undefined {
  return (_host, cert) => {
    try {
      const id = boothIdOf(cert.raw);
      return id === boothId
        ? undefined
        : new Error(`expected booth ${boothId}, the certificate names ${id ?? 'no booth'}`);
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  };
}
