/**
 * PostgreSQL connection strings as libpq and `pg` read them. Not WHATWG URLs: a Unix-socket URL
 * has no host (`postgresql://user@/db?host=/run/postgresql`), which `new URL` refuses.
 */
const URL_RE = /^(postgres(?:ql)?:\/\/)([^/?]*)(?:\/([^?]*))?(\?.*)?$/;

function parts(url: string) {
  const m = URL_RE.exec(url);
  if (!m) throw new Error('expected a postgresql://... connection string');
  const [, scheme = '', authority = '', database = '', query = ''] = m;
  return { scheme, authority, database, query };
}

/** The same server and options, another database. */
export function withDatabase(url: string, database: string): string {
  const p = parts(url);
  return `${p.scheme}${p.authority}/${database}${p.query}`;
}

/** For logs and status: user, host (or socket folder) and database; never the password. */
export function describePostgresUrl(url: string): string {
  const p = parts(url);
  const at = p.authority.lastIndexOf('@');
  const user = at >= 0 ? (p.authority.slice(0, at).split(':')[0] ?? '') : '';
  const host =
    (at >= 0 ? p.authority.slice(at + 1) : p.authority) ||
    decodeURIComponent(new URLSearchParams(p.query.slice(1)).get('host') ?? 'localhost');
  return `postgresql://${user ? `${user}@` : ''}${host}/${p.database}`;
}
